// The landing page `/`: what Switchboard is, links to the shop, the desk and the console, and the
// development sign-ins the server lists (GET /v1/dev-users); then a first sign-in from it on a
// fresh server, which makes no failing request.
import { expect, expectAccessible, screenshot, test, useSwitchboard } from './support/fixtures';

const sb = useSwitchboard({ name: 'landing' });

interface DevUser {
  id: string;
  role: string;
  teams?: string[];
  displayName?: string;
  password?: string;
}

test('links to the shop, the desk and the console', async ({ page }) => {
  await page.goto(`${sb.server.url}/`);
  await expect(page).toHaveTitle(/Switchboard/);
  await expect(page.getByRole('heading', { level: 1 })).toBeVisible();
  const nav = page.getByRole('navigation', { name: 'Main' });
  await expect(nav.getByRole('link', { name: 'Demo shop' })).toHaveAttribute('href', '/shop/');
  await expect(nav.getByRole('link', { name: 'Agent desk' })).toHaveAttribute('href', '/desk/');
  await expect(nav.getByRole('link', { name: 'Lead console' })).toHaveAttribute('href', '/console/');

  // The links lead to pages that load.
  await nav.getByRole('link', { name: 'Demo shop' }).click();
  await expect(page).toHaveURL(`${sb.server.url}/shop/`);
  await expect(page.getByRole('button', { name: 'Chat with us' })).toBeVisible();
  await page.goBack();
  await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Agent desk' }).click();
  await expect(page).toHaveURL(`${sb.server.url}/desk/`);
  await expect(page.getByRole('heading', { name: 'Agent desk' })).toBeVisible();
  await page.goBack();
  await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Lead console' }).click();
  await expect(page).toHaveURL(`${sb.server.url}/console/`);
  await expect(page.getByRole('heading', { name: 'Lead console' })).toBeVisible();
});

test('shows the development sign-ins the server lists', async ({ page, request }) => {
  const answer = await request.get(`${sb.server.url}/v1/dev-users`);
  expect(answer.ok()).toBe(true);
  const users = ((await answer.json()) as { users: DevUser[] }).users;
  expect(users.map((u) => u.id).sort()).toEqual(['ana', 'ben', 'lea']);

  await page.goto(`${sb.server.url}/`);
  const section = page.locator('#dev-users');
  await expect(section.getByRole('heading', { name: 'Development sign-ins' })).toBeVisible();
  const rows = section.getByRole('table').getByRole('row');
  await expect(rows).toHaveCount(users.length + 1); // the header row
  for (const u of users) {
    const row = rows.filter({ has: page.getByRole('rowheader', { name: u.displayName || u.id, exact: true }) });
    await expect(row).toHaveCount(1);
    await expect(row.getByRole('cell').nth(0)).toHaveText(u.role);
    await expect(row.getByRole('cell').nth(1)).toHaveText((u.teams ?? []).join(', '));
    await expect(row.getByRole('cell').nth(2)).toHaveText(u.id);
    await expect(row.getByRole('cell').nth(3)).toContainText(u.password!);
    const open = row.getByRole('link', { name: u.role === 'agent' ? 'Open desk' : 'Open console' });
    await expect(open).toHaveAttribute('href', u.role === 'agent' ? '/desk/' : '/console/');
  }
  await screenshot(page, 'landing');
  await expectAccessible(page, 'landing');
});

test('a sign-in from the table works on the desk', async ({ page }) => {
  await page.goto(`${sb.server.url}/`);
  const row = page.locator('#dev-users').getByRole('row').filter({ has: page.getByRole('rowheader', { name: 'Ana', exact: true }) });
  const password = (await row.getByRole('cell').nth(3).locator('code').textContent())!.trim();
  await row.getByRole('link', { name: 'Open desk' }).click();
  await page.getByLabel('User').fill('ana');
  await page.getByLabel('Password').fill(password);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await expect(page.getByRole('button', { name: 'Sign out' })).toBeVisible();
});

test('a first sign-in on a fresh server: the desk and the console make no failing request', async ({ browser }) => {
  // Seen here on a loaded machine: the desk read GET /v1/agents/{self} at `welcome`, racing the
  // server's registration of the desk, which creates the profile of someone not in the config's
  // agents (lea): a 404, and a trainee not known as one. It now waits for the first agentState
  // (sent once registered). The race is rarely lost on an idle machine, so this guards it only.
  for (const [path, user, password] of [['/console/', 'lea', 'lea-dev'], ['/desk/', 'ben', 'ben-dev']]) {
    const context = await browser.newContext();
    try {
      const page = await context.newPage();
      const failed: string[] = [];
      page.on('response', (r) => {
        const url = new URL(r.url());
        // Before signing in, GET /v1/session answers 401: that is how the page knows.
        if (r.status() >= 400 && !(url.pathname === '/v1/session' && r.status() === 401)) failed.push(`${r.status()} ${r.request().method()} ${url.pathname}`);
      });
      await page.goto(`${sb.server.url}${path}`);
      await page.getByLabel('User').fill(user);
      await page.getByLabel('Password').fill(password);
      const profile = page.waitForResponse((r) => new URL(r.url()).pathname === `/v1/agents/${user}`);
      await page.getByRole('button', { name: 'Sign in' }).click();
      await expect(page.getByRole('banner').getByRole('status')).toHaveText('Connected');
      expect((await profile).status(), `GET /v1/agents/${user}`).toBe(200);
      await page.waitForLoadState('networkidle');
      expect(failed, path).toEqual([]);
    } finally {
      await context.close();
    }
  }
});
