// The customer widget in the demo shop against a real Switchboard, with Ana at the agent desk in
// another browser context. One conversation from the pre-chat form to the rating: the queue
// position, the offer and accept, messages, typing and read receipts both ways, reloads that lose
// and duplicate nothing, the customer leaving, resolve and CSAT. Then a phone-sized widget.
import type { Page } from '@playwright/test';
import type { Event } from '../src/lib/types';
import { AgentSocket } from './support/agent_socket';
import * as desk from './support/desk';
import { expect, expectAccessible, screenshot, test, useSwitchboard } from './support/fixtures';
import * as widget from './support/widget';

// The offer waits through the axe check and screenshots of a loaded machine (20 s in the config).
const sb = useSwitchboard({ name: 'widget', edits: [[/offer_timeout_seconds: 20\n/, 'offer_timeout_seconds: 90\n']] });

const customer = { name: 'Chris Customer', email: 'chris@example.com' };
/** The widget's host element: once the shop page was checked, later axe runs check the widget only. */
const widgetHost = '[data-switchboard-widget]';

async function shop(page: Page): Promise<void> {
  await page.goto(`${sb.server.url}/shop/`);
  await expect(widget.launcher(page)).toBeVisible();
}

/** GET with the agent's token (REST for staff is a bearer token). */
async function staffGet<T>(page: Page, token: string, path: string): Promise<T> {
  const r = await page.request.get(`${sb.server.url}${path}`, { headers: { Authorization: `Bearer ${token}` } });
  expect(r.status(), `GET ${path}`).toBe(200);
  return (await r.json()) as T;
}

test('a conversation from the pre-chat form to the rating, with Ana at the desk', async ({ browser }) => {
  test.setTimeout(150_000);
  const customerContext = await browser.newContext();
  const agentContext = await browser.newContext();
  try {
    // Ana signs in at the desk and stays offline for now.
    const deskPage = await agentContext.newPage();
    await desk.signIn(deskPage, `${sb.server.url}/desk/`, 'ana', 'ana-dev');
    await desk.setStatus(deskPage, 'Offline');

    // The shop with the widget closed, then open: the pre-chat form, focus on its first field.
    const page = await customerContext.newPage();
    await shop(page);
    await expect(widget.launcher(page)).toHaveAttribute('aria-expanded', 'false');
    await screenshot(page, 'shop-widget-closed');
    await expectAccessible(page, 'shop, widget closed');
    await widget.open(page);
    await expect(widget.launcher(page)).toHaveAttribute('aria-expanded', 'true');
    await expect(widget.panel(page).getByLabel('Your name (optional)')).toBeFocused();
    await screenshot(page, 'shop-widget-open');
    await expectAccessible(page, 'shop, widget open (pre-chat form)', [], { include: widgetHost });

    // No agent is available: the first message waits in the queue, and the customer sees where.
    await widget.startChat(page, 'Where is my order 4417?', customer);
    await expect(widget.bubbles(page)).toHaveCount(1);
    await expect(widget.bubbles(page).first()).toContainText('Where is my order 4417?');
    await expect(widget.headline(page)).toHaveText(/^You are number 1 in line/);
    await screenshot(page, 'shop-widget-waiting');
    const conversationId = await widget.storedConversationId(page);
    expect(conversationId).not.toBe('');

    // Ana becomes available: the offer previews the message; she accepts.
    await desk.setStatus(deskPage, 'Available');
    const offer = desk.offers(deskPage);
    await expect(offer).toHaveCount(1);
    await expect(offer).toContainText('“Where is my order 4417?”');
    await expect(offer.getByRole('timer')).toHaveAccessibleName(/^\d+ seconds left$/);
    await screenshot(deskPage, 'desk-offer');
    await expectAccessible(deskPage, 'desk with an offer');
    await offer.getByRole('button', { name: 'Accept' }).click();
    await expect(offer).toHaveCount(0);

    // Her pane names the customer from the pre-chat form and shows the message.
    const pane = desk.pane(deskPage, customer.name);
    await expect(pane).toHaveAttribute('data-conversation-id', conversationId);
    await expect(pane.getByTestId('customer-email')).toHaveText(customer.email);
    await expect(desk.messages(pane)).toHaveText(['Where is my order 4417?']);

    // Ana types: the customer sees it; her reply arrives, named.
    const reply = 'Hi Chris, I am Ana. Let me check.';
    await desk.composer(pane).pressSequentially(reply.slice(0, 10));
    await expect(widget.panel(page).getByText('Ana is typing…')).toBeVisible();
    await desk.composer(pane).pressSequentially(reply.slice(10));
    await desk.composer(pane).press('Enter');
    await expect(widget.bubbles(page)).toHaveCount(2);
    await expect(widget.bubbles(page).nth(1)).toContainText(reply);
    await expect(widget.headline(page)).toHaveText('Chatting with Ana');
    await expect(widget.panel(page).getByText('Ana is typing…')).toHaveCount(0);
    // The customer saw it (the panel is open): the desk says so.
    await expect(desk.timeline(pane).getByText('Seen by the customer')).toBeVisible();

    // The customer types: the desk shows it, then the message.
    const box = widget.panel(page).getByRole('textbox', { name: 'Message' });
    await box.pressSequentially('Thanks, it was due on Monday');
    await expect(pane.getByText('The customer is typing…')).toBeVisible();
    await box.press('Enter');
    await expect(desk.messages(pane)).toHaveText(['Where is my order 4417?', reply, 'Thanks, it was due on Monday']);
    await expect(pane.getByText('The customer is typing…')).toHaveCount(0);
    // Ana's desk is in front: she has read it, and the customer's message says so.
    const lastMine = widget.transcript(page).locator('.line.mine').last();
    await expect(lastMine.locator('.meta')).toHaveText(/· Read$/);
    await screenshot(page, 'shop-widget-chatting');
    await expectAccessible(page, 'shop, widget chatting', [], { include: widgetHost });
    await screenshot(deskPage, 'desk-conversation');
    await expectAccessible(deskPage, 'desk with a conversation');

    // A reload mid-conversation: the same lines, nothing lost, nothing twice.
    const before = await widget.messageTexts(page);
    expect(before).toHaveLength(3);
    await page.reload();
    await widget.open(page);
    await expect(widget.bubbles(page)).toHaveCount(before.length);
    expect(await widget.messageTexts(page)).toEqual(before);

    // Away from the page while Ana writes: back, the launcher counts the reply, the transcript
    // has it once, and everything else once.
    await page.goto('about:blank');
    await desk.write(pane, 'It is with the courier, arriving tomorrow.');
    await expect(desk.messages(pane)).toHaveCount(4);
    await expect(pane.getByText('Sending…')).toHaveCount(0);
    await shop(page);
    await expect(widget.launcher(page)).toHaveAccessibleName(`${widget.title}, 1 new`);
    await widget.open(page);
    await expect(widget.bubbles(page)).toHaveCount(before.length + 1);
    const after = await widget.messageTexts(page);
    expect(after).toEqual([...before, 'It is with the courier, arriving tomorrow.']);

    // A message sent right before a reload is stored once; the desk reloads too and has it all once.
    await widget.say(page, 'Great, thank you');
    await page.reload();
    await widget.open(page);
    await expect(widget.bubbles(page)).toHaveCount(after.length + 1);
    const all = [...after, 'Great, thank you'];
    expect(await widget.messageTexts(page)).toEqual(all);
    await deskPage.reload();
    await expect(desk.messages(pane)).toHaveText(all);
    const token = await sb.server.token('agent', 'ana', ['care']);
    const stored = await staffGet<{ events: Event[] }>(page, token, `/v1/conversations/${encodeURIComponent(conversationId)}?after_seq=0&limit=1000`);
    const messages = stored.events.filter((e) => e.message && e.message.direction !== 'DIRECTION_INTERNAL');
    expect(messages.map((m) => m.message!.body)).toEqual(all);
    const ids = messages.map((m) => m.message!.clientMessageId);
    expect(new Set(ids).size).toBe(ids.length);

    // The customer ends the chat: the desk is told; the conversation (held by Ana) carries on.
    await widget.panel(page).getByRole('button', { name: 'End chat' }).click();
    await expect(widget.headline(page)).toHaveText('You ended this chat');
    await expect(widget.transcript(page).getByText('You ended the chat. Write again any time to pick it up.')).toBeVisible();
    await expect(pane.getByText('Customer left', { exact: true })).toBeVisible();
    await expect(desk.timeline(pane).getByText('Customer left the chat')).toBeVisible();

    // Ana resolves: the customer, whose panel is still open, is asked for a rating.
    const resolve = await desk.action(pane, 'Resolve');
    await resolve.getByLabel('Disposition').selectOption('solved');
    await resolve.getByRole('button', { name: 'Resolve' }).click();
    await expect(pane).toHaveCount(0); // closed conversations leave the panes for the "Closed" list
    await expect(deskPage.getByRole('navigation', { name: /^Conversations/ }).getByRole('button', { name: `${customer.name} Resolved (solved)` })).toBeVisible();
    await expect(widget.transcript(page).getByText('The chat has ended.')).toBeVisible();
    await expect(widget.headline(page)).toHaveText('This chat has ended');
    const rating = widget.panel(page).getByRole('form', { name: 'How was this chat?' });
    await expect(rating).toBeVisible();
    await screenshot(page, 'shop-widget-rating');
    await expectAccessible(page, 'shop, widget rating', [], { include: widgetHost });
    await rating.getByRole('radio', { name: '4 out of 5' }).click();
    await expect(rating.getByRole('radio', { name: '4 out of 5' })).toHaveAttribute('aria-checked', 'true');
    await rating.getByLabel('Comment (optional)').fill('Quick and kind');
    await rating.getByRole('button', { name: 'Send rating' }).click();
    await expect(widget.transcript(page).getByText('You rated this chat 4 out of 5. Thank you!')).toBeVisible();
    await expect(rating).toHaveCount(0);
    await screenshot(page, 'shop-widget-rated');

    // The rating is stored in the conversation, where Ana reads it (her desk stopped following
    // the conversation at the resolve, as docs/PROTOCOL.md says; REST and resume show it).
    await expect.poll(async () => {
      const c = await staffGet<{ events: Event[] }>(page, token, `/v1/conversations/${encodeURIComponent(conversationId)}?after_seq=0&limit=1000`);
      return c.events.filter((e) => e.rating).map((e) => e.rating);
    }).toEqual([{ score: 4, comment: 'Quick and kind' }]);
  } finally {
    await customerContext.close();
    await agentContext.close();
  }
});

test('after "End chat" the customer still sees the agent resolve it, and is asked for a rating', async ({ browser }) => {
  // Found here: `leave` took the customer's socket out of the conversation's live events, so the
  // open panel showed neither later replies nor the resolve, and no rating card, until a reload.
  const customerContext = await browser.newContext();
  const agentContext = await browser.newContext();
  try {
    const agent = await AgentSocket.open(agentContext, sb.server, await sb.server.token('agent', 'ana', ['care']));
    await agent.request({ setStatus: { status: 'AVAILABLE' } });
    const page = await customerContext.newPage();
    await shop(page);
    await widget.open(page);
    await widget.startChat(page, 'Can I change my delivery address?');
    const conversationId = (await agent.waitFor((f) => !!f.offer, 'the offer')).offer!.conversationId!;
    await agent.request({ answerOffer: { conversationId, accept: true } });
    await agent.request({ sendMessage: { conversationId, message: { body: 'Yes, which one?', clientMessageId: 'ana-addr-1' } } });
    await expect(widget.headline(page)).toHaveText('Chatting with Ana');
    await widget.panel(page).getByRole('button', { name: 'End chat' }).click();
    await agent.waitFor((f) => f.event?.conversationId === conversationId && !!f.event.customerPresence, 'the customer leaving');
    await agent.request({ sendMessage: { conversationId, message: { body: 'I changed it for you.', clientMessageId: 'ana-addr-2' } } });
    await expect(widget.bubbles(page).last()).toContainText('I changed it for you.');
    await agent.request({ actionId: 'resolve-addr', resolve: { conversationId } });
    await expect(widget.transcript(page).getByText('The chat has ended.')).toBeVisible({ timeout: 5000 });
    await expect(widget.panel(page).getByRole('form', { name: 'How was this chat?' })).toBeVisible({ timeout: 1000 });
  } finally {
    await customerContext.close();
    await agentContext.close();
  }
});

test('on a 360 px wide phone the panel fits and the composer stays usable', async ({ browser }) => {
  const context = await browser.newContext({ viewport: { width: 360, height: 640 }, isMobile: true, hasTouch: true, deviceScaleFactor: 2 });
  try {
    const page = await context.newPage();
    await shop(page);
    await widget.open(page);
    const inside = async (what: string, box: { x: number; y: number; width: number; height: number } | null) => {
      expect(box, what).not.toBeNull();
      expect(box!.x, `${what} left edge`).toBeGreaterThanOrEqual(0);
      expect(box!.y, `${what} top edge`).toBeGreaterThanOrEqual(0);
      expect(box!.x + box!.width, `${what} right edge`).toBeLessThanOrEqual(360);
      expect(box!.y + box!.height, `${what} bottom edge`).toBeLessThanOrEqual(640);
    };
    await inside('the panel', await widget.panel(page).boundingBox());
    // No sideways scrolling of the page.
    expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(360);
    await inside('the start button', await widget.panel(page).getByRole('button', { name: 'Start chat' }).boundingBox());
    await screenshot(page, 'shop-widget-360-prechat', { fullPage: false });
    await expectAccessible(page, 'shop, widget open at 360 px', [], { include: widgetHost });

    await widget.startChat(page, 'Do you ship to Norway?');
    await expect(widget.bubbles(page)).toHaveCount(1);
    const box = widget.panel(page).getByRole('textbox', { name: 'Message' });
    await expect(box).toBeVisible();
    await inside('the message box', await box.boundingBox());
    await inside('the send button', await widget.panel(page).getByRole('button', { name: 'Send' }).boundingBox());
    await inside('the close button', await widget.panel(page).getByRole('button', { name: 'Close chat' }).boundingBox());
    await box.tap();
    await box.fill('And to Iceland?');
    await widget.panel(page).getByRole('button', { name: 'Send' }).tap();
    await expect(widget.bubbles(page)).toHaveCount(2);
    await expect(widget.bubbles(page).nth(1)).toContainText('And to Iceland?');
    await screenshot(page, 'shop-widget-360-chatting', { fullPage: false });

    // Closing gives the page back, with the launcher in view.
    await widget.panel(page).getByRole('button', { name: 'Close chat' }).tap();
    await expect(widget.panel(page)).toHaveCount(0);
    await inside('the launcher', await widget.launcher(page).boundingBox());
  } finally {
    await context.close();
  }
});
