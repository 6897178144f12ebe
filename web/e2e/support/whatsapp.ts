// A WhatsApp customer's message posted to the server's webhook as Meta posts it (a Cloud API
// `messages` change), signed with the account's app secret as Meta signs it
// (X-Hub-Signature-256): a text, or a medium by its id (`image`: the id, type and caption).
import { createHmac } from 'node:crypto';
import type { APIRequestContext } from '@playwright/test';
import { expect } from './fixtures';

export interface WhatsAppMessage {
  name: string;
  phone: string;
  /** The provider's message id (wamid…). */
  id: string;
  text?: string;
  image?: { id: string; mimeType: string; caption?: string };
  sentAtMs?: number;
}

/** Posts `m` to /v1/webhooks/whatsapp/main of the account with `appSecret`; expects it stored. */
export async function postWhatsApp(request: APIRequestContext, url: string, appSecret: string, m: WhatsAppMessage): Promise<void> {
  const content = m.image
    ? { type: 'image', image: { id: m.image.id, mime_type: m.image.mimeType, ...(m.image.caption ? { caption: m.image.caption } : {}) } }
    : { type: 'text', text: { body: m.text ?? '' } };
  const body = JSON.stringify({
    object: 'whatsapp_business_account',
    entry: [{ id: '1', changes: [{ field: 'messages', value: {
      messaging_product: 'whatsapp', metadata: { phone_number_id: '1122334455667' },
      contacts: [{ profile: { name: m.name }, wa_id: m.phone }],
      messages: [{ from: m.phone, id: m.id, timestamp: String(Math.floor((m.sentAtMs ?? Date.now()) / 1000)), ...content }],
    } }] }],
  });
  const signature = `sha256=${createHmac('sha256', appSecret).update(body).digest('hex')}`;
  const posted = await request.post(`${url}/v1/webhooks/whatsapp/main`, {
    data: body, headers: { 'Content-Type': 'application/json', 'X-Hub-Signature-256': signature },
  });
  expect(posted.status()).toBe(200);
  expect(await posted.json()).toMatchObject({ stored: 1 });
}
