// How Switchboard serves the built pages (web/dist): hashed assets cached forever and gzipped when
// the client accepts it, HTML revalidated every time and carrying a CSP, widget.js (a stable name
// customers' sites link to) cached briefly, and ETag revalidation answered with 304.
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { gunzipSync } from 'node:zlib';
import { expect, test, useSwitchboard } from './support/fixtures';
import { rawGet } from './support/http';
import { distDir } from './support/switchboard';

const sb = useSwitchboard({ name: 'serving' });

const assets = readdirSync(path.join(distDir, 'assets')).filter((f) => !f.endsWith('.gz'));
const pages = ['/', '/shop/', '/desk/', '/console/'];
const immutable = 'public, max-age=31536000, immutable';

function maxAge(cacheControl: string | undefined): number {
  const m = /max-age=(\d+)/.exec(cacheControl ?? '');
  return m ? Number(m[1]) : -1;
}

test('hashed assets are cached for a year, immutable, gzipped when accepted', async () => {
  expect(assets.some((f) => f.endsWith('.js'))).toBe(true);
  expect(assets.some((f) => f.endsWith('.css'))).toBe(true);
  for (const file of assets) {
    const url = `${sb.server.url}/assets/${file}`;
    const onDisk = readFileSync(path.join(distDir, 'assets', file));
    const gz = await rawGet(url, { 'Accept-Encoding': 'gzip, deflate, br' });
    expect(gz.status, file).toBe(200);
    expect(gz.headers['cache-control'], file).toBe(immutable);
    if (existsSync(path.join(distDir, 'assets', `${file}.gz`))) {
      expect(gz.headers['vary'] ?? '', file).toMatch(/accept-encoding/i);
      expect(gz.headers['content-encoding'], `${file} gzipped`).toBe('gzip');
      expect(gz.body.length, `${file} smaller gzipped`).toBeLessThan(onDisk.length);
      expect(gunzipSync(gz.body).equals(onDisk), `${file} gunzips to the built file`).toBe(true);
    } else {
      expect(gz.headers['content-encoding'], `${file} (not compressible) sent as is`).toBeUndefined();
      expect(gz.body.equals(onDisk), file).toBe(true);
    }
    const plain = await rawGet(url);
    expect(plain.headers['content-encoding'], `${file} without Accept-Encoding`).toBeUndefined();
    expect(plain.body.equals(onDisk), `${file} as built`).toBe(true);
  }
});

test('assets have the right content types', async () => {
  const types: Record<string, RegExp> = { '.js': /^text\/javascript|^application\/javascript/, '.css': /^text\/css/, '.woff2': /^font\/woff2/ };
  for (const file of assets) {
    const want = types[path.extname(file)];
    if (!want) continue;
    const r = await rawGet(`${sb.server.url}/assets/${file}`);
    expect(r.headers['content-type'], file).toMatch(want);
    expect(r.headers['x-content-type-options'], file).toBe('nosniff');
  }
});

test('HTML pages are revalidated every time and carry a CSP', async () => {
  for (const page of pages) {
    const r = await rawGet(`${sb.server.url}${page}`, { 'Accept-Encoding': 'gzip' });
    expect(r.status, page).toBe(200);
    expect(r.headers['content-type'], page).toMatch(/^text\/html/);
    expect(r.headers['cache-control'], page).toBe('no-cache');
    const csp = r.headers['content-security-policy'] ?? '';
    expect(csp, `${page} CSP`).toContain("default-src 'self'");
    expect(csp, `${page} CSP`).toContain("object-src 'none'");
    expect(csp, `${page} CSP`).toMatch(/frame-ancestors/);
    const html = r.headers['content-encoding'] === 'gzip' ? gunzipSync(r.body) : r.body;
    expect(html.toString(), page).toMatch(/^<!doctype html>/i);
  }
  // The landing page is big enough to be sent gzipped.
  const landing = await rawGet(`${sb.server.url}/`, { 'Accept-Encoding': 'gzip' });
  expect(landing.headers['content-encoding']).toBe('gzip');
});

test('a folder without its slash is redirected to it', async () => {
  for (const page of ['/shop', '/desk', '/console']) {
    const r = await rawGet(`${sb.server.url}${page}`);
    expect([301, 308], page).toContain(r.status);
    expect(r.headers['location'], page).toBe(`${page}/`);
  }
});

test('widget.js has a short cache, CORS for other sites, and gzip', async () => {
  const url = `${sb.server.url}/widget.js`;
  const onDisk = readFileSync(path.join(distDir, 'widget.js'));
  const r = await rawGet(url, { 'Accept-Encoding': 'gzip' });
  expect(r.status).toBe(200);
  expect(r.headers['content-type']).toMatch(/javascript/);
  const cc = r.headers['cache-control'] ?? '';
  expect(cc).not.toContain('immutable');
  expect(maxAge(cc)).toBeGreaterThan(0);
  expect(maxAge(cc)).toBeLessThanOrEqual(3600);
  expect(r.headers['access-control-allow-origin']).toBe('*');
  expect(r.headers['content-encoding']).toBe('gzip');
  expect(gunzipSync(r.body).equals(onDisk)).toBe(true);
});

test('ETag and If-None-Match: 304 without a body when unchanged, 200 otherwise', async () => {
  const targets = ['/', '/widget.js', `/assets/${assets.find((f) => f.endsWith('.js'))}`];
  for (const target of targets) {
    const url = `${sb.server.url}${target}`;
    const first = await rawGet(url, { 'Accept-Encoding': 'gzip' });
    const etag = first.headers['etag'];
    expect(etag, target).toMatch(/^(W\/)?"[^"]+"$/);
    const again = await rawGet(url, { 'Accept-Encoding': 'gzip', 'If-None-Match': etag! });
    expect(again.status, `${target} revalidated`).toBe(304);
    expect(again.body.length, `${target} 304 body`).toBe(0);
    expect(again.headers['etag'], target).toBe(etag);
    const other = await rawGet(url, { 'Accept-Encoding': 'gzip', 'If-None-Match': '"not-the-etag"' });
    expect(other.status, `${target} with another etag`).toBe(200);
    expect(other.body.length, target).toBeGreaterThan(0);
  }
});

test('unknown files are 404 and paths cannot leave the web root', async () => {
  expect((await rawGet(`${sb.server.url}/assets/nothing-here-123.js`)).status).toBe(404);
  for (const target of ['/assets/../../../../etc/passwd', '/%2e%2e/%2e%2e/etc/passwd', '/assets/..%2f..%2fpackage.json']) {
    const r = await rawGet(`${sb.server.url}${target}`);
    expect(r.status, target).not.toBe(200);
    expect(r.body.toString(), target).not.toContain('root:');
  }
});

test('the browser loads the landing page through the real serving with no CSP or console errors', async ({ page }) => {
  const errors: string[] = [];
  page.on('console', (m) => m.type() === 'error' && errors.push(m.text()));
  page.on('pageerror', (e) => errors.push(e.message));
  const failed: string[] = [];
  page.on('requestfailed', (r) => failed.push(`${r.url()} ${r.failure()?.errorText}`));
  await page.goto(`${sb.server.url}/`);
  await expect(page.getByRole('heading', { name: 'Development sign-ins' })).toBeVisible();
  await page.evaluate(() => document.fonts.ready);
  expect(await page.evaluate(() => document.fonts.check('16px Inter'))).toBe(true);
  expect(failed).toEqual([]);
  expect(errors).toEqual([]);
});
