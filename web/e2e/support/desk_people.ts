// The people of the desk's browser tests and what the tests read of them: the lead's REST reads
// (a conversation's events, who it was offered to), a customer writing from the shop, a desk
// signed in, "nothing offered" and "no typing shown" over a while, and the alerts (notifications,
// the chime's tones) a page asks the browser for.
import type { APIRequestContext, Browser, BrowserContext, Page } from '@playwright/test';
import type { Event } from '../../src/lib/types';
import * as desk from './desk';
import { expect } from './fixtures';
import type { Switchboard } from './switchboard';
import * as widget from './widget';

/** GET as the lead Lea (both teams) with a bearer token. */
export async function leadGet<T>(request: APIRequestContext, server: Switchboard, path: string): Promise<T> {
  const token = await server.token('lead', 'lea', ['care', 'tech']);
  const r = await request.get(`${server.url}${path}`, { headers: { Authorization: `Bearer ${token}` } });
  expect(r.status(), `GET ${path}`).toBe(200);
  return (await r.json()) as T;
}

export async function eventsOf(request: APIRequestContext, server: Switchboard, conversationId: string): Promise<Event[]> {
  const page = await leadGet<{ events?: Event[] }>(request, server, `/v1/conversations/${encodeURIComponent(conversationId)}?after_seq=0&limit=1000`);
  return page.events ?? [];
}

/** Who the router offered the conversation to, in order (its `offer` events). */
export async function offeredTo(request: APIRequestContext, server: Switchboard, conversationId: string): Promise<string[]> {
  return (await eventsOf(request, server, conversationId)).filter((e) => e.offer).map((e) => e.offer!.agentId ?? '');
}

export interface Customer {
  context: BrowserContext;
  page: Page;
  conversationId: string;
}

/** A customer in a context of their own: the shop, the widget, the pre-chat form, the first message. */
export async function customerWrites(browser: Browser, server: Switchboard, question: string, details: { name?: string; email?: string } = {}): Promise<Customer> {
  const context = await browser.newContext();
  const page = await context.newPage();
  await page.goto(`${server.url}/shop/`);
  await widget.open(page);
  await widget.startChat(page, question, details);
  await expect(widget.bubbles(page).first()).toContainText(question);
  const conversationId = await widget.storedConversationId(page);
  return { context, page, conversationId };
}

/** A desk signed in, in a context of its own. */
export async function deskOf(browser: Browser, server: Switchboard, user: 'ana' | 'ben', context?: BrowserContext): Promise<{ context: BrowserContext; page: Page }> {
  const ctx = context ?? (await browser.newContext());
  const page = await ctx.newPage();
  await desk.signIn(page, `${server.url}/desk/`, user, `${user}-dev`);
  return { context: ctx, page };
}

/** Nothing offered to `page` for `ms` (an offer comes within a second when there is one to make). */
export async function noOfferFor(page: Page, ms: number): Promise<void> {
  const until = Date.now() + ms;
  while (Date.now() < until) {
    expect(await desk.offers(page).count(), 'offers on the desk').toBe(0); // now, not "within a while"
    await page.waitForTimeout(250);
  }
}

export interface RecordedAlerts {
  notifications: Array<{ title: string; body: string }>;
  /** The frequency of every oscillator started (the chime is 660 Hz then 880 Hz). */
  tones: number[];
}

/**
 * Notifications allowed for the server's origin, and a record of what the page asks of the
 * browser: each `new Notification(title, {body})` (the real one is still made) and each tone
 * started (the real oscillator still plays, muted by the headless browser).
 */
export async function recordAlerts(context: BrowserContext, origin: string): Promise<void> {
  await context.grantPermissions(['notifications'], { origin });
  await context.addInitScript(() => {
    const record: RecordedAlerts = { notifications: [], tones: [] };
    (window as unknown as { __sbAlerts: RecordedAlerts }).__sbAlerts = record;
    const Native = window.Notification;
    if (Native) {
      class Recorded extends Native {
        constructor(title: string, options?: NotificationOptions) {
          record.notifications.push({ title, body: options?.body ?? '' });
          super(title, options);
        }
      }
      window.Notification = Recorded;
    }
    const start = OscillatorNode.prototype.start;
    OscillatorNode.prototype.start = function (this: OscillatorNode, when?: number) {
      record.tones.push(this.frequency.value);
      return start.call(this, when);
    };
  });
}

export function alertsOf(page: Page): Promise<RecordedAlerts> {
  return page.evaluate(() => (window as unknown as { __sbAlerts: RecordedAlerts }).__sbAlerts);
}

/** The customer never sees "Ana is typing…" for `ms` (a shortcut is not typing). */
export async function noTypingFor(customer: Page, ms: number): Promise<void> {
  const until = Date.now() + ms;
  while (Date.now() < until) {
    expect(await widget.panel(customer).getByText('Ana is typing…').count(), 'the customer sees "Ana is typing…"').toBe(0);
    await customer.waitForTimeout(200);
  }
}
