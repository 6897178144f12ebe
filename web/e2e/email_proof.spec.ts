// A web customer confirms their email address in the widget, and the agent sees it. Wanda first
// writes an email to support@example.com (delivered to the server's SMTP listener; Ana declines
// that offer, so it waits for someone else). Then she opens the widget on the shop and chats with
// Ana; from the links under the message box (reached with Tab: the phone number's, then the email
// address's) she asks for a code: the server mails it through the configured relay — here a sink
// of support/mail.ts, from whose message the test reads the six digits as Wanda would in her
// inbox. An address the server refuses first, in its words; a wrong code ("Wrong code: 4 tries
// left"), then the right one: the form closes, her transcript says "Your email address … is
// confirmed.", and the chat goes on. Ana's pane, open all along, shows the proof as a line, the
// Email identity marked "confirmed", and Wanda's email in the same timeline (the proof merged that
// customer into her), without a reload and after one; REST has the proof and the merge. Then a
// server with no mail relay (and no SMS account: the shipped config), at 360 px: the widget says
// so in the server's words and stops offering the email address, the phone number still offered
// until it is tried too.
import type { APIRequestContext, Locator, Page } from '@playwright/test';
import type { Event } from '../src/lib/types';
import type { CustomerProfile } from '../src/staff/api';
import * as desk from './support/desk';
import { customerWrites, deskOf, eventsOf, leadGet } from './support/desk_people';
import { expect, expectAccessible, screenshot, test, useSwitchboard } from './support/fixtures';
import { bodyOf, headerOf, MailSink, sendMail, type SunkMail } from './support/mail';
import * as widget from './support/widget';

const wanda = { name: 'Wanda Ruiz', typed: 'Wanda@Example.org', address: 'wanda@example.org' };
const inbox = 'support@example.com';
const emailBody = 'The lid of the kettle from order 1042 arrived cracked. Can you send a new one?';
const firstMail = `From: Wanda Ruiz <wanda@example.org>
To: ${inbox}
Subject: Order 1042: cracked lid
Message-ID: <order-1042-lid@example.org>
Date: Tue, 01 Dec 2026 09:30:00 +0000
MIME-Version: 1.0
Content-Type: text/plain; charset=utf-8

Hello,

${emailBody}

Wanda`;
const widgetHost = '[data-switchboard-widget]';

function proofForm(page: Page, name = 'Confirm your email address'): Locator {
  return widget.panel(page).getByRole('form', { name });
}

function proofLink(page: Page, name = 'Confirm your email address'): Locator {
  return widget.panel(page).getByRole('button', { name });
}

test.describe('a server that mails codes through a relay', () => {
  let sink: MailSink | null = null;
  test.beforeAll(async () => {
    sink = await MailSink.start();
  });
  // The relay's port is the sink's, known once it listens: the edits are read at start-up. The
  // offer waits through the axe checks and screenshots of a loaded machine (20 s in the config).
  const sb = useSwitchboard({
    name: 'email-proof',
    get edits(): Array<[RegExp, string]> {
      return [
        [/^    smtp_listen: 127\.0\.0\.1:2525\n/m, `    smtp_listen: 127.0.0.1:2525\n    relay: {host: 127.0.0.1, port: ${sink!.port}, tls: none}\n`],
        [/offer_timeout_seconds: 20\n/, 'offer_timeout_seconds: 90\n'],
      ];
    },
  });
  test.afterAll(async () => {
    await sink?.close();
  });

  test('Wanda confirms her email address in the widget; Ana sees the proof and her email in one timeline', async ({ browser, request }) => {
    test.setTimeout(150_000);
    const ana = await deskOf(browser, sb.server, 'ana', await browser.newContext({ viewport: { width: 1600, height: 1000 } }));
    let customer: Awaited<ReturnType<typeof customerWrites>> | null = null;
    try {
      await desk.setStatus(ana.page, 'Available');
      const stored = await sendMail(await sb.server.smtpPort(), wanda.address, inbox, firstMail);
      expect(stored).toMatch(/^250 2\.0\.0 Ok: queued as /);
      const mailOffer = desk.offers(ana.page).filter({ hasText: 'New email' });
      await expect(mailOffer).toContainText('Order 1042: cracked lid');
      await mailOffer.getByRole('button', { name: 'Decline' }).click(); // someone else's, for now
      await expect(mailOffer).toHaveCount(0);

      customer = await customerWrites(browser, sb.server, 'Hi, I emailed you about order 1042 this morning.', { name: wanda.name });
      const page = customer.page;
      await desk.offers(ana.page).filter({ hasText: 'order 1042 this morning' }).getByRole('button', { name: 'Accept' }).click();
      const pane = desk.pane(ana.page, wanda.name);
      await expect(pane).toHaveAttribute('data-conversation-id', customer.conversationId);
      await desk.write(pane, 'Hi Wanda! Confirm your email address (below the message box) and I will see your email here too.');
      await expect(widget.bubbles(page).last()).toContainText('Confirm your email address');
      await expect(desk.timeline(pane).getByRole('region', { name: /^Earlier conversation/ })).toHaveCount(0);

      const code = await askForCode(page);
      await confirmWithCode(page, code);
      await deskSeesProof(ana.page, customer.conversationId, request);
      await customerRecordAfterProof(request, customer.conversationId);

      // The chat goes on as before.
      await widget.say(page, 'Thanks, that was quick.');
      await expect(desk.messages(pane).last()).toHaveText('Thanks, that was quick.');
      expect(sink!.taken, 'one mail: the code').toHaveLength(1);
    } finally {
      await customer?.context.close();
      await ana.context.close();
    }
  });

  /** The code mail to `to` as the relay took it, and the six digits in its text (as Wanda reads them). */
  async function codeMailTo(to: string): Promise<{ mail: SunkMail; code: string }> {
    const mail = await sink!.next((m) => m.to.includes(to));
    const body = bodyOf(mail.data);
    const code = /\b(\d{6})\b/.exec(body)?.[1];
    expect(code, `the mail's text: ${body}`).toBeTruthy();
    return { mail, code: code! };
  }

  /** Tab from the message box past the phone link to the email link, the address, "Send code": resolves with the mail's code. */
  async function askForCode(page: Page): Promise<string> {
    await widget.panel(page).getByRole('textbox', { name: 'Message' }).focus();
    await page.keyboard.press('Tab');
    await expect(proofLink(page, 'Confirm your phone number')).toBeFocused(); // no SMS account, but it is not known yet
    await page.keyboard.press('Tab');
    await expect(proofLink(page)).toBeFocused();
    await screenshot(page, 'widget-email-proof-links');
    await page.keyboard.press('Enter');
    const form = proofForm(page);
    const field = form.getByLabel('Email address');
    await expect(field).toBeFocused();
    await expect(form.getByText('We send a 6-digit code to it by mail.')).toBeVisible();
    await expect(field).toHaveAttribute('type', 'email');
    await expect(field).toHaveAttribute('autocomplete', 'email');
    await expect(field).toHaveAttribute('inputmode', 'email');
    await expect(field).toHaveAttribute('placeholder', 'ana@example.org');
    // Escape closes the form, not the chat, and gives focus back to its link.
    await page.keyboard.press('Escape');
    await expect(form).toHaveCount(0);
    await expect(widget.panel(page)).toBeVisible();
    await expect(proofLink(page)).toBeFocused();
    await page.keyboard.press('Enter');
    await expect(field).toBeFocused();

    await page.keyboard.type('wanda@example'); // no dot in the domain
    await page.keyboard.press('Enter');
    await expect(form.getByRole('alert')).toHaveText('Email: an address like ana@example.org');
    await expect(field).toHaveAttribute('aria-invalid', 'true');
    expect(sink!.taken).toEqual([]);
    await field.fill('');
    await page.keyboard.type(wanda.typed);
    await expect(form.getByRole('alert')).toHaveText(''); // the edit answers it
    await screenshot(page, 'widget-email-proof-address');
    await expectAccessible(page, 'widget, confirm your email address (the address)', [], { include: widgetHost });
    await page.keyboard.press('Enter');
    await expect(form.getByRole('status')).toHaveText(`We sent a code to ${wanda.typed}.`);
    const codeField = form.getByLabel('The 6-digit code from the message');
    await expect(codeField).toBeFocused();
    await expect(codeField).toHaveAttribute('inputmode', 'numeric');
    await expect(codeField).toHaveAttribute('autocomplete', 'one-time-code');
    await expect(form.getByRole('button', { name: 'Use another address' })).toBeVisible();

    // The server lower-cased the address; the mail comes from the first inbox, marked automatic.
    const { mail, code } = await codeMailTo(wanda.address);
    expect(mail).toMatchObject({ from: inbox, to: [wanda.address] });
    expect(headerOf(mail.data, 'Subject')).toBe(`Your confirmation code: ${code}`);
    expect(headerOf(mail.data, 'Auto-Submitted')).toBe('auto-generated');
    expect(headerOf(mail.data, 'From')).toContain(inbox);
    expect(headerOf(mail.data, 'To')).toContain(wanda.address);
    expect(bodyOf(mail.data)).toContain(`Your code to confirm this address in the support chat is ${code}.`);
    return code;
  }

  /** A wrong code (one try fewer), then the right one: the form closes, the transcript says so. */
  async function confirmWithCode(page: Page, code: string): Promise<void> {
    const form = proofForm(page);
    const codeField = form.getByLabel('The 6-digit code from the message');
    await page.keyboard.type(String((Number(code) + 1) % 1_000_000).padStart(6, '0'));
    await page.keyboard.press('Enter');
    await expect(form.getByRole('alert')).toHaveText('Wrong code: 4 tries left');
    await expect(codeField).toHaveAttribute('aria-invalid', 'true');
    await screenshot(page, 'widget-email-proof-wrong-code');
    await expectAccessible(page, 'widget, confirm your email address (a wrong code)', [], { include: widgetHost });

    await codeField.fill('');
    await page.keyboard.type(code);
    await expect(form.getByRole('alert')).toHaveText('');
    await page.keyboard.press('Enter');
    await expect(form).toHaveCount(0);
    await expect(widget.transcript(page).locator('.system')).toContainText([`Your email address ${wanda.address} is confirmed.`]);
    await expect(widget.panel(page).getByRole('textbox', { name: 'Message' })).toBeFocused();
    await expect(proofLink(page)).toHaveCount(0); // nothing left to confirm
    await expect(proofLink(page, 'Confirm your phone number')).toBeVisible(); // the other kind is still offered
    await screenshot(page, 'widget-email-proof-confirmed');
    await expectAccessible(page, 'widget, email address confirmed', [], { include: widgetHost });
  }

  /** Ana's pane: the proof's line, the identity marked, the email joined — live, then after a reload. */
  async function deskSeesProof(page: Page, conversationId: string, request: APIRequestContext): Promise<void> {
    const events: Event[] = await eventsOf(request, sb.server, conversationId);
    const proof = events.find((e) => e.identityProved)?.identityProved;
    expect(proof).toMatchObject({ channel: 'CHANNEL_EMAIL', address: wanda.address, method: 'email_code', mergedCustomerIds: [expect.any(String)] });
    for (const reloaded of [false, true]) {
      if (reloaded) {
        await page.reload();
        await expect(page.getByRole('banner').getByRole('status')).toHaveText('Connected');
      }
      const pane = desk.pane(page, wanda.name);
      const timeline = desk.timeline(pane);
      await expect(timeline.locator('.tl-event').filter({ hasText: 'Customer confirmed' })).toContainText(
        `Customer confirmed ${wanda.address} by email code — their email conversations from this address are now in this timeline`);
      const earlier = timeline.getByRole('region', { name: /^Earlier conversation/ });
      const mail = earlier.getByTestId('message').filter({ hasText: emailBody });
      await expect(mail.getByTestId('channel-badge')).toHaveText('Email');
      await expect(mail.getByTestId('subject')).toHaveText('Order 1042: cracked lid');
      const identities = pane.getByRole('list', { name: 'Reachable on' }).getByRole('listitem');
      const email = identities.filter({ has: page.getByTestId('channel-badge').getByText('Email', { exact: true }) });
      await expect(email).toHaveCount(1);
      await expect(email).toContainText(wanda.address);
      const mark = email.getByTestId('identity-confirmed');
      await expect(mark).toHaveAttribute('title', /^Confirmed by email code on .+, in this conversation$/);
      await expect(mark).toContainText('confirmed by email code on');
      if (!reloaded) {
        await screenshot(page, 'desk-email-proved');
        await expectAccessible(page, 'desk, the customer confirmed their email address');
      }
    }
  }

  /** What the server keeps: the proof on the Email identity, and the merge it made (actor: the customer). */
  async function customerRecordAfterProof(request: APIRequestContext, conversationId: string): Promise<void> {
    const { conversation } = await leadGet<{ conversation: { customerId: string } }>(request, sb.server, `/v1/conversations/${conversationId}?limit=1`);
    const id = encodeURIComponent(conversation.customerId);
    const { customer } = await leadGet<{ customer: CustomerProfile }>(request, sb.server, `/v1/customers/${id}`);
    const email = customer.identities?.find((i) => i.channel === 'CHANNEL_EMAIL');
    expect(email).toMatchObject({ address: wanda.address, proof: { method: 'email_code', conversationId, atMs: expect.stringMatching(/^\d+$/) } });
    const { merges } = await leadGet<{ merges: Array<{ sourceCustomerId: string; actor: string; reason: string }> }>(request, sb.server, `/v1/customers/${id}/merges`);
    expect(merges).toEqual([expect.objectContaining({ actor: conversation.customerId, reason: expect.stringContaining(wanda.address) })]);
  }
});

test.describe('a server without a mail relay (nor an SMS account)', () => {
  const sb = useSwitchboard({ name: 'email-proof-unavailable' });

  test('at 360 px: the widget says it cannot mail codes here and stops offering it; the phone number goes once tried too', async ({ browser }) => {
    const context = await browser.newContext({ viewport: { width: 360, height: 640 }, isMobile: true, hasTouch: true, deviceScaleFactor: 2 });
    try {
      const page = await context.newPage();
      await page.goto(`${sb.server.url}/shop/`);
      await widget.open(page);
      await widget.startChat(page, 'Can you write to me instead?', { name: 'Nora' });
      await expect(widget.bubbles(page).first()).toContainText('Can you write to me instead?');
      const inside = async (what: string, target: Locator) => {
        const box = await target.boundingBox();
        expect(box, what).not.toBeNull();
        expect(box!.x, `${what} left edge`).toBeGreaterThanOrEqual(0);
        expect(box!.x + box!.width, `${what} right edge`).toBeLessThanOrEqual(360);
        expect(box!.y + box!.height, `${what} bottom edge`).toBeLessThanOrEqual(640);
      };
      const phoneLink = proofLink(page, 'Confirm your phone number');
      await inside('the phone link', phoneLink);
      await inside('the email link', proofLink(page));
      expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(360);
      await screenshot(page, 'widget-email-proof-links-360', { fullPage: false });

      await proofLink(page).tap();
      const form = proofForm(page);
      const field = form.getByLabel('Email address');
      await expect(field).toBeFocused();
      await inside('the address field', field);
      await inside('the send button', form.getByRole('button', { name: 'Send code' }));
      await screenshot(page, 'widget-email-proof-form-360', { fullPage: false });
      await expectAccessible(page, 'widget at 360 px, confirm your email address', [], { include: widgetHost });
      await field.fill('nora@example.org');
      await form.getByRole('button', { name: 'Send code' }).tap();
      await expect(form.getByRole('alert')).toHaveText('Confirming an email address is not set up here (no mail relay)');
      await expect(form.getByRole('button', { name: 'Send code' })).toHaveCount(0);
      await screenshot(page, 'widget-email-proof-unavailable-360', { fullPage: false });
      await form.getByRole('button', { name: 'Cancel' }).tap();
      await expect(form).toHaveCount(0);
      await expect(proofLink(page)).toHaveCount(0);
      await expect(phoneLink).toBeVisible(); // a server without a relay may still have an SMS account
      await expect(widget.panel(page).getByRole('textbox', { name: 'Message' })).toBeFocused();

      // The shipped config has no SMS account either: once tried, that link goes too.
      await phoneLink.tap();
      const phoneForm = proofForm(page, 'Confirm your phone number');
      await phoneForm.getByLabel('Phone number, with its country code').fill('+34 600 111 222');
      await phoneForm.getByRole('button', { name: 'Send code' }).tap();
      await expect(phoneForm.getByRole('alert')).toHaveText('Confirming a phone number is not set up here (no SMS account)');
      await phoneForm.getByRole('button', { name: 'Cancel' }).tap();
      await expect(phoneForm).toHaveCount(0);
      await expect(phoneLink).toHaveCount(0);
      await expect(proofLink(page)).toHaveCount(0);

      await widget.say(page, 'Or just write here, fine.');
      await expect(widget.bubbles(page).last()).toContainText('Or just write here, fine.');
      await screenshot(page, 'widget-email-proof-none-offered-360', { fullPage: false });
    } finally {
      await context.close();
    }
  });
});
