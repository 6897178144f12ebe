// The customer widget in the demo shop against a real Switchboard, with an agent on the other end
// (a protocol client: the agent desk is not merged yet). One conversation from the pre-chat form to
// the rating: the queue position, the offer and accept, messages, typing and read receipts both
// ways, reloads that lose and duplicate nothing, the customer leaving, resolve and CSAT.
import type { Page } from '@playwright/test';
import type { Event } from '../src/lib/types';
import { AgentSocket, eventsOf } from './support/agent_socket';
import { expect, expectAccessible, screenshot, test, useSwitchboard } from './support/fixtures';
import * as widget from './support/widget';

const sb = useSwitchboard({ name: 'widget' });

const customer = { name: 'Chris Customer', email: 'chris@example.com' };

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

test('a conversation from the pre-chat form to the rating, with an agent on the other end', async ({ browser }) => {
  test.setTimeout(120_000);
  const customerContext = await browser.newContext();
  const agentContext = await browser.newContext();
  try {
    const token = await sb.server.token('agent', 'ana', ['care']);
    const agent = await AgentSocket.open(agentContext, sb.server, token);
    const page = await customerContext.newPage();

    // The shop with the widget closed, then open: the pre-chat form, focus on its first field.
    await shop(page);
    await expect(widget.launcher(page)).toHaveAttribute('aria-expanded', 'false');
    await screenshot(page, 'shop-widget-closed');
    await expectAccessible(page, 'shop, widget closed');
    await widget.open(page);
    await expect(widget.launcher(page)).toHaveAttribute('aria-expanded', 'true');
    await expect(widget.panel(page).getByLabel('Your name (optional)')).toBeFocused();
    await screenshot(page, 'shop-widget-open');
    await expectAccessible(page, 'shop, widget open (pre-chat form)');

    // No agent is available: the first message waits in the queue, and the customer sees where.
    await widget.startChat(page, 'Where is my order 4417?', customer);
    await expect(widget.bubbles(page)).toHaveCount(1);
    await expect(widget.bubbles(page).first()).toContainText('Where is my order 4417?');
    await expect(widget.headline(page)).toHaveText(/^You are number 1 in line/);
    await screenshot(page, 'shop-widget-waiting');
    const conversationId = await widget.storedConversationId(page);
    expect(conversationId).not.toBe('');

    // The agent becomes available: the offer names the conversation and previews the message.
    await agent.request({ setStatus: { status: 'AVAILABLE' } });
    const offer = (await agent.waitFor((f) => f.offer?.conversationId === conversationId, 'the offer')).offer!;
    expect(offer.preview).toContain('order 4417');
    expect(offer.queue).toBe('general');
    expect(Number(offer.expiresAtMs)).toBeGreaterThan(Date.now() - 60_000);

    // Accept: the customer's timeline comes with the message, and the pre-chat details are stored.
    await agent.request({ answerOffer: { conversationId, accept: true } });
    const timeline = (await agent.waitFor((f) => !!f.timeline, 'the timeline')).timeline!;
    expect(timeline.events?.some((e) => e.message?.body === 'Where is my order 4417?')).toBe(true);
    const who = await staffGet<{ customer: { displayName?: string; attributes?: Record<string, string> } }>(
      page, token, `/v1/customers/${encodeURIComponent(timeline.customerId!)}`);
    expect(who.customer.displayName).toBe(customer.name);
    expect(who.customer.attributes?.email).toBe(customer.email);

    // The agent types: the customer sees it; the reply arrives and names the agent.
    await agent.send({ typing: { conversationId, active: true } });
    await expect(widget.panel(page).getByText('Ana is typing…')).toBeVisible();
    const reply = await agent.request({ sendMessage: { conversationId, message: { body: 'Hi Chris, I am Ana. Let me check.', clientMessageId: 'ana-1' } } });
    const replySeq = Number(reply.ack!.seq);
    await expect(widget.bubbles(page)).toHaveCount(2);
    await expect(widget.bubbles(page).nth(1)).toContainText('Hi Chris, I am Ana. Let me check.');
    await expect(widget.headline(page)).toHaveText('Chatting with Ana');
    await expect(widget.panel(page).getByText('Ana is typing…')).toHaveCount(0);

    // The customer saw the reply (the panel is open): the agent gets the read receipt.
    const customerRead = await agent.waitFor((f) => !!f.event?.read && Number(f.event.read.upToSeq) >= replySeq && f.event.read.who !== 'ana', 'the customer\'s read receipt');
    const customerId = customerRead.event!.read!.who!;
    expect(customerId).not.toBe('');

    // The customer types: the agent sees it, then the message.
    const box = widget.panel(page).getByRole('textbox', { name: 'Message' });
    await box.pressSequentially('Thanks, it was due on Monday');
    await agent.waitFor((f) => f.event?.typing?.active === true && f.event.typing.who === customerId, 'the customer typing');
    await box.press('Enter');
    const thanks = (await agent.waitFor((f) => f.event?.message?.body === 'Thanks, it was due on Monday', 'the customer\'s message')).event!;
    expect(thanks.message!.direction).toBe('DIRECTION_INBOUND');
    await expect(widget.bubbles(page)).toHaveCount(3);

    // The agent reads it: the customer's message says so.
    await expect(widget.transcript(page).getByText(/· Read$/)).toHaveCount(0);
    await agent.request({ read: { conversationId, upToSeq: thanks.seq! } });
    const lastMine = widget.transcript(page).locator('.line.mine').last();
    await expect(lastMine.locator('.meta')).toHaveText(/· Read$/);
    await screenshot(page, 'shop-widget-chatting');
    await expectAccessible(page, 'shop, widget chatting');

    // A reload mid-conversation: the same lines, nothing lost, nothing twice.
    const before = await widget.messageTexts(page);
    expect(before).toHaveLength(3);
    await page.reload();
    await widget.open(page);
    await expect(widget.bubbles(page)).toHaveCount(before.length);
    expect(await widget.messageTexts(page)).toEqual(before);

    // Away from the page while the agent writes: back, the launcher counts the reply, the
    // transcript has it once, and everything else once.
    await page.goto('about:blank');
    await agent.request({ sendMessage: { conversationId, message: { body: 'It is with the courier, arriving tomorrow.', clientMessageId: 'ana-2' } } });
    await shop(page);
    await expect(widget.launcher(page)).toHaveAccessibleName(`${widget.title}, 1 new`);
    await widget.open(page);
    await expect(widget.bubbles(page)).toHaveCount(before.length + 1);
    const after = await widget.messageTexts(page);
    expect(after).toEqual([...before, 'It is with the courier, arriving tomorrow.']);

    // A message sent right before a reload is stored once.
    await widget.say(page, 'Great, thank you');
    await page.reload();
    await widget.open(page);
    await expect(widget.bubbles(page)).toHaveCount(after.length + 1);
    expect(await widget.messageTexts(page)).toEqual([...after, 'Great, thank you']);
    const stored = await staffGet<{ events: Event[] }>(page, token, `/v1/conversations/${encodeURIComponent(conversationId)}?after_seq=0&limit=1000`);
    const messages = stored.events.filter((e) => e.message && e.message.direction !== 'DIRECTION_INTERNAL');
    expect(messages.map((m) => m.message!.body)).toEqual(await widget.messageTexts(page));
    const ids = messages.map((m) => m.message!.clientMessageId);
    expect(new Set(ids).size).toBe(ids.length);

    // The customer ends the chat: staff are told (present: false, which JSON leaves out); the conversation (held by Ana) carries on.
    await widget.panel(page).getByRole('button', { name: 'End chat' }).click();
    await expect(widget.headline(page)).toHaveText('You ended this chat');
    await expect(widget.transcript(page).getByText('You ended the chat. Write again any time to pick it up.')).toBeVisible();
    const left = await agent.waitFor((f) => f.event?.conversationId === conversationId && !!f.event.customerPresence && !f.event.customerPresence.present, 'the customer leaving');
    expect(left.event!.customerPresence!.why).toBe('left');

    // Resolved: the customer is asked for a rating; the rating reaches the conversation. After
    // "End chat" the server no longer sends the customer's socket the conversation's events (see
    // the test.fail below), so the customer comes back to the page to see the end.
    await agent.request({ actionId: 'resolve-1', resolve: { conversationId, disposition: 'solved' } });
    await shop(page);
    await widget.open(page);
    await expect(widget.transcript(page).getByText('The chat has ended.')).toBeVisible();
    await expect(widget.headline(page)).toHaveText('This chat has ended');
    const rating = widget.panel(page).getByRole('form', { name: 'How was this chat?' });
    await expect(rating).toBeVisible();
    await screenshot(page, 'shop-widget-rating');
    await expectAccessible(page, 'shop, widget rating');
    await rating.getByRole('radio', { name: '4 out of 5' }).click();
    await expect(rating.getByRole('radio', { name: '4 out of 5' })).toHaveAttribute('aria-checked', 'true');
    await rating.getByLabel('Comment (optional)').fill('Quick and kind');
    await rating.getByRole('button', { name: 'Send rating' }).click();
    await expect(widget.transcript(page).getByText('You rated this chat 4 out of 5. Thank you!')).toBeVisible();
    await expect(rating).toHaveCount(0);

    // The agent sees the rating event: live if the desk still follows the conversation, else on
    // a resume (a desk stops following a resolved conversation).
    const ratingFrame = agent.all((f) => !!f.event?.rating && f.event.conversationId === conversationId)[0]
      ?? (await agent.request({ resume: { conversationId, afterSeq: '0' } }), await agent.waitFor((f) => !!f.event?.rating && f.event.conversationId === conversationId, 'the rating event'));
    expect(ratingFrame.event!.rating).toEqual({ score: 4, comment: 'Quick and kind' });
    await screenshot(page, 'shop-widget-rated');

    // Across the whole conversation the agent got each customer message once.
    const inbound = eventsOf(agent.frames, conversationId).filter((e) => e.message?.direction === 'DIRECTION_INBOUND');
    const bySeq = new Map(inbound.map((e) => [e.seq, e.message!.body]));
    expect([...bySeq.values()]).toEqual(expect.arrayContaining(['Thanks, it was due on Monday', 'Great, thank you']));
    await agent.close();
  } finally {
    await customerContext.close();
    await agentContext.close();
  }
});

test('after "End chat" the customer still sees the agent resolve it, and is asked for a rating', async ({ browser }) => {
  // Known defect (reported): `leave` takes the customer's socket out of the conversation's live
  // events (conversation/inbox.cpp: out.live = room::leave; not in docs/PROTOCOL.md), and the
  // widget does not resume, so its open panel shows neither later replies nor the resolve and
  // no rating card until a reload. Remove test.fail once fixed.
  test.fail(true, 'after leave, the widget gets no more events of the conversation');
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
    await expectAccessible(page, 'shop, widget open at 360 px');

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
