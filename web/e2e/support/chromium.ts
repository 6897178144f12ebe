// The browser every Playwright run here uses: Debian's headless Chromium (nothing downloaded), at
// one viewport. Shared by the browser tests (playwright.config.ts) and the budgets benchmark
// (bench/playwright.config.ts), which differ only in what they run and how long they wait.
export const debianChromium = {
  browserName: 'chromium' as const,
  headless: true,
  launchOptions: { executablePath: process.env.CHROMIUM_BIN || '/usr/bin/chromium' },
  viewport: { width: 1280, height: 800 },
};
