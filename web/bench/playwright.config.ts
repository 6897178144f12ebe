// The budgets benchmark (`npm run bench:browser`): the same headless Debian Chromium and real
// Switchboard as the browser tests, run by Playwright's runner; it prints figures beside their
// budgets and asserts no speed. One worker, generous time: it measures, it does not race.
import { defineConfig } from '@playwright/test';
import { debianChromium } from '../e2e/support/chromium';

export default defineConfig({
  testDir: '.',
  testMatch: '**/*.bench.ts',
  globalSetup: './global_setup.ts',
  outputDir: '../e2e/artifacts/bench-results',
  workers: 1,
  fullyParallel: false,
  retries: 0,
  timeout: 300_000,
  expect: { timeout: 30_000 },
  reporter: [['list']],
  use: {
    ...debianChromium,
    actionTimeout: 30_000,
    navigationTimeout: 30_000,
  },
});
