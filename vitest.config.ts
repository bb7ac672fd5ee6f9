import { configDefaults, defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['src/**/*.test.ts', 'test/**/*.test.ts'],
    // e2e/*.spec.ts are Playwright's (npm run e2e), run against a real server in Chromium.
    exclude: [...configDefaults.exclude, 'e2e/**'],
    testTimeout: 120_000,
    hookTimeout: 120_000,
    // tfjs-wasm is single-threaded per process; forks keep each test file's backend isolated.
    pool: 'forks',
  },
});
