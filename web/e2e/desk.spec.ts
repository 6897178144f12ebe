// The agent desk's own points, each against what really happened: the status (away with a reason,
// offline) as the lead's board and REST see it and as the router acts on it; an offer with its
// countdown, chime and browser notification, declined to the other agent; canned replies of the
// agent's team with the customer's name filled in, as the customer reads them; the keyboard
// shortcuts and what each one does on the server; resolve with a disposition from the queue's list.
// Each test has a server of its own (a describe block each), so that no test inherits another's
// waiting chats or statuses.
import type { APIRequestContext, Browser, BrowserContext, Page } from '@playwright/test';
import type { Event } from '../src/lib/types';
import * as desk from './support/desk';
import { expect, expectAccessible, screenshot, test, useSwitchboard } from './support/fixtures';
import type { Switchboard } from './support/switchboard';
import * as widget from './support/widget';

/**
 * Ben joins the care team (the general queue's) in his routing profile, so that a chat Ana does
 * not take can go to him; his sign-in keeps the tech team only (his canned replies are tech's).
 */
const benInCare: Array<[RegExp, string]> = [[/(- id: ben\n {4}display_name: Ben\n {4}teams: )\[tech\]/, '$1[care, tech]']];

/** The general queue's dispositions in config/switchboard.yaml (the resolve list). */
const generalDispositions = ['solved', 'refund_issued', 'order_changed', 'no_reply', 'spam'];

/** GET as the lead Lea (both teams) with a bearer token. */
async function leadGet<T>(request: APIRequestContext, server: Switchboard, path: string): Promise<T> {
  const token = await server.token('lead', 'lea', ['care', 'tech']);
  const r = await request.get(`${server.url}${path}`, { headers: { Authorization: `Bearer ${token}` } });
  expect(r.status(), `GET ${path}`).toBe(200);
  return (await r.json()) as T;
}

async function eventsOf(request: APIRequestContext, server: Switchboard, conversationId: string): Promise<Event[]> {
  const page = await leadGet<{ events?: Event[] }>(request, server, `/v1/conversations/${encodeURIComponent(conversationId)}?after_seq=0&limit=1000`);
  return page.events ?? [];
}

/** Who the router offered the conversation to, in order (its `offer` events). */
async function offeredTo(request: APIRequestContext, server: Switchboard, conversationId: string): Promise<string[]> {
  return (await eventsOf(request, server, conversationId)).filter((e) => e.offer).map((e) => e.offer!.agentId ?? '');
}

interface Customer {
  context: BrowserContext;
  page: Page;
  conversationId: string;
}

/** A customer in a context of their own: the shop, the widget, the pre-chat form, the first message. */
async function customerWrites(browser: Browser, server: Switchboard, question: string, details: { name?: string; email?: string } = {}): Promise<Customer> {
  const context = await browser.newContext();
  const page = await context.newPage();
  await page.goto(`${server.url}/shop/`);
  await widget.open(page);
  await widget.startChat(page, question, details);
  await expect(widget.bubbles(page).first()).toContainText(question);
  let conversationId = '';
  await expect.poll(async () => (conversationId = await widget.storedConversationId(page))).not.toBe('');
  return { context, page, conversationId };
}

/** A desk signed in, in a context of its own. */
async function deskOf(browser: Browser, server: Switchboard, user: 'ana' | 'ben', context?: BrowserContext): Promise<{ context: BrowserContext; page: Page }> {
  const ctx = context ?? (await browser.newContext());
  const page = await ctx.newPage();
  await desk.signIn(page, `${server.url}/desk/`, user, `${user}-dev`);
  return { context: ctx, page };
}

/** Nothing offered to `page` for `ms` (an offer comes within a second when there is one to make). */
async function noOfferFor(page: Page, ms: number): Promise<void> {
  const until = Date.now() + ms;
  while (Date.now() < until) {
    await expect(desk.offers(page)).toHaveCount(0);
    await page.waitForTimeout(250);
  }
}

test.describe('away', () => {
  const sb = useSwitchboard({ name: 'desk-away', edits: benInCare });

  test('away with a reason: the desk and the lead show it, no offer reaches Ana, back available she gets the waiting chat', async ({ browser, request }) => {
    test.setTimeout(120_000);
    const contexts: BrowserContext[] = [];
    try {
      const ana = await deskOf(browser, sb.server, 'ana');
      contexts.push(ana.context);
      await desk.setStatus(ana.page, 'Available');
      await desk.setAway(ana.page, 'meeting');

      // REST and the lead's board say away, with the reason.
      await expect.poll(async () => {
        const a = await leadGet<{ status?: string; statusReason?: string }>(request, sb.server, '/v1/agents/ana');
        return { status: a.status, reason: a.statusReason };
      }).toEqual({ status: 'AWAY', reason: 'meeting' });
      const leadContext = await browser.newContext();
      contexts.push(leadContext);
      const lead = await leadContext.newPage();
      await desk.signIn(lead, `${sb.server.url}/console/`, 'lea', 'lea-dev');
      const anaRow = lead.getByTestId('agent-row').filter({ hasText: /^Ana/ });
      await expect(anaRow).toContainText('Away · meeting');

      // Ben is available: the first customer's chat goes to him, never to Ana.
      const ben = await deskOf(browser, sb.server, 'ben');
      contexts.push(ben.context);
      await desk.setStatus(ben.page, 'Available');
      const first = await customerWrites(browser, sb.server, 'Is the storm shell in stock in size M?', { name: 'Olga Early' });
      contexts.push(first.context);
      await expect(desk.offers(ben.page)).toContainText('“Is the storm shell in stock in size M?”');
      await expect(desk.offers(ana.page)).toHaveCount(0);
      await desk.offers(ben.page).getByRole('button', { name: 'Accept' }).click();
      await expect(desk.pane(ben.page, 'Olga Early')).toHaveAttribute('data-conversation-id', first.conversationId);
      expect(await offeredTo(request, sb.server, first.conversationId)).toEqual(['ben']);

      // Ben goes offline: the next customer waits for nobody, Ana (away) included.
      await desk.setStatus(ben.page, 'Offline');
      const second = await customerWrites(browser, sb.server, 'Do you deliver on Saturdays?', { name: 'Sam Later' });
      contexts.push(second.context);
      await expect(widget.headline(second.page)).toHaveText(/^You are number 1 in line/);
      await noOfferFor(ana.page, 3000);
      expect(await offeredTo(request, sb.server, second.conversationId)).toEqual([]);
      await expect(ana.page.getByTestId('status-now')).toContainText('Away · meeting');

      // Back to available: the waiting chat is offered to Ana; the board follows.
      await desk.setStatus(ana.page, 'Available');
      await expect(ana.page.getByTestId('status-now')).not.toContainText('meeting');
      await expect(desk.offers(ana.page)).toContainText('“Do you deliver on Saturdays?”');
      await desk.offers(ana.page).getByRole('button', { name: 'Accept' }).click();
      await expect(desk.pane(ana.page, 'Sam Later')).toHaveAttribute('data-conversation-id', second.conversationId);
      expect(await offeredTo(request, sb.server, second.conversationId)).toEqual(['ana']);
      await expect(anaRow).toContainText('Available');
      await expect(anaRow).not.toContainText('meeting');
    } finally {
      for (const c of contexts) await c.close();
    }
  });
});

test.describe('offline', () => {
  const sb = useSwitchboard({ name: 'desk-offline' });

  test('offline: no offer; available again, the waiting chat is offered', async ({ browser, request }) => {
    test.setTimeout(90_000);
    const contexts: BrowserContext[] = [];
    try {
      const ana = await deskOf(browser, sb.server, 'ana');
      contexts.push(ana.context);
      await desk.setStatus(ana.page, 'Available');
      await desk.setStatus(ana.page, 'Offline');
      await expect.poll(async () => (await leadGet<{ status?: string }>(request, sb.server, '/v1/agents/ana')).status).toBe('OFFLINE');

      const customer = await customerWrites(browser, sb.server, 'Can I pay by invoice?', { name: 'Ivo Invoice' });
      contexts.push(customer.context);
      await expect(widget.headline(customer.page)).toHaveText(/^You are number 1 in line/);
      await noOfferFor(ana.page, 3000);
      expect(await offeredTo(request, sb.server, customer.conversationId)).toEqual([]);

      await desk.setStatus(ana.page, 'Available');
      await expect(desk.offers(ana.page)).toContainText('“Can I pay by invoice?”');
      expect(await offeredTo(request, sb.server, customer.conversationId)).toEqual(['ana']);
    } finally {
      for (const c of contexts) await c.close();
    }
  });
});
