import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['src/**/*.test.ts', 'test/**/*.test.ts'],
    testTimeout: 120_000,
    hookTimeout: 120_000,
    // tfjs-wasm is single-threaded per process; forks keep each test file's backend isolated.
    pool: 'forks',
  },
});
