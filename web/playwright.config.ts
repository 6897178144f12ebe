// The browser tests (e2e/): headless Debian Chromium (/usr/bin/chromium, nothing downloaded)
// against a real Switchboard that each test file starts (e2e/support/switchboard.ts) and that
// serves the built pages from dist/. One worker: the machine has two cores and the server needs one.
import { defineConfig } from '@playwright/test';
import { debianChromium } from './e2e/support/chromium';

export default defineConfig({
  testDir: 'e2e',
  testMatch: '**/*.spec.ts',
  // Each half of the suite (ctest's web.browser.1 and .2: --shard) keeps its own failures' traces.
  outputDir: `e2e/artifacts/test-results${process.env.SB_BROWSER_SHARD ? `-${process.env.SB_BROWSER_SHARD}` : ''}`,
  workers: 1,
  fullyParallel: false,
  forbidOnly: !!process.env.CI,
  retries: 0,
  timeout: 60_000,
  expect: { timeout: 10_000 },
  reporter: [['list']],
  use: {
    ...debianChromium,
    trace: 'retain-on-failure',
    screenshot: 'only-on-failure',
    actionTimeout: 10_000,
    navigationTimeout: 15_000,
  },
});
