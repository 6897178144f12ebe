// Puts many events into a customer's timeline through the real server: one customer (a visitor
// token from POST /v1/visitors) on a real WebSocket from a browser page opens conversations and
// sends messages, a bounded number in flight, each acknowledged after Redis stored it. The server's
// frame rate limits must be raised for this (the benchmark's config does).
import type { BrowserContext, Page } from '@playwright/test';
import type { Switchboard } from '../e2e/support/switchboard';

export interface Injected {
  conversationId: string;
  sent: number;
  refused: number;
  ms: number;
}

export class InjectingCustomer {
  private constructor(private readonly page: Page) {}

  /** A customer with a socket open (kept on the page as window.__sbCustomer). */
  static async open(context: BrowserContext, server: Switchboard): Promise<InjectingCustomer> {
    const page = await context.newPage();
    await page.goto(`${server.url}/healthz`);
    await page.evaluate(async () => {
      const visitor = await fetch('/v1/visitors', { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: '{}' });
      if (!visitor.ok) throw new Error(`POST /v1/visitors: ${visitor.status}`);
      const { token } = (await visitor.json()) as { token: string };
      const ws = new WebSocket(`ws://${location.host}/v1/ws?access_token=${encodeURIComponent(token)}`, 'switchboard.v1.json');
      await new Promise<void>((resolve, reject) => {
        ws.onopen = () => resolve();
        ws.onerror = () => reject(new Error('the customer socket failed to open'));
      });
      type Frame = { requestId?: string; ack?: { conversationId?: string }; error?: { code?: string; retryAfterMs?: number } };
      const waiting = new Map<string, (f: Frame) => void>();
      let closed = '';
      ws.onmessage = (e) => {
        const f = JSON.parse(String(e.data)) as Frame;
        const done = f.requestId ? waiting.get(f.requestId) : undefined;
        if (done) {
          waiting.delete(f.requestId!);
          done(f);
        }
      };
      ws.onclose = (e) => {
        closed = `closed ${e.code}`;
        for (const done of waiting.values()) done({ error: { code: closed } });
        waiting.clear();
      };
      let next = 0;
      const request = (body: object) =>
        new Promise<Frame>((resolve) => {
          if (closed) return resolve({ error: { code: closed } });
          const requestId = `b${next++}`;
          waiting.set(requestId, resolve);
          ws.send(JSON.stringify({ requestId, ...body }));
        });
      (window as unknown as { __sbCustomer: unknown }).__sbCustomer = { ws, request };
    });
    return new InjectingCustomer(page);
  }

  /** Opens a conversation in `topic`'s queue with `count` messages (the first opens it). */
  async conversation(count: number, topic: string, name: string, prefix: string): Promise<Injected> {
    return this.page.evaluate(
      async ({ count, topic, name, prefix }) => {
        type Frame = { ack?: { conversationId?: string }; error?: { code?: string; retryAfterMs?: number } };
        const { request } = (window as unknown as { __sbCustomer: { request: (body: object) => Promise<Frame> } }).__sbCustomer;
        const started = performance.now();
        const words = ['my order', 'the parcel', 'a refund', 'the size', 'delivery', 'the invoice', 'my account', 'the colour'];
        const text = (k: number) => `${prefix} ${k}: a question about ${words[k % words.length]}${k % 5 === 0 ? ', with a longer line of detail so that some bubbles wrap onto two lines in the desk' : ''}.`;
        let refused = 0;
        // Each message is tried at most 5 times (a refusal to retry waits the server's retryAfterMs).
        const send = async (body: object): Promise<Frame> => {
          for (let attempt = 1; ; attempt++) {
            const f = await request(body);
            const retryable = f.error && (f.error.code === 'rate_limited' || f.error.code === 'retry');
            if (!retryable || attempt === 5) return f;
            refused++;
            await new Promise((r) => setTimeout(r, Math.max(10, f.error!.retryAfterMs ?? 100)));
          }
        };
        const first = await send({ openConversation: { topic, firstMessage: { body: text(1), clientMessageId: `${prefix}-1` }, customer: { displayName: name } } });
        if (!first.ack?.conversationId) throw new Error(`openConversation refused: ${JSON.stringify(first)}`);
        const conversationId = first.ack.conversationId;
        let k = 2;
        let sent = 1;
        const worker = async () => {
          while (k <= count) {
            const mine = k++;
            const f = await send({ sendMessage: { conversationId, message: { body: text(mine), clientMessageId: `${prefix}-${mine}` } } });
            if (f.error) throw new Error(`message ${mine} refused: ${JSON.stringify(f.error)}`);
            sent++;
          }
        };
        await Promise.all(Array.from({ length: 64 }, worker)); // 64 requests in flight
        return { conversationId, sent, refused, ms: performance.now() - started };
      },
      { count, topic, name, prefix },
    );
  }

  async close(): Promise<void> {
    await this.page.close();
  }
}
