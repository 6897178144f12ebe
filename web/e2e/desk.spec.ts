// The agent desk's own points, each against what really happened: the status (away with a reason,
// offline) as the lead's board and REST see it and as the router acts on it; an offer with its
// countdown, chime and browser notification, declined to the other agent; canned replies of the
// agent's team with the customer's name filled in, as the customer reads them; the keyboard
// shortcuts and what each one does on the server; resolve with a disposition from the queue's list.
// Each test has a server of its own (a describe block each), so that no test inherits another's
// waiting chats or statuses.
import type { BrowserContext } from '@playwright/test';
import type { Event } from '../src/lib/types';
import * as desk from './support/desk';
import { alertsOf, customerWrites, deskOf, eventsOf, leadGet, noOfferFor, noTypingFor, offeredTo, recordAlerts } from './support/desk_people';
import { expect, expectAccessible, screenshot, test, useSwitchboard } from './support/fixtures';
import * as widget from './support/widget';

/**
 * Ben joins the care team (the general queue's) in his routing profile, so that a chat Ana does
 * not take can go to him; his sign-in keeps the tech team only (his canned replies are tech's).
 */
const benInCare: Array<[RegExp, string]> = [[/(- id: ben\n {4}display_name: Ben\n {4}teams: )\[tech\]/, '$1[care, tech]']];

/** The general queue's dispositions in config/switchboard.yaml (the resolve list). */
const generalDispositions = ['solved', 'refund_issued', 'order_changed', 'no_reply', 'spam'];

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
      expect(await desk.offers(ana.page).count()).toBe(0);
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

      // Away again, for lunch: the chat she holds stays hers, and she can still answer it.
      await desk.setAway(ana.page, 'lunch');
      const samPane = desk.pane(ana.page, 'Sam Later');
      await desk.write(samPane, 'Yes, Saturdays until noon.');
      await expect(widget.bubbles(second.page).last()).toContainText('Yes, Saturdays until noon.');
      await expect(anaRow).toContainText('Away · lunch');
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
      // Away with words of her own first ("other…"), then offline: the reason goes with the away.
      await desk.setAway(ana.page, 'fire drill');
      const agent = async () => {
        const a = await leadGet<{ status?: string; statusReason?: string }>(request, sb.server, '/v1/agents/ana');
        return { status: a.status, reason: a.statusReason ?? '' };
      };
      await expect.poll(agent).toEqual({ status: 'AWAY', reason: 'fire drill' });
      await desk.setStatus(ana.page, 'Offline');
      await expect(ana.page.getByTestId('status-now')).not.toContainText('fire drill');
      await expect.poll(agent).toEqual({ status: 'OFFLINE', reason: '' });

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

test.describe('offline with an offer', () => {
  const sb = useSwitchboard({ name: 'desk-offline-offer', edits: benInCare });

  test('going offline with an offer on the desk gives the chat back to the queue at once', async ({ browser, request }) => {
    // Found here: Ana had an offer and set herself Offline. The offer stayed on her desk, its
    // countdown running, for the whole offer time (20 s); the router recorded TIMED_OUT at the
    // deadline (a missed offer on her count), and only then offered it to Ben, available all
    // along. Now setStatus AWAY/OFFLINE declines the pending offers (docs/PROTOCOL.md).
    test.setTimeout(90_000);
    const contexts: BrowserContext[] = [];
    try {
      const ana = await deskOf(browser, sb.server, 'ana');
      contexts.push(ana.context);
      await desk.setStatus(ana.page, 'Available');
      const ben = await deskOf(browser, sb.server, 'ben');
      contexts.push(ben.context);
      await desk.setStatus(ben.page, 'Offline');
      const customer = await customerWrites(browser, sb.server, 'Are the boots waterproof?', { name: 'Wes Waiting' });
      contexts.push(customer.context);
      await expect(desk.offers(ana.page)).toContainText('waterproof');
      await desk.setStatus(ben.page, 'Available');
      const left = await desk.offerSecondsLeft(desk.offers(ana.page));
      expect(left, 'seconds the offer still had when Ana went offline').toBeGreaterThan(8);
      await desk.setStatus(ana.page, 'Offline');
      await expect(desk.offers(ana.page)).toHaveCount(0, { timeout: 3000 });
      await expect(desk.offers(ben.page)).toContainText('waterproof', { timeout: 3000 });
      const outcomes = (await eventsOf(request, sb.server, customer.conversationId)).filter((e) => e.offerOutcome).map((e) => e.offerOutcome!.outcome);
      expect(outcomes).not.toContain('TIMED_OUT');
    } finally {
      for (const c of contexts) await c.close();
    }
  });
});

test.describe('offers', () => {
  const sb = useSwitchboard({ name: 'desk-offers', edits: benInCare });

  test('an offer counts down with a chime and a notification; declined, it goes to Ben; sound off, no chime; a message to a desk not in front is notified', async ({ browser, request }) => {
    test.setTimeout(120_000);
    const contexts: BrowserContext[] = [];
    try {
      const anaContext = await browser.newContext();
      contexts.push(anaContext);
      await recordAlerts(anaContext, sb.server.url);
      const ana = await deskOf(browser, sb.server, 'ana', anaContext);
      await expect(ana.page.getByText('Notifications are on.')).toBeVisible();
      await desk.setStatus(ana.page, 'Available'); // a click: the page may play sound from now on
      const ben = await deskOf(browser, sb.server, 'ben');
      contexts.push(ben.context);
      await desk.setStatus(ben.page, 'Offline');

      const customer = await customerWrites(browser, sb.server, 'My parcel arrived damaged', { name: 'Pia Parcel' });
      contexts.push(customer.context);
      const offer = desk.offers(ana.page);
      await expect(offer).toContainText('“My parcel arrived damaged”');
      await expect(offer).toContainText('New chat · general');

      // The countdown: the queue's 20 s, going down.
      // The time shown and the time a screen reader says, read together (it may tick between two reads).
      const [shown, said] = await offer.locator('.offer-timer').evaluate((el) => [el.textContent ?? '', el.getAttribute('aria-label') ?? '']);
      const first = Number(/^(\d+) seconds left$/.exec(said)?.[1] ?? NaN);
      expect(first).toBeLessThanOrEqual(20);
      expect(first).toBeGreaterThan(5);
      expect(shown).toBe(`0:${String(first).padStart(2, '0')}`);
      await expect.poll(() => desk.offerSecondsLeft(offer)).toBeLessThan(first);
      await expect(offer.locator('.offer-timer')).not.toHaveText(`0:${String(first).padStart(2, '0')}`);

      // The chime and the browser notification, once.
      await expect.poll(async () => (await alertsOf(ana.page)).tones).toEqual([660, 880]);
      expect((await alertsOf(ana.page)).notifications).toEqual([{ title: 'New chat offer (general · Web) · Agent desk', body: 'My parcel arrived damaged' }]);
      await screenshot(ana.page, 'desk-offer-countdown');

      // Ana declines; Ben (now available) gets it and takes it.
      await desk.setStatus(ben.page, 'Available');
      await offer.getByRole('button', { name: 'Decline' }).click();
      await expect(offer).toHaveCount(0);
      const benOffer = desk.offers(ben.page);
      await expect(benOffer).toContainText('“My parcel arrived damaged”');
      await benOffer.getByRole('button', { name: 'Accept' }).click();
      const benPane = desk.pane(ben.page, 'Pia Parcel');
      await expect(benPane).toHaveAttribute('data-conversation-id', customer.conversationId);
      await desk.write(benPane, 'Hi Pia, I am Ben. Sorry about that, a photo would help.');
      await expect(widget.bubbles(customer.page).last()).toContainText('Hi Pia, I am Ben.');
      await expect(widget.headline(customer.page)).toHaveText('Chatting with Ben');
      const events = await eventsOf(request, sb.server, customer.conversationId);
      expect(events.filter((e) => e.offer).map((e) => e.offer!.agentId)).toEqual(['ana', 'ben']);
      expect(events.filter((e) => e.offerOutcome).map((e) => e.offerOutcome)).toEqual([
        { agentId: 'ana', outcome: 'DECLINED' },
        { agentId: 'ben', outcome: 'ACCEPTED' },
      ]);
      await noOfferFor(ana.page, 1500); // never offered to her again

      // Sound off: the next offer is shown and notified, silently.
      await desk.setStatus(ben.page, 'Offline');
      const sound = ana.page.getByRole('checkbox', { name: 'Sound for offers and messages' });
      await sound.uncheck();
      const tonesBefore = (await alertsOf(ana.page)).tones.length;
      const next = await customerWrites(browser, sb.server, 'Where do I send the return?', { name: 'Quinn Quiet' });
      contexts.push(next.context);
      await expect(offer).toContainText('“Where do I send the return?”');
      await expect.poll(async () => (await alertsOf(ana.page)).notifications.length).toBe(2);
      await ana.page.waitForTimeout(500);
      expect((await alertsOf(ana.page)).tones).toHaveLength(tonesBefore);

      // Sound back on (a chime says so). Ana takes the chat and turns to something else: the
      // customer's next message chimes and is notified.
      await sound.check();
      await expect.poll(async () => (await alertsOf(ana.page)).tones).toEqual([660, 880, 660, 880]);
      await offer.getByRole('button', { name: 'Accept' }).click();
      await expect(desk.pane(ana.page, 'Quinn Quiet')).toHaveAttribute('data-conversation-id', next.conversationId);
      // Headless, Playwright keeps every page focused (another tab in front changes nothing):
      // the page is told it lost the focus, which is all the desk asks of the browser.
      await ana.page.evaluate(() => (document.hasFocus = () => false));
      await widget.say(next.page, 'It is the blue parcel');
      await expect.poll(async () => (await alertsOf(ana.page)).notifications.slice(2)).toEqual([{ title: 'Quinn Quiet wrote · Agent desk', body: 'It is the blue parcel' }]);
      expect((await alertsOf(ana.page)).tones).toEqual([660, 880, 660, 880, 660, 880]);
    } finally {
      for (const c of contexts) await c.close();
    }
  });
});

test.describe('canned replies', () => {
  const sb = useSwitchboard({ name: 'desk-canned' });

  test('canned replies: "/" lists the team\'s replies, typing narrows, the chosen one goes out with the customer\'s name', async ({ browser, request }) => {
    test.setTimeout(120_000);
    const contexts: BrowserContext[] = [];
    try {
      // The server lists each team's replies (config/switchboard.yaml canned_replies).
      const cannedIds = async (user: string, teams: string[]) => {
        const token = await sb.server.token('agent', user, teams);
        const r = await request.get(`${sb.server.url}/v1/canned-replies`, { headers: { Authorization: `Bearer ${token}` } });
        expect(r.status()).toBe(200);
        return ((await r.json()) as { replies: Array<{ id: string }> }).replies.map((x) => x.id);
      };
      expect(await cannedIds('ana', ['care'])).toEqual(['hello', 'checking', 'refund', 'bye']);
      expect(await cannedIds('ben', ['tech'])).toEqual(['hello', 'checking', 'restart', 'bye']);

      const ana = await deskOf(browser, sb.server, 'ana');
      contexts.push(ana.context);
      await desk.setStatus(ana.page, 'Available');
      const customer = await customerWrites(browser, sb.server, 'Hello, a question about my order', { name: 'Dana Customer', email: 'dana@example.com' });
      contexts.push(customer.context);
      await desk.offers(ana.page).getByRole('button', { name: 'Accept' }).click();
      const pane = desk.pane(ana.page, 'Dana Customer');
      await expect(pane).toHaveAttribute('data-conversation-id', customer.conversationId);
      const box = desk.composer(pane);

      // "/" lists Ana's team's replies and the shared ones, not the tech team's.
      await box.pressSequentially('/');
      const list = desk.cannedList(pane);
      await expect(list).toBeVisible();
      await expect(list.getByRole('option').locator('.canned-id')).toHaveText(['/hello', '/checking', '/refund', '/bye']);
      await expect(list.getByRole('option').first()).toHaveAttribute('aria-selected', 'true');
      await expect(box).toHaveAttribute('aria-activedescendant', (await list.getByRole('option').first().getAttribute('id'))!);
      await screenshot(ana.page, 'desk-canned');
      await expectAccessible(ana.page, 'desk, canned replies open');

      // The arrows move the choice; Tab takes it too.
      await box.press('ArrowDown');
      await expect(list.getByRole('option').nth(1)).toHaveAttribute('aria-selected', 'true');
      await expect(box).toHaveAttribute('aria-activedescendant', (await list.getByRole('option').nth(1).getAttribute('id'))!);
      await box.press('ArrowUp');
      await box.press('ArrowUp'); // round to the last
      await expect(list.getByRole('option').nth(3)).toHaveAttribute('aria-selected', 'true');
      await box.press('ArrowUp');
      await expect(list.getByRole('option').nth(2)).toHaveAttribute('aria-selected', 'true');
      await box.press('Tab');
      await expect(box).toHaveValue('Refunds go back to the original payment method within 5 working days of the return arriving.');
      await expect(list).toHaveCount(0);
      await box.fill('');

      // Another team's reply is not found.
      await box.pressSequentially('/re');
      await expect(list.getByRole('option').locator('.canned-id')).toHaveText(['/refund', '/hello']); // "Greeting" has "re" in it
      await box.pressSequentially('st');
      await expect(list).toHaveCount(0);
      await expect(box).toHaveValue('/rest');
      await box.fill('');

      // "/hel" finds the greeting; Enter puts it in, filled; Enter sends it.
      await box.pressSequentially('/hel');
      await expect(list.getByRole('option')).toHaveCount(1);
      await expect(list.getByRole('option')).toContainText('Greeting');
      await box.press('Enter');
      await expect(list).toHaveCount(0);
      const greeting = "Hi Dana Customer, I'm Ana. How can I help you today?";
      await expect(box).toHaveValue(greeting);
      await box.press('Enter');
      await expect(widget.bubbles(customer.page).last()).toContainText(greeting);

      // A title's word finds one too ("/clos": Closing); chosen with the mouse, after some text.
      await box.pressSequentially('Thanks! /clos');
      await expect(list.getByRole('option')).toHaveCount(1);
      await list.getByRole('option', { name: /Closing/ }).click();
      const closing = 'Thanks! Is there anything else I can do for you, Dana Customer? Have a good day!';
      await expect(box).toHaveValue(closing);
      await pane.getByRole('button', { name: 'Send', exact: true }).click();
      await expect(widget.bubbles(customer.page).last()).toContainText(closing);

      // Esc closes the list and keeps the text.
      await box.pressSequentially('/che');
      await expect(list).toBeVisible();
      await box.press('Escape');
      await expect(list).toHaveCount(0);
      await expect(box).toHaveValue('/che');

      expect(await widget.messageTexts(customer.page)).toEqual(['Hello, a question about my order', greeting, closing]);
      const stored = (await eventsOf(request, sb.server, customer.conversationId)).filter((e) => e.message?.direction === 'DIRECTION_OUTBOUND');
      expect(stored.map((e) => e.message!.body)).toEqual([greeting, closing]);
    } finally {
      for (const c of contexts) await c.close();
    }
  });
});

test.describe('resolve', () => {
  const sb = useSwitchboard({ name: 'desk-resolve' });

  test('resolve: the form lists the queue\'s dispositions; the one chosen is stored', async ({ browser, request }) => {
    test.setTimeout(90_000);
    const contexts: BrowserContext[] = [];
    try {
      const queues = await leadGet<{ queues: Array<{ name: string; dispositions?: string[] }> }>(request, sb.server, '/v1/queues');
      expect(queues.queues.find((q) => q.name === 'general')?.dispositions).toEqual(generalDispositions);

      const ana = await deskOf(browser, sb.server, 'ana');
      contexts.push(ana.context);
      await desk.setStatus(ana.page, 'Available');
      const customer = await customerWrites(browser, sb.server, 'Please change my order to the blue one', { name: 'Rita Resolve' });
      contexts.push(customer.context);
      await desk.offers(ana.page).getByRole('button', { name: 'Accept' }).click();
      const pane = desk.pane(ana.page, 'Rita Resolve');
      await expect(pane).toHaveAttribute('data-conversation-id', customer.conversationId);
      await desk.write(pane, 'Done: the blue one ships tomorrow.');
      await expect(widget.bubbles(customer.page).last()).toContainText('Done: the blue one ships tomorrow.');

      const form = await desk.action(pane, 'Resolve');
      const select = form.getByLabel('Disposition');
      await expect(select.locator('option')).toHaveText(generalDispositions.map((d) => d.replace(/_/g, ' ')));
      expect(await select.locator('option').evaluateAll((os) => os.map((o) => (o as HTMLOptionElement).value))).toEqual(generalDispositions);
      await expect(select).toHaveValue('solved');
      await select.selectOption('order_changed');
      await screenshot(ana.page, 'desk-resolve');
      await expectAccessible(ana.page, 'desk, resolve form');
      await form.getByRole('button', { name: 'Confirm resolve' }).click();

      // The pane leaves for the list's closed chats; opened from there, it is readable, closed,
      // until dismissed.
      await expect(pane).toHaveCount(0);
      const closed = desk.conversationList(ana.page).getByRole('button', { name: 'Rita Resolve Resolved (order_changed)' });
      await expect(closed).toBeVisible();
      await closed.click();
      await expect(pane.getByText('Resolved (order_changed)', { exact: true })).toBeVisible();
      await expect(desk.composer(pane)).toHaveCount(0);
      await expect(widget.transcript(customer.page).getByText('The chat has ended.')).toBeVisible();
      const page = await leadGet<{ conversation: { state?: string }; events: Event[] }>(request, sb.server, `/v1/conversations/${encodeURIComponent(customer.conversationId)}?after_seq=0&limit=1000`);
      expect(page.conversation.state).toMatch(/RESOLVED/);
      expect(page.events.filter((e) => e.statusChange).map((e) => ({ to: e.statusChange!.to, disposition: e.statusChange!.disposition, actor: e.statusChange!.actor }))).toEqual([
        { to: expect.stringMatching(/RESOLVED/), disposition: 'order_changed', actor: 'ana' },
      ]);
    } finally {
      for (const c of contexts) await c.close();
    }
  });
});

/** The shortcuts as docs/DESK.md lists them, in order. */
const documentedShortcuts = [
  ['Alt+A', 'Accept the offer'],
  ['Alt+D', 'Decline the offer'],
  ['Enter or Ctrl+Enter', 'Send (Shift+Enter: new line)'],
  ['Alt+N', 'Switch between reply and internal note'],
  ['Alt+R', 'Resolve the conversation'],
  ['Alt+T', 'Transfer the conversation'],
  ['Alt+E', 'Escalate to a lead'],
  ['Alt+1 … Alt+9', 'Go to conversation 1 … 9'],
  ['/', 'Canned replies (in the composer)'],
  ['?', 'Show these shortcuts'],
  ['Esc', 'Close a form or this list'],
];

test.describe('keyboard shortcuts', () => {
  const sb = useSwitchboard({ name: 'desk-shortcuts' });

  test('keyboard shortcuts: "?" lists them; Alt+A, Alt+D, Alt+1…9, Alt+N, Shift+Enter, Ctrl+Enter, Alt+T, Alt+E and Alt+R each do what they say', async ({ browser, request }) => {
    test.setTimeout(240_000);
    const contexts: BrowserContext[] = [];
    try {
      const ana = await deskOf(browser, sb.server, 'ana');
      contexts.push(ana.context);
      const page = ana.page;
      await desk.setStatus(page, 'Available');

      // "?" opens the list, which is the documented one; Esc closes it.
      await page.keyboard.press('?');
      const dialog = page.getByRole('dialog', { name: 'Keyboard shortcuts' });
      await expect(dialog).toBeVisible();
      const rows = await dialog.getByRole('row').evaluateAll((trs) => trs.map((tr) => [...tr.children].map((c) => (c.textContent ?? '').trim())));
      expect(rows).toEqual(documentedShortcuts);
      await screenshot(page, 'desk-shortcuts');
      await expectAccessible(page, 'desk, shortcuts dialog');
      await page.keyboard.press('Escape');
      await expect(dialog).toBeHidden();
      // The same list from the settings' button, closed with its Close button.
      await page.getByRole('button', { name: 'Keyboard shortcuts' }).click();
      await expect(dialog).toBeVisible();
      await expect(dialog.getByRole('button', { name: 'Close' })).toBeFocused();
      await dialog.getByRole('button', { name: 'Close' }).click();
      await expect(dialog).toBeHidden();

      // Alt+A accepts: the conversation is Ana's on the server.
      const ali = await customerWrites(browser, sb.server, 'Where is my refund for order 5521?', { name: 'Ali Alt' });
      contexts.push(ali.context);
      await expect(desk.offers(page)).toContainText('order 5521');
      await page.keyboard.press('Alt+KeyA');
      await expect(desk.offers(page)).toHaveCount(0);
      const aliPane = desk.pane(page, 'Ali Alt');
      await expect(aliPane).toHaveAttribute('data-conversation-id', ali.conversationId);
      await expect.poll(async () => {
        const got = await leadGet<{ conversation: { ownerId?: string; state?: string }; events: Event[] }>(request, sb.server, `/v1/conversations/${encodeURIComponent(ali.conversationId)}?after_seq=0&limit=1000`);
        return { owner: got.conversation.ownerId, state: got.conversation.state, outcomes: got.events.filter((e) => e.offerOutcome).map((e) => e.offerOutcome) };
      }).toEqual({ owner: 'ana', state: expect.stringMatching(/ASSIGNED/), outcomes: [{ agentId: 'ana', outcome: 'ACCEPTED' }] });

      // Alt+D declines: the server records it, and the customer still waits.
      const bo = await customerWrites(browser, sb.server, 'Can I swap the colour?', { name: 'Bo Decline' });
      contexts.push(bo.context);
      await expect(desk.offers(page)).toContainText('swap the colour');
      await page.keyboard.press('Alt+KeyD');
      await expect(desk.offers(page)).toHaveCount(0);
      await expect.poll(async () => (await eventsOf(request, sb.server, bo.conversationId)).filter((e) => e.offerOutcome).map((e) => e.offerOutcome))
        .toEqual([{ agentId: 'ana', outcome: 'DECLINED' }]);
      await expect(desk.pane(page, 'Bo Decline')).toHaveCount(0);
      await expect(widget.headline(bo.page)).toHaveText(/^You are number 1 in line/);

      // Two more conversations (the declined one is never offered to Ana again): three, and the
      // desk shows two side by side at this width.
      const cy = await customerWrites(browser, sb.server, 'Is there a student discount?', { name: 'Cy Third' });
      contexts.push(cy.context);
      await expect(desk.offers(page)).toContainText('student discount');
      await page.keyboard.press('Alt+KeyA');
      const cyPane = desk.pane(page, 'Cy Third');
      await expect(cyPane).toHaveAttribute('data-conversation-id', cy.conversationId);
      const di = await customerWrites(browser, sb.server, 'Do the gloves come in XS?', { name: 'Di Fourth' });
      contexts.push(di.context);
      await expect(desk.offers(page)).toContainText('gloves');
      await page.keyboard.press('Alt+KeyA');
      const diPane = desk.pane(page, 'Di Fourth');
      await expect(diPane).toHaveAttribute('data-conversation-id', di.conversationId);
      await expect(desk.composer(diPane)).toBeFocused();
      const panes = page.getByTestId('conversation');
      await expect(panes).toHaveCount(2);
      await expect(aliPane).toHaveCount(0); // the least recently used is out of view

      // Alt+1…3 go to the conversations in the list's order, bringing a hidden one into view;
      // pressed in a reply box they are not typing, for any customer.
      const rows2 = desk.conversationList(page).getByTestId('conversation-row');
      await expect(rows2).toHaveText([/^1Ali Alt/, /^2Cy Third/, /^3Di Fourth/]);
      await page.keyboard.press('Alt+Digit1');
      await expect(desk.composer(aliPane)).toBeFocused();
      await expect(rows2.nth(0)).toHaveAttribute('aria-current', 'true');
      await expect(panes).toHaveCount(2);
      await expect(cyPane).toHaveCount(0);
      await noTypingFor(di.page, 1500);
      await page.keyboard.press('Alt+Digit2');
      await expect(desk.composer(cyPane)).toBeFocused();
      await expect(rows2.nth(1)).toHaveAttribute('aria-current', 'true');
      await expect(diPane).toHaveCount(0);
      await noTypingFor(ali.page, 1500);
      await page.keyboard.press('Alt+Digit3');
      await expect(desk.composer(diPane)).toBeFocused();
      await expect(rows2.nth(2)).toHaveAttribute('aria-current', 'true');
      await page.keyboard.press('Alt+Digit4'); // nothing there: nothing moves
      await expect(desk.composer(diPane)).toBeFocused();
      await page.keyboard.press('Alt+Digit1');
      await expect(desk.composer(aliPane)).toBeFocused();
      await noTypingFor(di.page, 1000);
      await page.keyboard.press('Alt+Digit2');
      await expect(desk.composer(cyPane)).toBeFocused();
      await page.keyboard.press('Alt+Digit1');
      await expect(desk.composer(aliPane)).toBeFocused();
      await expect(cyPane).toBeVisible();

      // Alt+N: note mode (a note that never reaches the customer), Alt+N again: reply.
      const modes = aliPane.getByRole('group', { name: 'Write' });
      await page.keyboard.press('Alt+KeyN');
      await expect(modes.getByRole('button', { name: 'Internal note' })).toHaveAttribute('aria-pressed', 'true');
      await expect(aliPane.getByRole('textbox', { name: 'Internal note (staff only)' })).toBeFocused();
      await noTypingFor(ali.page, 1500); // Alt+N was pressed in the reply box
      const note = 'Refund 5521 was approved on Monday, check the bank';
      await desk.composer(aliPane).fill(note);
      await desk.composer(aliPane).press('Enter');
      await expect(desk.timeline(aliPane).getByTestId('note')).toContainText(note);
      await page.keyboard.press('Alt+KeyN');
      await expect(modes.getByRole('button', { name: 'Reply', exact: true })).toHaveAttribute('aria-pressed', 'true');
      await expect(aliPane.getByRole('textbox', { name: 'Reply to the customer' })).toBeFocused();
      // Shift+Enter is a new line; Ctrl+Enter sends.
      const box = desk.composer(aliPane);
      await box.fill('Your refund is on its way.');
      await box.press('Shift+Enter');
      await box.pressSequentially('Expect it by Friday.');
      await expect(box).toHaveValue('Your refund is on its way.\nExpect it by Friday.');
      await box.press('Control+Enter');
      await expect(box).toHaveValue('');
      const reply = 'Your refund is on its way.\nExpect it by Friday.';
      await expect(widget.bubbles(ali.page)).toHaveCount(2);
      await expect(widget.bubbles(ali.page).last()).toContainText('Your refund is on its way.');
      await expect(widget.bubbles(ali.page).last()).toContainText('Expect it by Friday.');
      expect(await widget.transcript(ali.page).innerText()).not.toContain(note);
      const aliEvents = await eventsOf(request, sb.server, ali.conversationId);
      expect(aliEvents.filter((e) => e.note).map((e) => e.note!.body)).toEqual([note]);
      expect(aliEvents.filter((e) => e.message).map((e) => e.message!.body)).toEqual(['Where is my refund for order 5521?', reply]);

      // Alt+T opens the transfer form of the focused conversation; Esc closes it.
      await page.keyboard.press('Alt+KeyT');
      const transfer = aliPane.getByRole('form', { name: 'Transfer the conversation' });
      await expect(transfer).toBeVisible();
      await expect(cyPane.locator('form.pane-form')).toHaveCount(0);
      await page.keyboard.press('Escape');
      await expect(transfer).toHaveCount(0);

      // Alt+E: the escalation form; sent, the conversation goes to the leads with the reason.
      await page.keyboard.press('Alt+KeyE');
      const escalate = aliPane.getByRole('form', { name: 'Escalate to a lead' });
      await expect(escalate).toBeVisible();
      await expect(escalate.getByLabel('Reason (the lead reads it)')).toBeFocused();
      await page.keyboard.type('The bank says no refund arrived');
      await escalate.getByRole('button', { name: 'Confirm escalation' }).click();
      await expect(desk.conversationList(page).getByRole('button', { name: 'Ali Alt Escalated to a lead' })).toBeVisible();
      await expect.poll(async () => (await eventsOf(request, sb.server, ali.conversationId)).filter((e) => e.escalation).map((e) => ({ agentId: e.escalation!.agentId, reason: e.escalation!.reason })))
        .toEqual([{ agentId: 'ana', reason: 'The bank says no refund arrived' }]);

      // Alt+1 is now Cy (the first active one); Alt+R: the resolve form, confirmed with Enter.
      await expect(rows2).toHaveText([/^1Cy Third/, /^2Di Fourth/]);
      await page.keyboard.press('Alt+Digit1');
      await expect(desk.composer(cyPane)).toBeFocused();

      // "?" in a text box is just a character.
      await desk.composer(cyPane).pressSequentially('?');
      await expect(desk.composer(cyPane)).toHaveValue('?');
      await expect(dialog).toBeHidden();
      await desk.composer(cyPane).fill('');

      await page.keyboard.press('Alt+KeyR');
      const resolve = cyPane.getByRole('form', { name: 'Resolve the conversation' });
      await expect(resolve).toBeVisible();
      await expect(resolve.getByLabel('Disposition')).toBeFocused();
      await resolve.getByRole('button', { name: 'Confirm resolve' }).click();
      await expect(desk.conversationList(page).getByRole('button', { name: 'Cy Third Resolved (solved)' })).toBeVisible();
      await expect.poll(async () => (await eventsOf(request, sb.server, cy.conversationId)).filter((e) => e.statusChange).map((e) => e.statusChange!.disposition))
        .toEqual(['solved']);
      await expect(widget.transcript(cy.page).getByText('The chat has ended.')).toBeVisible();
    } finally {
      for (const c of contexts) await c.close();
    }
  });
});
