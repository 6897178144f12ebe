// An email customer in the desk: a mail delivered to the server's SMTP listener (as a sending mail
// server would) is offered to Ana as a "New email" led by its subject; she accepts it and reads
// what the customer wrote this time, the subject above it, the quoted history and signature folded
// under it; she answers. The shipped config names no mail relay, so the answer fails at once with
// the reason under it, as the delivery event the server stored says. (Answers that reach a relay,
// threaded and DKIM-signed, are tested against aiosmtpd in tests/e2e/test_email_out.py.)
import type { Event } from '../src/lib/types';
import * as desk from './support/desk';
import { alertsOf, deskOf, eventsOf, recordAlerts } from './support/desk_people';
import { expect, expectAccessible, screenshot, test, useSwitchboard } from './support/fixtures';
import { sendMail } from './support/mail';

const message = `From: Maria López <maria@example.org>
To: support@example.com
Subject: Order 5521 has not arrived
Message-ID: <order-5521@example.org>
Date: Tue, 01 Dec 2026 09:30:00 +0000
MIME-Version: 1.0
Content-Type: text/plain; charset=utf-8

Hello,

I ordered a kettle a week ago (order 5521) and it has not arrived.

Thanks,
Maria
-- 
Maria López · +34 600 000 000

On Mon, 30 Nov 2026 at 09:00, Shop <support@example.com> wrote:
> Your order 5521 has shipped.
> Thank you for shopping with us.`;

test.describe('an email customer', () => {
  const sb = useSwitchboard({ name: 'email' });

  test('Ana reads the mail, its quote folded, and answers; without a relay the answer says why it did not go', async ({ browser, request }) => {
    test.setTimeout(60_000);
    const context = await browser.newContext();
    await recordAlerts(context, sb.server.url);
    const ana = await deskOf(browser, sb.server, 'ana', context);
    try {
      await desk.setStatus(ana.page, 'Available');
      const stored = await sendMail(await sb.server.smtpPort(), 'maria@example.org', 'support@example.com', message);
      expect(stored).toMatch(/^250 2\.0\.0 Ok: queued as /);

      const offer = desk.offers(ana.page);
      await expect(offer).toContainText('New email · email');
      await expect(offer).toContainText('“Order 5521 has not arrived — Hello,');
      await expect.poll(async () => (await alertsOf(ana.page)).notifications.length).toBe(1);
      expect((await alertsOf(ana.page)).notifications).toEqual([
        { title: 'New email offer (email · Email) · Agent desk', body: expect.stringMatching(/^Order 5521 has not arrived — Hello,/) },
      ]);
      await offer.getByRole('button', { name: 'Accept' }).click();
      const pane = desk.pane(ana.page, 'Maria López');
      await expect(pane.getByText('via Email')).toBeVisible();
      await expect(pane.getByText('maria@example.org').first()).toBeVisible();  // the address, with the name
      const mail = desk.timeline(pane).getByTestId('message').first();
      await expect(mail.getByTestId('subject')).toHaveText('Order 5521 has not arrived');
      await expect(mail.locator('.bubble').first()).toHaveText(/^Hello,\s+I ordered a kettle a week ago \(order 5521\) and it has not arrived\.\s+Thanks,\s+Maria$/);
      const quoted = mail.getByTestId('quoted');
      await expect(quoted).toBeHidden();
      await mail.getByText('Quoted text and signature').click();
      await expect(quoted).toContainText('Maria López · +34 600 000 000');
      await expect(quoted).toContainText('> Your order 5521 has shipped.');

      await desk.write(pane, 'Hello Maria, I am sorry: your kettle left our warehouse today.');
      const answer = desk.timeline(pane).getByTestId('message').filter({ hasText: 'your kettle left our warehouse today' });
      const line = answer.getByTestId('delivery');
      await expect(line).toHaveText(/^Sending to Email…$|^Not delivered: /);
      await expect(line).toHaveText('Not delivered: no mail relay is configured (channels.email.relay.host)', { timeout: 30_000 });

      const conversationId = (await pane.getAttribute('data-conversation-id'))!;
      const events: Event[] = await eventsOf(request, sb.server, conversationId);
      expect(events.filter((e) => e.delivery).map((e) => e.delivery!)).toEqual([
        expect.objectContaining({ state: 'FAILED', attempts: 1, channel: 'CHANNEL_EMAIL' }),
      ]);
      await screenshot(ana.page, 'desk-email');
      await expectAccessible(ana.page, 'desk with an email conversation');
    } finally {
      await ana.context.close();
    }
  });
});
