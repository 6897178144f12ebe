// A member of staff speaking the protocol directly (docs/PROTOCOL.md), for tests that need one
// where no page does it yet: a real WebSocket, opened by a browser page of its own (Node 20 has no
// WebSocket client and `ws` is not a dependency) with a development token. Every frame the server
// sends is kept in `frames`; `waitFor` waits, with a deadline, for one that matches.
import type { BrowserContext, Page } from '@playwright/test';
import type { ClientFrameBody, ServerFrame } from '../../src/lib/types';
import type { Switchboard } from './switchboard';

interface Waiter {
  match: (f: ServerFrame) => boolean;
  resolve: (f: ServerFrame) => void;
}

export class AgentSocket {
  readonly frames: ServerFrame[] = [];
  closeCode: number | null = null;
  private waiters = new Set<Waiter>();
  private nextRequest = 1;

  private constructor(readonly page: Page) {}

  /** Opens a socket with `token` from a new page in `context`; resolves after the welcome. */
  static async open(context: BrowserContext, server: Switchboard, token: string): Promise<AgentSocket> {
    const page = await context.newPage();
    const socket = new AgentSocket(page);
    await page.goto(`${server.url}/healthz`);
    await page.exposeFunction('__sbAgentFrame', (text: string) => socket.receive(JSON.parse(text) as ServerFrame));
    await page.exposeFunction('__sbAgentClosed', (code: number) => (socket.closeCode = code));
    await page.evaluate(
      ({ url, token }) =>
        new Promise<void>((resolve, reject) => {
          const w = window as unknown as {
            __sbAgent: WebSocket;
            __sbAgentFrame: (t: string) => void;
            __sbAgentClosed: (c: number) => void;
          };
          const ws = new WebSocket(`${url}?access_token=${encodeURIComponent(token)}`, 'switchboard.v1.json');
          w.__sbAgent = ws;
          ws.onmessage = (e) => w.__sbAgentFrame(String(e.data));
          ws.onopen = () => resolve();
          ws.onerror = () => reject(new Error('the agent socket failed to open'));
          ws.onclose = (e) => w.__sbAgentClosed(e.code);
        }),
      { url: server.wsUrl, token },
    );
    await socket.waitFor((f) => !!f.welcome, 'welcome');
    return socket;
  }

  private receive(frame: ServerFrame): void {
    this.frames.push(frame);
    for (const w of [...this.waiters]) {
      if (w.match(frame)) {
        this.waiters.delete(w);
        w.resolve(frame);
      }
    }
  }

  /** The first frame (already received, or to come) that matches; rejects after `timeoutMs`. */
  waitFor(match: (f: ServerFrame) => boolean, what: string, timeoutMs = 15_000): Promise<ServerFrame> {
    const seen = this.frames.find(match);
    if (seen) return Promise.resolve(seen);
    return new Promise((resolve, reject) => {
      const waiter: Waiter = {
        match,
        resolve: (f) => {
          clearTimeout(timer);
          resolve(f);
        },
      };
      const timer = setTimeout(() => {
        this.waiters.delete(waiter);
        reject(new Error(`no ${what} within ${timeoutMs} ms; frames so far:\n${this.frames.map((f) => JSON.stringify(f)).join('\n')}`));
      }, timeoutMs);
      this.waiters.add(waiter);
    });
  }

  /** Frames received so far that match. */
  all(match: (f: ServerFrame) => boolean): ServerFrame[] {
    return this.frames.filter(match);
  }

  /** Sends a frame without waiting for its answer; returns its requestId. */
  async send(body: ClientFrameBody & { actionId?: string }): Promise<string> {
    const requestId = `t${this.nextRequest++}`;
    const text = JSON.stringify({ requestId, ...body });
    await this.page.evaluate((t) => (window as unknown as { __sbAgent: WebSocket }).__sbAgent.send(t), text);
    return requestId;
  }

  /** Sends a frame and resolves with its answer (ack, agentState, pong); an error frame rejects. */
  async request(body: ClientFrameBody & { actionId?: string }, timeoutMs = 15_000): Promise<ServerFrame> {
    const requestId = await this.send(body);
    const answer = await this.waitFor((f) => f.requestId === requestId, `the answer to ${requestId} ${JSON.stringify(body)}`, timeoutMs);
    if (answer.error) throw new Error(`${JSON.stringify(body)} refused: ${JSON.stringify(answer.error)}`);
    return answer;
  }

  async close(): Promise<void> {
    await this.page.close();
  }
}

/** The event frames of one conversation. */
export function eventsOf(frames: ServerFrame[], conversationId: string) {
  return frames.flatMap((f) => (f.event && f.event.conversationId === conversationId ? [f.event] : []));
}
