// The browser end-to-end suite (`npm run e2e`): @playwright/test driving
// Debian's Chromium (CHROMIUM_PATH, default /usr/bin/chromium; no browser is
// ever downloaded) against the real parkmate server. See e2e/env.ts for the
// environment it reads and e2e/fixtures.ts for what each test gets.

import { defineConfig } from '@playwright/test';
import { ARTIFACTS_DIR, CHROME, CHROMIUM_ARGS, HEADED } from './e2e/env';

export default defineConfig({
  testDir: './e2e',
  testMatch: '**/*.spec.ts',
  globalSetup: './e2e/global-setup.ts',
  globalTeardown: './e2e/global-teardown.ts',
  // Each test runs its own server and browser contexts; one worker keeps the
  // timing of the toasts' checks as on a quiet machine (E2E_WORKERS overrides).
  workers: Number(process.env.E2E_WORKERS) || 1,
  fullyParallel: false,
  retries: 0,
  forbidOnly: true,
  // The longest test waits about a minute for a booking to run out (test.slow() triples this).
  timeout: 120_000,
  expect: { timeout: 10_000 },
  outputDir: `${ARTIFACTS_DIR}/results`,
  reporter: [
    ['list', { printSteps: true }],
    ['html', { open: 'never', outputFolder: `${ARTIFACTS_DIR}/report` }],
    ['./e2e/summary-reporter.ts'],
  ],
  use: {
    browserName: 'chromium',
    headless: !HEADED,
    launchOptions: {
      executablePath: CHROME,
      args: CHROMIUM_ARGS,
    },
    viewport: { width: 1280, height: 860 },
    actionTimeout: 30_000,
    navigationTimeout: 30_000,
    trace: 'retain-on-failure',
    screenshot: 'only-on-failure',
    video: 'off',
  },
});
