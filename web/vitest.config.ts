// Unit tests of the client's own logic (src/**/*.test.ts), in Node with fake sockets and timers;
// pages are tested in a real browser against the real server (later: Playwright).
import { defineConfig } from 'vitest/config';

export default defineConfig({
  oxc: { jsx: { runtime: 'automatic', importSource: 'preact' } },
  test: { include: ['src/**/*.test.ts'], environment: 'node' },
});
