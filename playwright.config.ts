import { defineConfig } from '@playwright/test';

// End-to-end tests of the renderer in a real Chromium against a real `workbench serve` (see
// e2e/fixtures.ts). Debian's chromium, not a Playwright download: .ci/run installs it.
export default defineConfig({
  testDir: 'e2e',
  testMatch: '**/*.spec.ts',
  // One server and one training queue at a time: the machine has few cores and runs train for real.
  workers: 1,
  fullyParallel: false,
  forbidOnly: Boolean(process.env.CI),
  timeout: 120_000,
  // list shows that a test was skipped; skipReasons says why (e.g. no Electron binary on this machine).
  reporter: [['list'], ['./e2e/skipReasons.ts']],
  outputDir: 'test-results',
  use: {
    browserName: 'chromium',
    launchOptions: { executablePath: process.env.WORKBENCH_CHROMIUM ?? '/usr/bin/chromium' },
    trace: 'retain-on-failure',
    // The README's screenshots are taken at this size.
    viewport: { width: 1280, height: 800 },
  },
});
