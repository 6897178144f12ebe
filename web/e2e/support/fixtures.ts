// What the browser tests share: one real Switchboard per test file (`useSwitchboard`), screenshots
// kept in e2e/artifacts/, the axe check, and a record of the pages' WebSockets (their close codes),
// kept by an init script that wraps the browser's own WebSocket (every socket is still real).
import AxeBuilder from '@axe-core/playwright';
import { type BrowserContext, expect, type Page, test } from '@playwright/test';
import { mkdirSync } from 'node:fs';
import path from 'node:path';
import { artifactsDir, type ServerOptions, Switchboard } from './switchboard';

export { expect, test };

/**
 * Starts a Switchboard before the file's (or describe block's) first test and stops it after the
 * last, also when a test failed. Use the returned holder's `server` inside tests.
 */
export function useSwitchboard(options: ServerOptions): { readonly server: Switchboard } {
  let server: Switchboard | null = null;
  test.beforeAll(async () => {
    test.setTimeout(60_000);
    server = await Switchboard.start(options);
  });
  test.afterAll(async () => {
    test.setTimeout(60_000);
    await server?.stop();
    server = null;
  });
  return {
    get server(): Switchboard {
      if (!server) throw new Error('the Switchboard is not running');
      return server;
    },
  };
}

/** Saves a screenshot (the full page, or what the viewport shows) as e2e/artifacts/screens/NAME.png. */
export async function screenshot(page: Page, name: string, { fullPage = true } = {}): Promise<void> {
  const dir = path.join(artifactsDir, 'screens');
  mkdirSync(dir, { recursive: true });
  await page.screenshot({ path: path.join(dir, `${name}.png`), fullPage });
}

/** A serious or critical violation that is reported and not fixed yet: rule id and a CSS target. */
export interface KnownViolation {
  rule: string;
  target: string;
  /** The report: what is wrong and where it is fixed. */
  why: string;
}

/**
 * Reported defects the axe checks tolerate where a test lists them (none open now; the timeline's
 * time contrast of 4.44 found on the first desk was fixed in the console's merge). An entry:
 * `name: { rule: 'color-contrast', target: '.tl-event > time', why: '…' }`.
 */
export const knownViolations: Record<string, KnownViolation> = {};

/**
 * Runs axe on the page (shadow roots included) and fails on serious or critical violations, but
 * for `known` ones (reported defects), which are noted on the test; a known one that no longer
 * shows fails too, so that the list is kept true. `include`: only this part of the page (a CSS
 * selector), for a widget's later states once the page around it was checked.
 */
export async function expectAccessible(page: Page, screen: string, known: KnownViolation[] = [], { include = '' } = {}): Promise<void> {
  let axe = new AxeBuilder({ page }).withTags(['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'best-practice']);
  if (include) axe = axe.include(include);
  const results = await axe.analyze();
  const bad = results.violations.filter((v) => v.impact === 'serious' || v.impact === 'critical');
  const isKnown = (rule: string, target: string) => known.some((k) => k.rule === rule && k.target === target);
  const words: string[] = [];
  const seenKnown = new Set<KnownViolation>();
  for (const v of bad) {
    for (const n of v.nodes) {
      const target = n.target.join(' ');
      if (isKnown(v.id, target)) {
        seenKnown.add(known.find((k) => k.rule === v.id && k.target === target)!);
        continue;
      }
      words.push(`${v.impact} ${v.id}: ${v.help}\n    ${target}: ${n.failureSummary ?? ''}`);
    }
  }
  for (const k of seenKnown) test.info().annotations.push({ type: `known axe violation on ${screen}`, description: `${k.rule} ${k.target}: ${k.why}` });
  expect(words, `axe on ${screen}`).toEqual([]);
  const gone = known.filter((k) => !seenKnown.has(k)).map((k) => `${k.rule} ${k.target}`);
  expect(gone, `known violations no longer seen on ${screen} (fixed? remove them from the list)`).toEqual([]);
}

export interface SocketRecord {
  url: string;
  opened: boolean;
  closeCode: number | null;
}

/** Records every WebSocket the context's pages open (url, opened, close code) in window.__sbSockets. */
export async function recordSockets(context: BrowserContext): Promise<void> {
  await context.addInitScript(() => {
    const Native = window.WebSocket;
    const sockets: Array<{ url: string; opened: boolean; closeCode: number | null }> = [];
    (window as unknown as { __sbSockets: typeof sockets }).__sbSockets = sockets;
    class Recorded extends Native {
      constructor(url: string | URL, protocols?: string | string[]) {
        super(url, protocols);
        const rec = { url: String(url), opened: false, closeCode: null as number | null };
        sockets.push(rec);
        this.addEventListener('open', () => (rec.opened = true));
        this.addEventListener('close', (e) => (rec.closeCode = e.code));
      }
    }
    window.WebSocket = Recorded;
  });
}

export function sockets(page: Page): Promise<SocketRecord[]> {
  return page.evaluate(() => (window as unknown as { __sbSockets?: SocketRecord[] }).__sbSockets ?? []);
}
