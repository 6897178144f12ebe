// A Messenger, Instagram, Telegram or SMS (Twilio) customer's text message posted to the server's
// webhook as the provider posts it, signed as the provider signs it, by this code (not the
// server's): Meta's X-Hub-Signature-256 (HMAC-SHA256 of the raw body with the app secret),
// Telegram's X-Telegram-Bot-Api-Secret-Token, Twilio's X-Twilio-Signature (base64 HMAC-SHA1 with
// the auth token over the public URL and path, then each form key and value sorted by key).
// WhatsApp's is in whatsapp.ts. The raw bytes go as they were signed.
import { createHmac } from 'node:crypto';
import type { APIRequestContext } from '@playwright/test';
import { expect } from './fixtures';

export interface MetaMessage {
  /** "page" for Messenger, "instagram" for Instagram. */
  object: 'page' | 'instagram';
  /** The page-scoped id of the customer (PSID / IGSID). */
  psid: string;
  /** The provider's message id (m_…). */
  mid: string;
  text: string;
}

/** Posts a Messenger or Instagram message to `path` (/v1/webhooks/messenger/<id>); expects it stored. */
export async function postMeta(request: APIRequestContext, url: string, path: string, appSecret: string, m: MetaMessage): Promise<void> {
  const body = JSON.stringify({
    object: m.object,
    entry: [{ id: '999', time: Date.now(), messaging: [{
      sender: { id: m.psid }, recipient: { id: '999' }, timestamp: Date.now(), message: { mid: m.mid, text: m.text },
    }] }],
  });
  const signature = `sha256=${createHmac('sha256', appSecret).update(body).digest('hex')}`;
  await expectStored(request, `${url}${path}`, body, { 'Content-Type': 'application/json', 'X-Hub-Signature-256': signature });
}

export interface TelegramMessage {
  userId: number;
  firstName: string;
  messageId: number;
  text: string;
}

/** Posts a private chat's message (an Update) to `path`, with the account's secret token. */
export async function postTelegram(request: APIRequestContext, url: string, path: string, secretToken: string, m: TelegramMessage): Promise<void> {
  const from = { id: m.userId, is_bot: false, first_name: m.firstName };
  const body = JSON.stringify({
    update_id: m.messageId,
    message: { message_id: m.messageId, from, chat: { id: m.userId, type: 'private', first_name: m.firstName }, date: Math.floor(Date.now() / 1000), text: m.text },
  });
  await expectStored(request, `${url}${path}`, body, { 'Content-Type': 'application/json', 'X-Telegram-Bot-Api-Secret-Token': secretToken });
}

export interface SmsMessage {
  /** E.164, "+34600111222". */
  from: string;
  /** The account's number. */
  to: string;
  /** Twilio's MessageSid (SM + 32 hex digits). */
  sid: string;
  text: string;
}

/** Twilio's signature of a form posted to `publicUrl` + `path`. */
export function twilioSignature(authToken: string, publicUrl: string, path: string, fields: Array<[string, string]>): string {
  const sorted = [...fields].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  const data = publicUrl + path + sorted.map(([k, v]) => k + v).join('');
  return createHmac('sha1', authToken).update(data, 'utf8').digest('base64');
}

/**
 * Posts an SMS as Twilio's "A message comes in" webhook does, signed over `publicUrl` (the
 * config's channels.public_url, which Twilio was given) and `path`; expects the empty TwiML answer.
 */
export async function postSms(request: APIRequestContext, url: string, path: string, auth: { publicUrl: string; authToken: string; accountSid: string }, m: SmsMessage): Promise<void> {
  const fields: Array<[string, string]> = [
    ['ToCountry', 'US'], ['SmsMessageSid', m.sid], ['NumMedia', '0'], ['SmsSid', m.sid], ['SmsStatus', 'received'],
    ['Body', m.text], ['To', m.to], ['NumSegments', '1'], ['MessageSid', m.sid], ['AccountSid', auth.accountSid],
    ['From', m.from], ['ApiVersion', '2010-04-01'],
  ];
  const body = new URLSearchParams(fields).toString();
  const headers = { 'Content-Type': 'application/x-www-form-urlencoded', 'X-Twilio-Signature': twilioSignature(auth.authToken, auth.publicUrl, path, fields) };
  const posted = await request.post(`${url}${path}`, { data: Buffer.from(body), headers });
  expect(posted.status(), await posted.text()).toBe(200);
  expect(await posted.text()).toContain('<Response></Response>');
}

async function expectStored(request: APIRequestContext, at: string, body: string, headers: Record<string, string>): Promise<void> {
  const posted = await request.post(at, { data: Buffer.from(body), headers });
  expect(posted.status(), await posted.text()).toBe(200);
  expect(await posted.json()).toMatchObject({ stored: 1 });
}
