// The five providers' send APIs on one loopback port (plain http: the accounts' `api_url` point
// here), for the outbox's text replies. Each request is checked the way the provider documents it
// and answered as the provider answers, as tests/e2e/provider_fakes.py does:
//
// - WhatsApp Cloud API: POST /v21.0/{phone number id}/messages, "Authorization: Bearer <token>",
//   JSON {"messaging_product": "whatsapp", "to": digits, "type": "text", "text": {"body"}}
//   → {"messaging_product", "contacts", "messages": [{"id": "wamid…"}]}; a wrong token is 401 with
//   Meta's {"error": {"message", "type": "OAuthException", "code": 190}}, a bad body 400 (code 100).
// - Messenger / Instagram: POST /v21.0/me/messages, Bearer (the page's token tells which),
//   JSON {"recipient": {"id"}, "messaging_type": "RESPONSE", "message": {"text"}}
//   → {"recipient_id", "message_id"}.
// - Telegram Bot API: POST /bot<token>/sendMessage, JSON {"chat_id", "text"} → {"ok": true,
//   "result": {"message_id", "chat": {"id"}, "date", "text"}}; a wrong token is 401 {"ok": false,
//   "error_code": 401, "description": "Unauthorized"}.
// - Twilio: POST /2010-04-01/Accounts/{sid}/Messages.json, HTTP Basic sid:token, a form with To,
//   From, Body → 201 {"sid": "SM…", "status": "queued"}; a bad login is 401 (code 20003).
//
// Every request taken is kept in `received` (its provider, path, Authorization and fields); every
// one refused in `refused`, with the status and why, so that a test can say there was none.
import { Buffer } from 'node:buffer';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export type Provider = 'whatsapp' | 'messenger' | 'instagram' | 'telegram' | 'twilio';

/** The credentials the fake takes, as the accounts in the server's config give them. */
export interface ProviderTokens {
  whatsapp: string;
  messenger: string;
  instagram: string;
  telegram: string;
  twilio: { accountSid: string; authToken: string };
}

export interface Received {
  provider: Provider;
  /** The path as the provider's API names it: "/1122334455667/messages", "/me/messages", "/sendMessage", "/Messages.json". */
  path: string;
  authorization: string;
  /** The JSON body, or the form's fields. */
  fields: Record<string, unknown>;
}

export interface Refused {
  provider: Provider | 'unknown';
  path: string;
  status: number;
  why: string;
}

type Answer = { status: number; body: unknown };

export class FakeProviders {
  readonly received: Received[] = [];
  readonly refused: Refused[] = [];
  private server: Server | null = null;
  private port = 0;
  private count = 0;

  constructor(readonly tokens: ProviderTokens) {}

  static async start(tokens: ProviderTokens): Promise<FakeProviders> {
    const fake = new FakeProviders(tokens);
    const server = createServer((req, res) => void fake.handle(req, res));
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(0, '127.0.0.1', () => resolve());
    });
    fake.server = server;
    fake.port = (server.address() as AddressInfo).port;
    return fake;
  }

  /** The root: Telegram's and Twilio's api_url. */
  get url(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  /** The Graph API's versioned root: WhatsApp's, Messenger's and Instagram's api_url. */
  get graphUrl(): string {
    return `${this.url}/v21.0`;
  }

  /** What `provider` took, in order. */
  sent(provider: Provider): Received[] {
    return this.received.filter((r) => r.provider === provider);
  }

  async stop(): Promise<void> {
    const server = this.server;
    this.server = null;
    server?.closeAllConnections();
    if (server) await new Promise<void>((resolve) => server.close(() => resolve()));
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const body = Buffer.concat(chunks).toString('utf8');
    const path = req.url ?? '';
    const headers = { authorization: req.headers.authorization ?? '', contentType: req.headers['content-type'] ?? '' };
    let answer: Answer;
    if (req.method !== 'POST') {
      answer = this.refuse('unknown', path, 405, `${req.method} is not a send`, { error: { message: 'Unsupported method', code: 100 } });
    } else {
      answer = this.route(path, headers, body);
    }
    const data = Buffer.from(JSON.stringify(answer.body));
    res.writeHead(answer.status, { 'Content-Type': 'application/json', 'Content-Length': String(data.length) });
    res.end(data);
  }

  private route(path: string, headers: Seen, body: string): Answer {
    let m = /^\/v21\.0\/(\d+)\/messages$/.exec(path);
    if (m) return this.whatsapp(m[1], headers, body);
    if (path === '/v21.0/me/messages') return this.messenger(headers, body);
    m = /^\/bot([^/]+)\/sendMessage$/.exec(path);
    if (m) return this.telegram(m[1], headers, body);
    m = /^\/2010-04-01\/Accounts\/(AC[0-9a-f]{32})\/Messages\.json$/.exec(path);
    if (m) return this.twilio(m[1], headers, body);
    return this.refuse('unknown', path, 404, 'unknown path', { error: { message: `Unknown path ${path}`, code: 803 } });
  }

  private refuse(provider: Refused['provider'], path: string, status: number, why: string, body: unknown): Answer {
    this.refused.push({ provider, path, status, why });
    return { status, body };
  }

  private metaError(provider: Provider, path: string, status: number, message: string, code: number): Answer {
    return this.refuse(provider, path, status, message, { error: { message, type: 'OAuthException', code } });
  }

  private take(provider: Provider, path: string, headers: Seen, fields: Record<string, unknown>): number {
    this.received.push({ provider, path, authorization: headers.authorization, fields });
    return ++this.count;
  }

  private whatsapp(phoneNumberId: string, headers: Seen, body: string): Answer {
    const path = `/${phoneNumberId}/messages`;
    if (headers.authorization !== `Bearer ${this.tokens.whatsapp}`) return this.metaError('whatsapp', path, 401, 'Invalid OAuth access token.', 190);
    const j = jsonBody(headers, body);
    const text = j && j.type === 'text' ? (j.text as { body?: unknown } | undefined)?.body : undefined;
    if (!j || j.messaging_product !== 'whatsapp' || !/^\d{6,15}$/.test(String(j.to ?? '')) || typeof text !== 'string' || !text) {
      return this.metaError('whatsapp', path, 400, '(#100) Invalid parameter', 100);
    }
    const n = this.take('whatsapp', path, headers, j);
    return { status: 200, body: { messaging_product: 'whatsapp', contacts: [{ input: j.to, wa_id: j.to }], messages: [{ id: `wamid.fake${n}` }] } };
  }

  private messenger(headers: Seen, body: string): Answer {
    const path = '/me/messages';
    const provider = headers.authorization === `Bearer ${this.tokens.messenger}` ? 'messenger'
      : headers.authorization === `Bearer ${this.tokens.instagram}` ? 'instagram' : null;
    if (!provider) return this.metaError('messenger', path, 401, 'Invalid OAuth access token.', 190);
    const j = jsonBody(headers, body);
    const recipient = (j?.recipient as { id?: unknown } | undefined)?.id;
    const text = (j?.message as { text?: unknown } | undefined)?.text;
    if (!j || !recipient || j.messaging_type !== 'RESPONSE' || typeof text !== 'string' || !text) {
      return this.metaError(provider, path, 400, '(#100) param recipient must be non-empty', 100);
    }
    const n = this.take(provider, path, headers, j);
    return { status: 200, body: { recipient_id: recipient, message_id: `m_fake${n}` } };
  }

  private telegram(token: string, headers: Seen, body: string): Answer {
    const path = '/sendMessage';
    if (token !== this.tokens.telegram) {
      return this.refuse('telegram', path, 401, 'Unauthorized', { ok: false, error_code: 401, description: 'Unauthorized' });
    }
    const j = jsonBody(headers, body);
    if (!j || !j.chat_id || typeof j.text !== 'string' || !j.text) {
      return this.refuse('telegram', path, 400, 'no chat_id or text', { ok: false, error_code: 400, description: 'Bad Request: message text is empty' });
    }
    const n = this.take('telegram', path, headers, j);
    const result = { message_id: n, chat: { id: Number(j.chat_id), type: 'private' }, date: Math.floor(Date.now() / 1000), text: j.text };
    return { status: 200, body: { ok: true, result } };
  }

  private twilio(sid: string, headers: Seen, body: string): Answer {
    const path = '/Messages.json';
    const { accountSid, authToken } = this.tokens.twilio;
    const login = `Basic ${Buffer.from(`${accountSid}:${authToken}`).toString('base64')}`;
    if (sid !== accountSid || headers.authorization !== login) {
      return this.refuse('twilio', path, 401, 'Authenticate', { code: 20003, message: 'Authenticate', status: 401 });
    }
    if (!headers.contentType.startsWith('application/x-www-form-urlencoded')) {
      return this.refuse('twilio', path, 400, 'not a form', { code: 21601, message: 'not a form', status: 400 });
    }
    const form = Object.fromEntries(new URLSearchParams(body));
    if (!form.To || !form.From || !form.Body) {
      return this.refuse('twilio', path, 400, 'To, From or Body missing', { code: 21602, message: 'Message body is required.', status: 400 });
    }
    const n = this.take('twilio', path, headers, form);
    return { status: 201, body: { sid: `SM${String(n).padStart(32, '0')}`, status: 'queued', to: form.To, from: form.From, body: form.Body } };
  }
}

/** The request headers the checks read. */
interface Seen {
  authorization: string;
  contentType: string;
}

/** The body as a JSON object when it is sent as one (Content-Type application/json), else null. */
function jsonBody(headers: Seen, body: string): Record<string, unknown> | null {
  if (!headers.contentType.startsWith('application/json')) return null;
  try {
    const j: unknown = JSON.parse(body);
    return j && typeof j === 'object' && !Array.isArray(j) ? (j as Record<string, unknown>) : null;
  } catch {
    return null;
  }
}
