// A network drop in the middle of a chat, for the customer's widget and for the agent's desk: their
// sockets pass through a relay the test controls (page.routeWebSocket; every frame still goes to
// and from the real server), which it cuts and keeps down for a while. Both pages say so, keep what
// is written meanwhile, and once the relay is back they reconnect, resume and send it: every
// message arrives once, none is lost or repeated.
import type { Page, WebSocketRoute } from '@playwright/test';
import type { Event } from '../src/lib/types';
import * as desk from './support/desk';
import { staffFetch } from './support/staff_rest';
import { expect, screenshot, test, useSwitchboard } from './support/fixtures';
import * as widget from './support/widget';

const sb = useSwitchboard({ name: 'network-drop' });

/** The page's WebSockets through a relay: `cut()` closes them, `down` refuses new ones. */
class Relay {
  down = false;
  private readonly open = new Set<WebSocketRoute>();

  static async on(page: Page): Promise<Relay> {
    const relay = new Relay();
    await page.routeWebSocket(/\/v1\/ws/, (ws) => {
      if (relay.down) {
        void ws.close({ code: 1011, reason: 'network down (test)' });
        return;
      }
      ws.connectToServer();
      relay.open.add(ws);
      ws.onClose(() => relay.open.delete(ws));
    });
    return relay;
  }

  /** Drops every socket of the page (as a lost network does) and keeps the relay down. */
  async cut(): Promise<void> {
    this.down = true;
    for (const ws of [...this.open]) await ws.close({ code: 1011, reason: 'network down (test)' });
  }
}

test('a network drop on both sides: both pages say so, keep what is written, and deliver it once', async ({ browser }) => {
  test.setTimeout(180_000);
  const customerContext = await browser.newContext();
  const agentContext = await browser.newContext();
  try {
    const agent = await agentContext.newPage();
    const agentRelay = await Relay.on(agent);
    await desk.signIn(agent, `${sb.server.url}/desk/`, 'ana', 'ana-dev');
    await desk.setStatus(agent, 'Available');
    const customer = await customerContext.newPage();
    const customerRelay = await Relay.on(customer);
    await customer.goto(`${sb.server.url}/shop/`);
    await widget.open(customer);
    await widget.startChat(customer, 'My order 7781 has not shipped', { name: 'Nora Network' });
    await desk.offers(agent).getByRole('button', { name: 'Accept' }).click();
    const pane = desk.pane(agent, 'Nora Network');
    const conversationId = (await pane.getAttribute('data-conversation-id'))!;
    await desk.write(pane, 'Let me check the warehouse.');
    await expect(widget.bubbles(customer).last()).toContainText('Let me check the warehouse.');

    // The network goes: both pages say so.
    await customerRelay.cut();
    await agentRelay.cut();
    const banner = agent.getByTestId('connection-banner');
    await expect(banner).toContainText(/Connection lost\. Reconnecting in \d+ s…|Reconnecting…/);
    await expect(agent.getByRole('banner').getByRole('status')).not.toHaveText('Connected');
    await expect(widget.panel(customer).getByRole('button', { name: 'Retry now' })).toBeVisible();

    // Both write meanwhile: kept, shown as on their way.
    await widget.say(customer, 'Is it lost?');
    await widget.say(customer, 'I need it by Friday');
    await desk.write(pane, 'It left this morning.');
    await expect(banner).toContainText('1 line waits to be sent.');
    await screenshot(agent, 'desk-connection-lost');
    await screenshot(customer, 'shop-widget-connection-lost');

    // The network is back: both reconnect by themselves, resume, and send what waited.
    customerRelay.down = false;
    agentRelay.down = false;
    await expect(banner).toContainText('Connected again.', { timeout: 60_000 });
    await expect(agent.getByRole('banner').getByRole('status')).toHaveText('Connected');
    const all = ['My order 7781 has not shipped', 'Let me check the warehouse.', 'Is it lost?', 'I need it by Friday', 'It left this morning.'];
    await expect.poll(async () => [...(await desk.messages(pane).allTextContents())].sort(), { timeout: 60_000 }).toEqual([...all].sort());
    await expect.poll(async () => [...(await widget.messageTexts(customer))].sort(), { timeout: 60_000 }).toEqual([...all].sort());

    // Stored once each, in the order the server took them.
    const stored = await staffFetch<{ events: Event[] }>(agent, 'GET', `/v1/conversations/${encodeURIComponent(conversationId)}?after_seq=0&limit=1000`);
    expect(stored.status).toBe(200);
    const bodies = stored.body.events.filter((e) => e.message).map((e) => e.message!.body);
    expect([...bodies].sort()).toEqual([...all].sort());
    expect(bodies.slice(0, 2)).toEqual(all.slice(0, 2));
    // The pages show the server's order, each line once.
    expect(await desk.messages(pane).allTextContents()).toEqual(bodies);
    expect(await widget.messageTexts(customer)).toEqual(bodies);
  } finally {
    await customerContext.close();
    await agentContext.close();
  }
});
