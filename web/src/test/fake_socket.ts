// A stand-in for the browser's WebSocket in unit tests: records what the client sent, and lets
// the test play the server (open, welcome, frames, close). Used with vitest's fake timers.
import type { ClientFrame, ServerFrame } from '../lib/types';

export class FakeSocket {
  static all: FakeSocket[] = [];
  static last(): FakeSocket {
    const s = FakeSocket.all.at(-1);
    if (!s) throw new Error('no socket was opened');
    return s;
  }

  readyState = 0;
  sent: ClientFrame[] = [];
  closedWith: number | undefined;
  onmessage: ((e: { data: string }) => void) | null = null;
  onclose: ((e: { code: number }) => void) | null = null;
  onerror: (() => void) | null = null;

  constructor(
    readonly url: string,
    readonly protocols: string[],
  ) {
    FakeSocket.all.push(this);
  }

  send(data: string): void {
    if (this.readyState !== 1) throw new Error('send on a socket that is not open');
    this.sent.push(JSON.parse(data) as ClientFrame);
  }

  close(code = 1000): void {
    this.closedWith = code;
    this.readyState = 3;
  }

  // ---- the server's side ----

  /** The handshake succeeded and the welcome came. */
  welcome(heartbeatSeconds = 30): void {
    this.readyState = 1;
    this.push({ welcome: { sessionId: 's', role: 'customer', subject: 'v-1', heartbeatSeconds } });
  }

  push(frame: ServerFrame): void {
    this.onmessage?.({ data: JSON.stringify(frame) });
  }

  /** Answers the request sent `index`-th (negative: from the end) with `frame`. */
  answer(index: number, frame: Omit<ServerFrame, 'requestId'>): void {
    const request = this.sent.at(index);
    if (!request) throw new Error(`no request ${index}`);
    this.push({ requestId: request.requestId, ...frame });
  }

  /** The connection ends (the server closed it, or it died: 1006). */
  drop(code = 1006): void {
    this.readyState = 3;
    this.onclose?.({ code });
  }

  /** Requests other than pings. */
  requests(): ClientFrame[] {
    return this.sent.filter((f) => !f.ping);
  }
}
