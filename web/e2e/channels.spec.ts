// A messaging channel's customer in the desk: a WhatsApp message posted to the server's webhook
// (signed here with the account's app secret, as Meta signs it) is offered to Ana, who accepts it
// and replies. The provider's send API is an address where nothing listens, so the outbox tries
// twice and gives up: the reply's line under it goes from "Sending to WhatsApp…" to "Not
// delivered:" with the reason, as the delivery event the server stored says; Lea, the lead, finds it
// in the console's "Undelivered" tab and sends it again. (The sends that
// succeed, and the providers' statuses, are tested against HTTPS fakes in tests/e2e/test_outbox.py.)
import type { Event } from '../src/lib/types';
import * as desk from './support/desk';
import { deskOf, eventsOf } from './support/desk_people';
import { expect, expectAccessible, screenshot, test, useSwitchboard } from './support/fixtures';
import { postWhatsApp } from './support/whatsapp';

const appSecret = 'wa-test-app-secret';
const channels = `channels:
  whatsapp_templates:
    - {name: order_update, language: en_US, body: "Hi {{1}}, your order {{2}} has shipped.", variables: [customer name, order number]}
  send_attempts: 2
  max_retry_delay_ms: 200
  send_timeout_ms: 1000
  accounts:
    - {provider: whatsapp, id: main, app_secret: ${appSecret}, verify_token: v, access_token: t, business_id: "1122334455667",
       api_url: "https://127.0.0.1:9/v21.0"}

router:`;

test.describe('a WhatsApp customer', () => {
  const sb = useSwitchboard({
    name: 'channels',
    edits: [
      [/^router:/m, channels],
    ],
  });

  test('Ana answers a WhatsApp message; the reply that cannot be sent says so under it', async ({ browser, request }) => {
    test.setTimeout(90_000);
    const ana = await deskOf(browser, sb.server, 'ana');
    try {
      await desk.setStatus(ana.page, 'Available');
      await postWhatsApp(request, sb.server.url, appSecret, { name: 'Wanda Ruiz', phone: '34600111222', id: 'wamid.browser1', text: 'Hola! Where is my order 1042?' });

      await expect(desk.offers(ana.page)).toContainText('Where is my order 1042?');
      await desk.offers(ana.page).getByRole('button', { name: 'Accept' }).click();
      const pane = desk.pane(ana.page, 'Wanda Ruiz');
      await expect(desk.messages(pane).first()).toContainText('Where is my order 1042?');
      await expect(pane.getByText('via WhatsApp')).toBeVisible();
      await expect(pane.getByTestId('whatsapp-window')).toHaveText(/^WhatsApp window: 2[34] h( \d+ min)? left to reply freely$/);
      await desk.write(pane, 'Hi Wanda, it left our warehouse today.');
      const reply = desk.timeline(pane).getByTestId('message').filter({ hasText: 'it left our warehouse today' });
      const line = reply.getByTestId('delivery');
      await expect(line).toHaveText(/^Sending to WhatsApp…$|^Not delivered: /);
      await expect(line).toHaveText(/^Not delivered: gave up after 2 attempts: /, { timeout: 30_000 });

      // What the page says is what the server stored.
      const conversationId = (await pane.getAttribute('data-conversation-id'))!;
      const events: Event[] = await eventsOf(request, sb.server, conversationId);
      const failed = events.filter((e) => e.delivery).map((e) => e.delivery!);
      expect(failed).toEqual([expect.objectContaining({ state: 'FAILED', attempts: 2, channel: 'CHANNEL_WHATSAPP' })]);
      await expect(line).toHaveText(`Not delivered: ${failed[0].reason}`);
      await screenshot(ana.page, 'desk-whatsapp-not-delivered');
      await expectAccessible(ana.page, 'desk with a WhatsApp conversation');

      // Lea, the lead, finds it under "Undelivered" with the reason, and sends it again. Nothing
      // listens at the provider's address still, so it fails again and comes back to the list.
      const lea = await browser.newContext();
      const console_ = await lea.newPage();
      try {
        await desk.signIn(console_, `${sb.server.url}/console/`, 'lea', 'lea-dev');
        const tab = console_.getByRole('tab', { name: /^Undelivered/ });
        await expect(tab).toContainText('1');
        await tab.click();
        const panel = console_.getByRole('tabpanel');
        const row = panel.getByTestId('dead-letter');
        await expect(row).toHaveCount(1);
        await expect(row).toContainText('it left our warehouse today');
        await expect(row).toContainText(failed[0].reason ?? '');
        await expect(row).toContainText('WhatsApp');
        await screenshot(console_, 'console-undelivered');
        await expectAccessible(console_, 'console, undelivered replies');
        await row.getByRole('button', { name: 'Send again' }).click();
        await expect(panel.getByRole('status')).toContainText('back in the outbox');
        await expect.poll(async () => (await eventsOf(request, sb.server, conversationId)).filter((e) => e.delivery).map((e) => [e.delivery!.state, e.actor]),
          { timeout: 30_000 }).toEqual([['FAILED', 'outbox'], ['QUEUED', 'lea'], ['FAILED', 'outbox']]);
        await expect(line).toHaveText(/^Not delivered: gave up after 2 attempts: /);
        await panel.getByRole('button', { name: 'Refresh' }).click();
        await expect(row).toHaveCount(1);
      } finally {
        await lea.close();
      }
    } finally {
      await ana.context.close();
    }
  });

  test('after 24 hours the desk offers the templates: one goes, filled in, as the server stored it', async ({ browser, request }) => {
    test.setTimeout(60_000);
    const ana = await deskOf(browser, sb.server, 'ana');
    try {
      await desk.setStatus(ana.page, 'Available');
      await postWhatsApp(request, sb.server.url, appSecret, {
        name: 'Omar Haddad', phone: '34600999888', id: 'wamid.old1', text: 'Any news on 2077?', sentAtMs: Date.now() - 26 * 3600_000,
      });
      await desk.offers(ana.page).getByRole('button', { name: 'Accept' }).click();
      const pane = desk.pane(ana.page, 'Omar Haddad');
      const window_ = pane.getByTestId('whatsapp-window');
      await expect(window_).toContainText("WhatsApp's 24-hour window closed 2 h ago (the customer last wrote 26 h ago).");
      const send = window_.getByRole('button', { name: 'Send template' });
      await expect(send).toBeDisabled();
      await window_.getByLabel('{{1}} customer name').fill('Omar');
      await window_.getByLabel('{{2}} order number').fill('2077');
      await expect(window_.getByLabel('Preview')).toHaveText('Hi Omar, your order 2077 has shipped.');
      await screenshot(ana.page, 'desk-whatsapp-template');
      await expectAccessible(ana.page, 'desk with a closed WhatsApp window');
      await send.click();
      await expect(desk.messages(pane).last()).toContainText('Hi Omar, your order 2077 has shipped.');

      const conversationId = (await pane.getAttribute('data-conversation-id'))!;
      const sent = (await eventsOf(request, sb.server, conversationId)).filter((e) => e.message?.direction === 'DIRECTION_OUTBOUND');
      expect(sent.map((e) => [e.message!.body, e.message!.templateMessage])).toEqual([
        ['Hi Omar, your order 2077 has shipped.', { name: 'order_update', language: 'en_US', variables: ['Omar', '2077'] }],
      ]);
    } finally {
      await ana.context.close();
    }
  });
});
