// Issue 13's "done when", in a real browser: Ana, at one desk page, answers a web customer (the
// widget) and a WhatsApp, a Messenger, an Instagram, a Telegram and an SMS customer (each posted
// to the server's webhook, signed as the provider signs it), and each reply reaches the
// customer's own channel: the web customer reads it in the widget; the others' replies reach a
// local fake of their provider's send API (fake_providers.ts: it checks each request as the
// provider documents it) with the right recipient, token and text, and the desk says "Sent to
// WhatsApp"… under each. Then one customer on two channels: Wanda, on WhatsApp, writes from the
// same phone by SMS (another customer until then); Lea, the lead, merges the SMS customer into the
// WhatsApp one over REST (docs/LEADS.md); Ana's desk, reloaded (the pane reads the customer's
// timeline when it opens), shows the SMS and the WhatsApp message in Wanda's one timeline, each
// with its channel's badge; Wanda's next SMS joins her open conversation, and Ana's reply to it
// goes back by SMS.
import type { APIRequestContext, Locator, Page } from '@playwright/test';
import * as desk from './support/desk';
import { type Customer, customerWrites, deskOf, eventsOf } from './support/desk_people';
import { FakeProviders, type Provider, type ProviderTokens, type Received } from './support/fake_providers';
import { expect, expectAccessible, screenshot, test, useSwitchboard } from './support/fixtures';
import { postMeta, postSms, postTelegram } from './support/provider_webhooks';
import { staffFetch } from './support/staff_rest';
import { postWhatsApp } from './support/whatsapp';
import * as widget from './support/widget';

const tokens: ProviderTokens = {
  whatsapp: 'wa-token', messenger: 'fb-page-token', instagram: 'ig-page-token', telegram: '123456:TEST-bot-token',
  twilio: { accountSid: 'AC0123456789abcdef0123456789abcdef', authToken: 'tw-token' },
};
const secrets = { whatsapp: 'wa-secret', messenger: 'fb-secret', instagram: 'ig-secret', telegram: 'tg-secret' };
const publicUrl = 'https://support.example.com';
const phoneNumberId = '1122334455667'; // whatsapp.ts posts to this number
const smsNumber = '+15550001111';
const routes = {
  messenger: '/v1/webhooks/messenger/page', instagram: '/v1/webhooks/instagram/ig',
  telegram: '/v1/webhooks/telegram/bot', twilio: '/v1/webhooks/twilio/sms',
};

function channelsConfig(fake: FakeProviders): string {
  return `channels:
  public_url: ${publicUrl}
  accounts:
    - {provider: whatsapp, id: main, app_secret: ${secrets.whatsapp}, verify_token: v, access_token: ${tokens.whatsapp},
       business_id: "${phoneNumberId}", api_url: "${fake.graphUrl}"}
    - {provider: messenger, id: page, app_secret: ${secrets.messenger}, verify_token: v, access_token: ${tokens.messenger},
       api_url: "${fake.graphUrl}"}
    - {provider: instagram, id: ig, app_secret: ${secrets.instagram}, verify_token: v, access_token: ${tokens.instagram},
       api_url: "${fake.graphUrl}"}
    - {provider: telegram, id: bot, secret_token: ${secrets.telegram}, bot_token: "${tokens.telegram}", api_url: "${fake.url}"}
    - {provider: twilio, id: sms, auth_token: ${tokens.twilio.authToken}, account_sid: ${tokens.twilio.accountSid},
       business_id: "${smsNumber}", api_url: "${fake.url}"}

router:`;
}

/** A messaging customer: how they write, and what their provider must be asked to send back. */
interface MessagingCustomer {
  provider: Provider;
  /** The channel as the desk names it. */
  channel: string;
  text: string;
  reply: string;
  post: (request: APIRequestContext, url: string) => Promise<void>;
  /** What the provider's fake must take: [path, Authorization, recipient, text]. */
  sent: [string, string, string, string];
  /** The message id the fake answered, as the server stored it in the reply's `delivery` event. */
  providerId: RegExp;
}

const bearer = (token: string) => `Bearer ${token}`;
const twilioLogin = `Basic ${Buffer.from(`${tokens.twilio.accountSid}:${tokens.twilio.authToken}`).toString('base64')}`;
const sms = (from: string, sid: string, text: string) => (request: APIRequestContext, url: string) =>
  postSms(request, url, routes.twilio, { publicUrl, authToken: tokens.twilio.authToken, accountSid: tokens.twilio.accountSid }, { from, to: smsNumber, sid, text });

const wanda = { name: 'Wanda Ruiz', phone: '34600111222' };

const customers: MessagingCustomer[] = [
  {
    provider: 'whatsapp', channel: 'WhatsApp', text: 'Hola! Where is my order 1042?', reply: 'Hi Wanda, order 1042 left our warehouse today.',
    post: (request, url) => postWhatsApp(request, url, secrets.whatsapp, { ...wanda, id: 'wamid.omni1', text: 'Hola! Where is my order 1042?' }),
    sent: [`/${phoneNumberId}/messages`, bearer(tokens.whatsapp), wanda.phone, 'Hi Wanda, order 1042 left our warehouse today.'],
    providerId: /^wamid\.fake\d+$/,
  },
  {
    provider: 'messenger', channel: 'Messenger', text: 'Can I change the delivery address?', reply: 'Yes: send me the new address and I will change it.',
    post: (request, url) => postMeta(request, url, routes.messenger, secrets.messenger, { object: 'page', psid: '2400001', mid: 'm_omni1', text: 'Can I change the delivery address?' }),
    sent: ['/me/messages', bearer(tokens.messenger), '2400001', 'Yes: send me the new address and I will change it.'],
    providerId: /^m_fake\d+$/,
  },
  {
    provider: 'instagram', channel: 'Instagram', text: 'Is the rain jacket in stock in M?', reply: 'It is: three left in M.',
    post: (request, url) => postMeta(request, url, routes.instagram, secrets.instagram, { object: 'instagram', psid: '1780001', mid: 'ig_omni1', text: 'Is the rain jacket in stock in M?' }),
    sent: ['/me/messages', bearer(tokens.instagram), '1780001', 'It is: three left in M.'],
    providerId: /^m_fake\d+$/,
  },
  {
    provider: 'telegram', channel: 'Telegram', text: 'How do I reset my password?', reply: 'Use "Forgot password" on the sign-in page.',
    post: (request, url) => postTelegram(request, url, routes.telegram, secrets.telegram, { userId: 5550001, firstName: 'Tomas', messageId: 71, text: 'How do I reset my password?' }),
    sent: ['/sendMessage', '', '5550001', 'Use "Forgot password" on the sign-in page.'],
    providerId: /^5550001:\d+$/, // chat and message id: Telegram's ids are per chat
  },
  {
    provider: 'twilio', channel: 'SMS', text: 'Please call me back about my refund', reply: 'We will call you within the hour.',
    post: sms('+15557654321', `SM${'1'.repeat(32)}`, 'Please call me back about my refund'),
    sent: ['/Messages.json', twilioLogin, '+15557654321 from +15550001111', 'We will call you within the hour.'],
    providerId: /^SM\d{32}$/,
  },
];

/** What a fake took, in the terms of `MessagingCustomer.sent`. */
function said(r: Received): [string, string, string, string] {
  const at = (...keys: string[]) => String(keys.reduce<unknown>((o, k) => (o as Record<string, unknown> | undefined)?.[k], r.fields));
  switch (r.provider) {
    case 'whatsapp': return [r.path, r.authorization, at('to'), at('text', 'body')];
    case 'messenger':
    case 'instagram': return [r.path, r.authorization, at('recipient', 'id'), at('message', 'text')];
    case 'telegram': return [r.path, r.authorization, at('chat_id'), at('text')];
    case 'twilio': return [r.path, r.authorization, `${at('To')} from ${at('From')}`, at('Body')];
  }
}

/** A conversation's pane by its id (the desk names a pane after the customer, who may have no name). */
function paneOf(page: Page, conversationId: string): Locator {
  return page.locator(`[data-testid="conversation"][data-conversation-id="${conversationId}"]`);
}

/** The customer messages and replies of a timeline part: [channel badge, text] each. */
function badgedMessages(part: Locator): Promise<string[][]> {
  return part.getByTestId('message').evaluateAll((ms) => ms.map((m) => [
    m.querySelector('[data-testid="channel-badge"]')?.textContent ?? '', m.querySelector('.bubble')?.textContent ?? '',
  ]));
}

let fake: FakeProviders | null = null;
test.beforeAll(async () => {
  fake = await FakeProviders.start(tokens);
});
// The accounts' api_url is the fake's, known once it listens: the edits are read at start-up.
const sb = useSwitchboard({
  name: 'omnichannel',
  get edits(): Array<[RegExp, string]> {
    return [[/^router:/m, channelsConfig(fake!)]];
  },
});
test.afterAll(async () => {
  await fake?.stop();
});

test('one desk answers web, WhatsApp, Messenger, Instagram, Telegram and SMS; one customer on two channels is one timeline', async ({ browser, request }) => {
  test.setTimeout(180_000);
  // Wide enough for four conversations side by side (the desk's most).
  const context = await browser.newContext({ viewport: { width: 2048, height: 1100 } });
  let web: Customer | null = null;
  try {
    const ana = await deskOf(browser, sb.server, 'ana', context);
    await desk.setStatus(ana.page, 'Available');
    web = await answerWebCustomer(ana.page);
    const ids: Partial<Record<Provider, string>> = {};
    for (const c of customers) ids[c.provider] = await answerMessagingCustomer(ana.page, request, c);

    // Six conversations on one screen: the list holds them all, four side by side.
    const rows = desk.conversationList(ana.page).getByTestId('conversation-row');
    await expect(rows).toHaveCount(6);
    await expect(rows.getByTestId('channel-badge')).toHaveText(['Web', 'WhatsApp', 'Messenger', 'Instagram', 'Telegram', 'SMS']);
    await expect(ana.page.getByTestId('conversation')).toHaveCount(4);
    expect(fake!.refused).toEqual([]);
    expect(fake!.received.map((r) => r.provider)).toEqual(['whatsapp', 'messenger', 'instagram', 'telegram', 'twilio']);
    await screenshot(ana.page, 'desk-omnichannel');
    await expectAccessible(ana.page, 'desk with six conversations on six channels');

    await oneCustomerTwoChannels(ana.page, request, ids.whatsapp!);
  } finally {
    await web?.context.close();
    await context.close();
  }
});

/** Pia writes from the widget on the shop; Ana accepts and replies; Pia reads it in the widget. */
async function answerWebCustomer(page: Page): Promise<Customer> {
  const pia = await customerWrites(page.context().browser()!, sb.server, 'Do you ship the hammock to Norway?', { name: 'Pia Lindqvist' });
  const offer = desk.offers(page).filter({ hasText: 'ship the hammock' });
  await expect(offer.getByTestId('channel-badge')).toHaveText('Web');
  await offer.getByRole('button', { name: 'Accept' }).click();
  const pane = desk.pane(page, 'Pia Lindqvist');
  await expect(pane).toHaveAttribute('data-conversation-id', pia.conversationId);
  await expect(pane.getByText('via Web')).toBeVisible();
  await desk.write(pane, 'Hi Pia, yes: Norway takes 4 to 6 days.');
  await expect(widget.bubbles(pia.page).last()).toContainText('Hi Pia, yes: Norway takes 4 to 6 days.');
  const reply = desk.timeline(pane).getByTestId('message').filter({ hasText: 'Norway takes 4 to 6 days' });
  await expect(reply.getByTestId('channel-badge')).toHaveText('Web');
  await expect(reply.getByTestId('delivery')).toHaveCount(0); // the widget's own socket: no provider
  return pia;
}

/**
 * The customer writes through their provider's webhook; Ana accepts the offer, sees the message
 * with its channel, and replies: the provider's fake takes exactly that reply, to that customer,
 * and the desk says "Sent to <channel>" under it. Resolves with the conversation's id.
 */
async function answerMessagingCustomer(page: Page, request: APIRequestContext, c: MessagingCustomer): Promise<string> {
  await c.post(request, sb.server.url);
  const offer = desk.offers(page).filter({ hasText: c.text });
  await expect(offer.getByTestId('channel-badge')).toHaveText(c.channel);
  await offer.getByRole('button', { name: 'Accept' }).click();
  const found = page.getByTestId('conversation').filter({ has: page.getByTestId('message').filter({ hasText: c.text }) });
  await expect(found).toHaveCount(1);
  const conversationId = (await found.getAttribute('data-conversation-id'))!;
  const pane = paneOf(page, conversationId);
  await expect(pane.getByText(`via ${c.channel}`)).toBeVisible();
  const question = desk.timeline(pane).getByTestId('message').filter({ hasText: c.text });
  await expect(question.getByTestId('channel-badge')).toHaveText(c.channel);

  await desk.write(pane, c.reply);
  const reply = desk.timeline(pane).getByTestId('message').filter({ hasText: c.reply });
  await expect(reply.getByTestId('delivery')).toHaveText(`Sent to ${c.channel}`);
  await expect.poll(() => fake!.sent(c.provider).map(said)).toEqual([c.sent]);
  // What the desk says is what the server stored: SENT, with the id the fake answered.
  const deliveries = (await eventsOf(request, sb.server, conversationId)).filter((e) => e.delivery).map((e) => e.delivery!);
  expect(deliveries).toEqual([expect.objectContaining({ state: 'SENT', attempts: 1, providerMessageId: expect.stringMatching(c.providerId) })]);
  return conversationId;
}

/**
 * Wanda writes from her phone by SMS: a customer of its own, offered to Ana. Lea merges it into
 * Wanda's WhatsApp customer over REST; Ana's desk, reloaded, shows both channels' messages in
 * Wanda's timeline. Her next SMS joins her open conversation, and the reply goes back by SMS.
 */
async function oneCustomerTwoChannels(page: Page, request: APIRequestContext, whatsappConversation: string): Promise<void> {
  const bySms = 'It is Wanda again, by SMS: my WhatsApp is acting up.';
  const phone = `+${wanda.phone}`;
  await sms(phone, `SM${'2'.repeat(32)}`, bySms)(request, sb.server.url);
  const offer = desk.offers(page).filter({ hasText: bySms });
  await expect(offer.getByTestId('channel-badge')).toHaveText('SMS');
  await offer.getByRole('button', { name: 'Accept' }).click();
  const found = page.getByTestId('conversation').filter({ has: page.getByTestId('message').filter({ hasText: bySms }) });
  await expect(found).toHaveCount(1);
  const smsConversation = (await found.getAttribute('data-conversation-id'))!;

  const merge = await mergeAsLead(page, whatsappConversation, smsConversation);
  expect(JSON.stringify(merge.movedIdentities ?? [])).toContain(wanda.phone);

  // The pane reads the customer's timeline when it opens: a reload opens it again.
  await page.reload();
  await expect(page.getByRole('banner').getByRole('status')).toHaveText('Connected');
  await desk.conversationList(page).getByTestId('conversation-row').filter({ hasText: wanda.name }).click();
  const pane = paneOf(page, whatsappConversation);
  await expect(pane.getByRole('heading', { name: wanda.name })).toBeVisible();
  const timeline = desk.timeline(pane);
  const earlier = timeline.getByRole('region', { name: /^Earlier conversation/ });
  await expect(earlier.getByTestId('message').filter({ hasText: bySms }).getByTestId('channel-badge')).toHaveText('SMS');
  await expect.poll(() => badgedMessages(timeline)).toEqual([
    ['SMS', bySms],
    ['WhatsApp', customers[0].text],
    ['WhatsApp', customers[0].reply],
  ]);
  await expect(timeline.getByTestId('message').filter({ hasText: customers[0].reply }).getByTestId('delivery')).toHaveText('Sent to WhatsApp');

  // Her next SMS lands on her (the target's) open conversation; the reply leaves by SMS.
  const next = 'One more thing: please leave it with my neighbour.';
  await sms(phone, `SM${'3'.repeat(32)}`, next)(request, sb.server.url);
  await expect(timeline.getByTestId('message').filter({ hasText: next }).getByTestId('channel-badge')).toHaveText('SMS');
  await desk.write(pane, 'Noted: we will leave it with your neighbour.');
  const reply = timeline.getByTestId('message').filter({ hasText: 'leave it with your neighbour' });
  await expect(reply.getByTestId('delivery')).toHaveText('Sent to SMS');
  await expect.poll(() => fake!.sent('twilio').map(said).slice(1)).toEqual([
    ['/Messages.json', twilioLogin, `${phone} from ${smsNumber}`, 'Noted: we will leave it with your neighbour.'],
  ]);
  expect(fake!.refused).toEqual([]);
  await screenshot(page, 'desk-omnichannel-merged');
  await expectAccessible(page, 'desk with a merged customer on WhatsApp and SMS');
}

interface Merge {
  mergeId: string;
  sourceCustomerId: string;
  targetCustomerId: string;
  movedIdentities?: unknown[];
}

/** Lea, signed in to the console, merges the SMS conversation's customer into the WhatsApp one's. */
async function mergeAsLead(page: Page, whatsappConversation: string, smsConversation: string): Promise<Merge> {
  const lea = await page.context().browser()!.newContext();
  try {
    const console_ = await lea.newPage();
    await desk.signIn(console_, `${sb.server.url}/console/`, 'lea', 'lea-dev');
    const customerOf = async (id: string) => {
      const got = await staffFetch<{ conversation: { customerId: string } }>(console_, 'GET', `/v1/conversations/${encodeURIComponent(id)}?limit=1`);
      expect(got.status, got.text).toBe(200);
      return got.body.conversation.customerId;
    };
    const target = await customerOf(whatsappConversation);
    const source = await customerOf(smsConversation);
    expect(source).not.toBe(target);
    const merged = await staffFetch<{ merge: Merge }>(console_, 'POST', `/v1/customers/${encodeURIComponent(target)}/merges`, {
      sourceCustomerId: source, reason: 'Same person: Wanda wrote by SMS from her WhatsApp number',
    });
    expect(merged.status, merged.text).toBe(201);
    expect(merged.body.merge).toMatchObject({ sourceCustomerId: source, targetCustomerId: target });
    return merged.body.merge;
  } finally {
    await lea.close();
  }
}
