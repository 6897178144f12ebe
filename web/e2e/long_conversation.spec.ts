// A conversation longer than the pages hold or one resume replays (2,500 messages): the desk
// keeps the newest events and pages back to the first on request, in order and each once; a
// reload of the desk and of the widget picks up the latest without looping on the server's
// historyGap (found here: the gap told the client to resume from seq 0, which gave the same gap,
// for ever).
import type { Page } from '@playwright/test';
import * as desk from './support/desk';
import { expect, screenshot, test, useSwitchboard } from './support/fixtures';
import * as widget from './support/widget';

const flood = 2500;
const fast = { frames_per_second: 100000, frame_burst: 100000, user_frames_per_second: 100000, user_frame_burst: 100000 };
const sb = useSwitchboard({ name: 'long-conversation', overrides: { server: fast } });

/** The widget's visitor token, as it keeps it in the host page's localStorage. */
async function visitorToken(page: Page): Promise<string> {
  return page.evaluate(() => {
    const key = Object.keys(localStorage).find((k) => k.endsWith(':visitor'));
    return (JSON.parse(localStorage.getItem(key ?? '') ?? '{}') as { token?: string }).token ?? '';
  });
}

/**
 * Sends `count` messages in the customer's conversation from a socket of the customer's in `page`,
 * in batches; the socket stays open (the customer is there) until `window.__flood.close()`.
 */
async function sendMany(page: Page, wsUrl: string, token: string, conversationId: string, count: number): Promise<number> {
  return page.evaluate(
    async ({ wsUrl, token, conversationId, count }) => {
      const ws = new WebSocket(`${wsUrl}?access_token=${encodeURIComponent(token)}`, 'switchboard.v1.json');
      const acked = new Set<string>();
      let wake: () => void = () => undefined;
      ws.onmessage = (e) => {
        const f = JSON.parse(String(e.data)) as { requestId?: string; ack?: unknown; error?: { code?: string } };
        if (f.requestId && f.ack) acked.add(f.requestId);
        if (f.requestId && f.error) acked.add(`error:${f.requestId}:${f.error.code}`);
        wake();
      };
      await new Promise<void>((resolve, reject) => {
        ws.onopen = () => resolve();
        ws.onerror = () => reject(new Error('the socket did not open'));
      });
      const batch = 50;
      for (let start = 1; start <= count; start += batch) {
        const end = Math.min(count, start + batch - 1);
        for (let i = start; i <= end; i++) {
          ws.send(JSON.stringify({ requestId: `f${i}`, sendMessage: { conversationId, message: { body: `flood ${i}`, clientMessageId: `flood-${i}` } } }));
        }
        const deadline = Date.now() + 20_000;
        while (![...Array(end - start + 1).keys()].every((k) => acked.has(`f${start + k}`)) && Date.now() < deadline) {
          await new Promise<void>((r) => {
            wake = r;
            setTimeout(r, 200);
          });
        }
      }
      (window as unknown as { __flood: WebSocket }).__flood = ws;
      return [...acked].filter((a) => a.startsWith('f')).length;
    },
    { wsUrl, token, conversationId, count },
  );
}

test('2,500 messages: the desk pages back to the first, and reloads pick up the latest', async ({ browser }) => {
  test.setTimeout(300_000);
  const customerContext = await browser.newContext();
  const agentContext = await browser.newContext();
  try {
    // The customer asks, then writes 2,500 more lines from a socket of theirs while the chat
    // waits (the pages are away: nothing renders them one by one).
    const customer = await customerContext.newPage();
    await customer.goto(`${sb.server.url}/shop/`);
    await widget.open(customer);
    await widget.startChat(customer, 'I have a lot to say', { name: 'Long Talker' });
    const conversationId = await widget.storedConversationId(customer);
    const token = await visitorToken(customer);
    await customer.goto(`${sb.server.url}/healthz`);
    expect(await sendMany(customer, sb.server.wsUrl, token, conversationId, flood)).toBe(flood);

    // Ana takes it: her desk holds the newest events.
    const agent = await agentContext.newPage();
    await desk.signIn(agent, `${sb.server.url}/desk/`, 'ana', 'ana-dev');
    await desk.setStatus(agent, 'Available');
    await desk.offers(agent).getByRole('button', { name: 'Accept' }).click();
    const pane = desk.pane(agent, 'Long Talker');
    await expect(pane).toHaveAttribute('data-conversation-id', conversationId);
    const last = `flood ${flood}`;
    await expect(desk.messages(pane).last()).toHaveText(last);

    // The desk holds the newest events; the rest is a click away, page by page, until the first.
    const earlier = pane.getByRole('button', { name: /^Show earlier messages \(\d+ more events\)$/ });
    await expect(earlier).toBeVisible();
    await expect(desk.messages(pane).first()).not.toHaveText('I have a lot to say');
    await screenshot(agent, 'desk-long-conversation');
    for (let page = 0; page < 5 && (await earlier.count()) > 0; page++) {
      const before = await desk.messages(pane).count();
      await earlier.click();
      await expect.poll(() => desk.messages(pane).count()).toBeGreaterThan(before);
    }
    await expect(earlier).toHaveCount(0);
    const all = ['I have a lot to say', ...Array.from({ length: flood }, (_, i) => `flood ${i + 1}`)];
    expect(await desk.messages(pane).allTextContents()).toEqual(all);

    // A reload of the desk: the latest (after the server's historyGap), and paging back again.
    await agent.reload();
    // (Seen here before the desk drew once per animation frame: 41 s to draw the resume's 1,000
    // events one by one, each a redraw of the whole timeline; now about 2 s.)
    await expect(desk.messages(pane).last()).toHaveText(last, { timeout: 20_000 });
    await expect(earlier).toBeVisible();
    await expect(agent.getByRole('banner').getByRole('status')).toHaveText('Connected');

    // The customer's widget, back on the shop: the latest messages, the conversation still live.
    await customer.evaluate(() => (window as unknown as { __flood: WebSocket }).__flood.close());
    await customer.goto(`${sb.server.url}/shop/`);
    await widget.open(customer);
    await expect(widget.bubbles(customer).last()).toContainText(last);
    await desk.write(pane, 'Thank you for all of that');
    await expect(widget.bubbles(customer).last()).toContainText('Thank you for all of that');
  } finally {
    await customerContext.close();
    await agentContext.close();
  }
});
