// Issue 13 point 7, in a real browser: a web customer proves their phone number in the widget and
// the agent sees it. Wanda first writes on WhatsApp (a signed webhook; Ana declines that offer, so
// it waits for someone else). Then she opens the widget on the shop and chats with Ana; from the
// link under the message box (reached with Tab) she asks for a code: the server sends it by SMS
// through Twilio's API — here the fake of fake_providers.ts, from which the test reads the six
// digits as Wanda would on her phone. A wrong code first ("Wrong code: 4 tries left", in the
// server's words), then the right one: the form closes, her transcript says "Your phone number …
// is confirmed.", and the chat goes on. Ana's pane, open all along, shows the proof as a line, the
// SMS identity marked "confirmed" (how and when in its title), and Wanda's WhatsApp message in the
// same timeline (the proof merged that customer into her), without a reload, and still after one.
// Five wrong codes void a code: "Send a new code" sends another, which confirms. Then a server with
// no SMS account: the widget says so in the server's words and stops offering it.
import type { APIRequestContext, Page } from '@playwright/test';
import type { Event } from '../src/lib/types';
import type { CustomerProfile } from '../src/staff/api';
import * as desk from './support/desk';
import { customerWrites, deskOf, eventsOf, leadGet } from './support/desk_people';
import { FakeProviders, type ProviderTokens } from './support/fake_providers';
import { expect, expectAccessible, screenshot, test, useSwitchboard } from './support/fixtures';
import { postWhatsApp } from './support/whatsapp';
import * as widget from './support/widget';

const tokens: ProviderTokens = {
  whatsapp: 'wa-token', messenger: 'unused', instagram: 'unused', telegram: 'unused',
  twilio: { accountSid: 'AC0123456789abcdef0123456789abcdef', authToken: 'tw-token' },
};
const waSecret = 'wa-secret';
const smsNumber = '+15550001111';
const wanda = { name: 'Wanda Ruiz', phone: '34600111222', typed: '+34 600 111 222', e164: '+34600111222' };
const onWhatsApp = 'Hola! Is my order 1042 on its way?';
const widgetHost = '[data-switchboard-widget]';

function channelsConfig(fake: FakeProviders): string {
  return `channels:
  public_url: https://support.example.com
  accounts:
    - {provider: whatsapp, id: main, app_secret: ${waSecret}, verify_token: v, access_token: ${tokens.whatsapp},
       business_id: "1122334455667", api_url: "${fake.graphUrl}"}
    - {provider: twilio, id: sms, auth_token: ${tokens.twilio.authToken}, account_sid: ${tokens.twilio.accountSid},
       business_id: "${smsNumber}", api_url: "${fake.url}"}

router:`;
}

/** The "Confirm your phone number" form of the widget. */
function proofForm(page: Page) {
  return widget.panel(page).getByRole('form', { name: 'Confirm your phone number' });
}

function proofLink(page: Page) {
  return widget.panel(page).getByRole('button', { name: 'Confirm your phone number' });
}

test.describe('a server that sends codes by SMS', () => {
  let fake: FakeProviders | null = null;
  test.beforeAll(async () => {
    fake = await FakeProviders.start(tokens);
  });
  // The accounts' api_url is the fake's, known once it listens: the edits are read at start-up.
  // The offer waits through the axe checks and screenshots of a loaded machine (20 s in the config).
  const sb = useSwitchboard({
    name: 'identity',
    get edits(): Array<[RegExp, string]> {
      return [[/^router:/m, channelsConfig(fake!)], [/offer_timeout_seconds: 20\n/, 'offer_timeout_seconds: 90\n']];
    },
  });
  test.afterAll(async () => {
    await fake?.stop();
  });

  test('Wanda confirms her number in the widget; Ana sees the proof and her WhatsApp message in one timeline', async ({ browser, request }) => {
    test.setTimeout(150_000);
    await postWhatsApp(request, sb.server.url, waSecret, { name: wanda.name, phone: wanda.phone, id: 'wamid.proof1', text: onWhatsApp });
    const ana = await deskOf(browser, sb.server, 'ana', await browser.newContext({ viewport: { width: 1600, height: 1000 } }));
    let customer: Awaited<ReturnType<typeof customerWrites>> | null = null;
    try {
      await desk.setStatus(ana.page, 'Available');
      const waOffer = desk.offers(ana.page).filter({ hasText: onWhatsApp });
      await waOffer.getByRole('button', { name: 'Decline' }).click(); // someone else's, for now
      await expect(waOffer).toHaveCount(0);

      customer = await customerWrites(browser, sb.server, 'Hi, I wrote on WhatsApp about order 1042 too.', { name: wanda.name });
      const page = customer.page;
      await desk.offers(ana.page).filter({ hasText: 'order 1042 too' }).getByRole('button', { name: 'Accept' }).click();
      const pane = desk.pane(ana.page, wanda.name);
      await expect(pane).toHaveAttribute('data-conversation-id', customer.conversationId);
      await desk.write(pane, 'Hi Wanda! Confirm your phone number (below the message box) and I will see your WhatsApp messages too.');
      await expect(widget.bubbles(page).last()).toContainText('Confirm your phone number');
      await expect(desk.timeline(pane).getByRole('region', { name: /^Earlier conversation/ })).toHaveCount(0);

      const code = await askForCode(page);
      await confirmWithCode(page, code);
      await deskSeesProof(ana.page, customer.conversationId, request);
      await customerRecordAfterProof(request, customer.conversationId);

      // The chat goes on as before.
      await widget.say(page, 'Thanks, that was quick.');
      await expect(desk.messages(pane).last()).toHaveText('Thanks, that was quick.');
    } finally {
      await customer?.context.close();
      await ana.context.close();
    }
  });

  test('five wrong codes void it: "Send a new code" sends another, and that one confirms', async ({ browser }) => {
    const customer = await customerWrites(browser, sb.server, 'Please update my number.', { name: 'Otto' });
    try {
      const page = customer.page;
      await proofLink(page).click();
      const form = proofForm(page);
      await form.getByLabel('Phone number, with its country code').fill('+34 600 333 444');
      await form.getByRole('button', { name: 'Send code' }).click();
      const codeField = form.getByLabel('The 6-digit code from the message');
      const first = await codeSentTo('+34600333444', 1);
      const wrong = String((Number(first) + 1) % 1_000_000).padStart(6, '0');
      for (const left of [4, 3, 2, 1]) {
        await codeField.fill(wrong);
        await form.getByRole('button', { name: 'Confirm' }).click();
        await expect(form.getByRole('alert')).toHaveText(`Wrong code: ${left} tries left`);
      }
      await codeField.fill(wrong);
      await form.getByRole('button', { name: 'Confirm' }).click();
      await expect(form.getByRole('alert')).toHaveText('Wrong code, and no tries left: ask for a new one');
      await expect(form.getByRole('button', { name: 'Confirm' })).toHaveCount(0);
      await form.getByRole('button', { name: 'Send a new code' }).click();
      const second = await codeSentTo('+34600333444', 2);
      await expect(codeField).toBeFocused();
      await expect(codeField).toHaveValue('');
      await codeField.fill(second);
      await form.getByRole('button', { name: 'Confirm' }).click();
      await expect(form).toHaveCount(0);
      await expect(widget.transcript(page).locator('.system')).toContainText(['Your phone number +34600333444 is confirmed.']);
    } finally {
      await customer.context.close();
    }
  });

  /** The `n`-th code sent to `to` by SMS (as the customer reads it on their phone). */
  async function codeSentTo(to: string, n: number): Promise<string> {
    const sent = () => fake!.sent('twilio').filter((r) => r.fields.To === to);
    await expect.poll(() => sent().length).toBe(n);
    const body = String(sent()[n - 1].fields.Body);
    const code = /\b(\d{6})\b/.exec(body)?.[1];
    expect(code, `the SMS: ${body}`).toBeTruthy();
    return code!;
  }

  /** What the server keeps: the proof on the identity, and the merge it made (actor: the customer). */
  async function customerRecordAfterProof(request: APIRequestContext, conversationId: string): Promise<void> {
    const { conversation } = await leadGet<{ conversation: { customerId: string } }>(request, sb.server, `/v1/conversations/${conversationId}?limit=1`);
    const id = encodeURIComponent(conversation.customerId);
    const { customer } = await leadGet<{ customer: CustomerProfile }>(request, sb.server, `/v1/customers/${id}`);
    const sms = customer.identities?.find((i) => i.channel === 'CHANNEL_SMS');
    expect(sms).toMatchObject({ address: wanda.e164, proof: { method: 'sms_code', conversationId, atMs: expect.stringMatching(/^\d+$/) } });
    const { merges } = await leadGet<{ merges: Array<{ sourceCustomerId: string; actor: string; reason: string }> }>(request, sb.server, `/v1/customers/${id}/merges`);
    expect(merges).toEqual([expect.objectContaining({ actor: conversation.customerId, reason: expect.stringContaining(wanda.e164) })]);
  }

  /** Tab from the message box to the link, the number, "Send code": resolves with the SMS's code. */
  async function askForCode(page: Page): Promise<string> {
    await widget.panel(page).getByRole('textbox', { name: 'Message' }).focus();
    await page.keyboard.press('Tab');
    await expect(proofLink(page)).toBeFocused();
    await screenshot(page, 'widget-identity-link');
    await page.keyboard.press('Enter');
    const form = proofForm(page);
    const phone = form.getByLabel('Phone number, with its country code');
    await expect(phone).toBeFocused();
    // Escape closes the form, not the chat, and gives focus back to the link.
    await page.keyboard.press('Escape');
    await expect(form).toHaveCount(0);
    await expect(widget.panel(page)).toBeVisible();
    await expect(proofLink(page)).toBeFocused();
    await page.keyboard.press('Enter');

    await phone.fill('600 111 222'); // no country code
    await phone.press('Enter');
    await expect(form.getByRole('alert')).toHaveText('Phone: a number with its country code, like +34 600 111 222');
    expect(fake!.sent('twilio')).toEqual([]);
    await phone.fill(wanda.typed);
    await expect(form.getByRole('alert')).toHaveText(''); // the edit answers it
    await screenshot(page, 'widget-identity-number');
    await expectAccessible(page, 'widget, confirm your phone number (the number)', [], { include: widgetHost });
    await form.getByRole('button', { name: 'Send code' }).click();
    await expect(form.getByRole('status')).toHaveText(`We sent a code to ${wanda.typed}.`);
    const codeField = form.getByLabel('The 6-digit code from the message');
    await expect(codeField).toBeFocused();
    await expect(codeField).toHaveAttribute('inputmode', 'numeric');
    await expect(codeField).toHaveAttribute('autocomplete', 'one-time-code');

    const code = await codeSentTo(wanda.e164, 1);
    expect(fake!.sent('twilio')[0].fields).toMatchObject({ To: wanda.e164, From: smsNumber });
    expect(fake!.refused).toEqual([]);
    return code;
  }

  /** A wrong code (one try fewer), then the right one: the form closes, the transcript says so. */
  async function confirmWithCode(page: Page, code: string): Promise<void> {
    const form = proofForm(page);
    const codeField = form.getByLabel('The 6-digit code from the message');
    await codeField.fill(String((Number(code) + 1) % 1_000_000).padStart(6, '0'));
    await form.getByRole('button', { name: 'Confirm' }).click();
    await expect(form.getByRole('alert')).toHaveText(/^wrong code: 4 tries left$/i);
    await expect(codeField).toHaveAttribute('aria-invalid', 'true');
    await screenshot(page, 'widget-identity-wrong-code');
    await expectAccessible(page, 'widget, confirm your phone number (a wrong code)', [], { include: widgetHost });

    await codeField.fill(code);
    await codeField.press('Enter');
    await expect(form).toHaveCount(0);
    await expect(widget.transcript(page).locator('.system')).toContainText([`Your phone number ${wanda.e164} is confirmed.`]);
    await expect(widget.panel(page).getByRole('textbox', { name: 'Message' })).toBeFocused();
    await expect(proofLink(page)).toHaveCount(0); // nothing left to confirm
    await screenshot(page, 'widget-identity-confirmed');
    await expectAccessible(page, 'widget, phone number confirmed', [], { include: widgetHost });
  }

  /** Ana's pane: the proof's line, the identity marked, the WhatsApp message joined — live, then after a reload. */
  async function deskSeesProof(page: Page, conversationId: string, request: APIRequestContext): Promise<void> {
    const events: Event[] = await eventsOf(request, sb.server, conversationId);
    const proof = events.find((e) => e.identityProved)?.identityProved;
    expect(proof).toMatchObject({ channel: 'CHANNEL_SMS', address: wanda.e164, method: 'sms_code', mergedCustomerIds: [expect.any(String)] });
    for (const reloaded of [false, true]) {
      if (reloaded) {
        await page.reload();
        await expect(page.getByRole('banner').getByRole('status')).toHaveText('Connected');
      }
      const pane = desk.pane(page, wanda.name);
      const timeline = desk.timeline(pane);
      await expect(timeline.locator('.tl-event').filter({ hasText: 'Customer confirmed' })).toContainText(
        `Customer confirmed ${wanda.e164} by SMS code — their conversations from this number (SMS, WhatsApp) are now in this timeline`);
      const earlier = timeline.getByRole('region', { name: /^Earlier conversation/ });
      const waMessage = earlier.getByTestId('message').filter({ hasText: onWhatsApp });
      await expect(waMessage.getByTestId('channel-badge')).toHaveText('WhatsApp');
      const identities = pane.getByRole('list', { name: 'Reachable on' }).getByRole('listitem');
      const sms = identities.filter({ has: page.getByTestId('channel-badge').getByText('SMS', { exact: true }) });
      await expect(sms).toContainText(wanda.e164);
      const mark = sms.getByTestId('identity-confirmed');
      await expect(mark).toHaveAttribute('title', /^Confirmed by SMS code on .+, in this conversation$/);
      await expect(mark).toContainText('confirmed by SMS code on');
      // The WhatsApp number came with the merge; the proof is the SMS identity's.
      const wa = identities.filter({ has: page.getByTestId('channel-badge').getByText('WhatsApp', { exact: true }) });
      await expect(wa).toContainText(wanda.e164);
      await expect(wa.getByTestId('identity-confirmed')).toHaveCount(0);
      if (!reloaded) {
        await screenshot(page, 'desk-identity-proved');
        await expectAccessible(page, 'desk, the customer confirmed their phone number');
      }
    }
  }
});

test.describe('a server without an SMS account', () => {
  const sb = useSwitchboard({ name: 'identity-unavailable' });

  test('the widget says it cannot send codes here, and stops offering it', async ({ browser }) => {
    const customer = await customerWrites(browser, sb.server, 'Can you call me back?', { name: 'Nora' });
    try {
      const page = customer.page;
      await proofLink(page).click();
      const form = proofForm(page);
      await form.getByLabel('Phone number, with its country code').fill(wanda.typed);
      await form.getByRole('button', { name: 'Send code' }).click();
      await expect(form.getByRole('alert')).toHaveText('Confirming a phone number is not set up here (no SMS account)');
      await expect(form.getByRole('button', { name: 'Send code' })).toHaveCount(0);
      await form.getByRole('button', { name: 'Cancel' }).click();
      await expect(form).toHaveCount(0);
      await expect(proofLink(page)).toHaveCount(0);
      await expect(widget.panel(page).getByRole('textbox', { name: 'Message' })).toBeFocused();
      await widget.say(page, 'Or just write here, fine.');
      await expect(widget.bubbles(page).last()).toContainText('Or just write here, fine.');
    } finally {
      await customer.context.close();
    }
  });
});
