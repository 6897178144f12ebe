// A WebSocket to /v1/ws that stays up: requests with a promise each, heartbeats that also measure
// the server's clock, and reconnects with a capped, jittered backoff. It owns the socket and the
// requests in flight; it does not know conversations: after each (re)connect it calls the app's
// `onConnected` hook, which re-joins what the app follows (`resume`), and only then re-sends the
// requests kept across the drop (those made with `resend: true`, which carry their own
// idempotency key), so the server sees them in that order.
import { Backoff } from './backoff';
import { ServerClock } from './clock';
import { ApiError } from './errors';
import { int } from './ids';
import type { ClientFrameBody, ServerFrame, Welcome } from './types';

export const subprotocol = 'switchboard.v1.json';

/** Close codes of docs/PROTOCOL.md the client acts on. */
export const closeCodes = {
  restarting: 1012,
  tokenExpired: 4001,
  signedOut: 4003,
  flooding: 4029,
  /** Ours: no pong in time, the connection is taken for dead. */
  noPong: 4000,
} as const;

export type ConnectionState =
  | { kind: 'idle' }
  | { kind: 'connecting'; attempt: number }
  | { kind: 'connected'; welcome: Welcome }
  | { kind: 'reconnecting'; retryAtMs: number; attempt: number; reason: ReconnectReason }
  | { kind: 'signed_out' };

export type ReconnectReason = 'closed' | 'unreachable' | 'restarting' | 'token_expired' | 'rate_limited';

/**
 * How the socket proves who it is. A token goes in `?access_token=` (the widget's visitor
 * token); `fresh` is true after the server said it expired (4001). Staff pages send nothing:
 * the browser sends the session cookie with the upgrade.
 */
export type Auth = { kind: 'cookie' } | { kind: 'token'; token: (fresh: boolean) => Promise<string> };

/** After a handshake failed: the browser hides the HTTP status, so the app finds out why. */
export type AuthVerdict = 'ok' | 'signed_out' | 'refresh';

export interface ConnectionOptions {
  /** ws:// or wss:// URL of /v1/ws (see `socketUrl`). */
  url: string;
  auth: Auth;
  /** Every frame that is not the answer to a request: events, offers, queue positions, boards. */
  onFrame?: (frame: ServerFrame) => void;
  onState?: (state: ConnectionState) => void;
  /** The resume hook: runs on every welcome, before kept requests are re-sent. */
  onConnected?: (welcome: Welcome) => void;
  /** Asked after a failed handshake (HTTP 401 looks like any drop to a browser). */
  checkAuth?: () => Promise<AuthVerdict>;
  backoff?: { initialMs: number; maxMs: number };
  /** An answer that takes longer fails the request with "timeout". */
  requestTimeoutMs?: number;
  /** Requests waiting for a connection, at most; beyond, "queue_full". */
  maxQueued?: number;
  /** Re-sends of one request refused with rate_limited or retry, at most. */
  maxRetries?: number;
  WebSocket?: WebSocketFactory;
  random?: () => number;
}

export type WebSocketFactory = new (url: string, protocols: string[]) => WebSocket;

export interface RequestOptions {
  /** Keep it across reconnects and send it again (only for frames that carry their own id). */
  resend?: boolean;
  /**
   * Send it again when refused with rate_limited or retry (the default). False: fail at once with
   * the refusal, for a request whose every attempt costs something (a code sent by SMS).
   */
  retryRefused?: boolean;
}

interface Pending {
  body: ClientFrameBody;
  resend: boolean;
  sentOn: number; // the socket generation it was last sent on; 0 = waiting to be sent
  retries: number;
  retryRefused: boolean;
  timer?: ReturnType<typeof setTimeout>;
  resolve: (frame: ServerFrame) => void;
  reject: (error: ApiError) => void;
}

const defaults = { initialMs: 500, maxMs: 30_000, requestTimeoutMs: 30_000, maxQueued: 500, maxRetries: 8 };
const minFloodWaitMs = 5_000;
/** A connection that lasted this long worked: the next drop starts the backoff from its start. */
const stableAfterMs = 10_000;

/** The /v1/ws URL of a server given by its http(s) origin or base URL. */
export function socketUrl(server: string, query = ''): string {
  const url = new URL(`/v1/ws${query ? `?${query}` : ''}`, server);
  url.protocol = url.protocol === 'https:' ? 'wss:' : 'ws:';
  return url.toString();
}

export class Connection {
  readonly clock = new ServerClock();
  private state_: ConnectionState = { kind: 'idle' };
  private ws_: WebSocket | undefined;
  private generation_ = 0;
  private welcomed_ = false;
  private welcomedAt_ = 0;
  private freshToken_ = false;
  private nextId_ = 1;
  private readonly pending_ = new Map<string, Pending>();
  private readonly backoff_: Backoff;
  private retryTimer_: ReturnType<typeof setTimeout> | undefined;
  private heartbeat_: ReturnType<typeof setInterval> | undefined;
  private lastPongAt_ = 0;
  private readonly onOnline_ = () => this.reconnectNow();

  constructor(private readonly options: ConnectionOptions) {
    this.backoff_ = new Backoff({
      initialMs: options.backoff?.initialMs ?? defaults.initialMs,
      maxMs: options.backoff?.maxMs ?? defaults.maxMs,
      random: options.random,
    });
  }

  get state(): ConnectionState {
    return this.state_;
  }

  /** Connects, and keeps connecting until `stop()` or a sign-out. */
  start(): void {
    if (this.state_.kind !== 'idle' && this.state_.kind !== 'signed_out') return;
    globalThis.addEventListener?.('online', this.onOnline_);
    void this.open();
  }

  /** Closes for good: pending requests fail with "closed". */
  stop(): void {
    globalThis.removeEventListener?.('online', this.onOnline_);
    this.clearRetry();
    this.detach(1000, 'bye');
    this.failAll(new ApiError('closed', 'the connection was closed'));
    this.setState({ kind: 'idle' });
  }

  /** Skips the rest of a reconnect wait ("Retry now", or the browser went online). */
  reconnectNow(): void {
    if (this.state_.kind !== 'reconnecting') return;
    this.clearRetry();
    void this.open();
  }

  /**
   * Sends a frame and resolves with its answer (an `ack`, or `pong`, `agentState`...), or rejects
   * with an ApiError: the server's `error`, or "disconnected" (the socket dropped before the
   * answer), "not_connected", "timeout", "queue_full", "signed_out", "closed". Refusals the server
   * marks retryable (rate_limited, retry) are sent again after a wait, up to `maxRetries` times
   * (unless `retryRefused` is false).
   */
  request(body: ClientFrameBody, options: RequestOptions = {}): Promise<ServerFrame> {
    const resend = options.resend ?? false;
    if (this.state_.kind !== 'connected' && !resend) {
      return Promise.reject(new ApiError('not_connected', 'not connected', { retry: true }));
    }
    if (this.unsentCount() >= (this.options.maxQueued ?? defaults.maxQueued)) {
      return Promise.reject(new ApiError('queue_full', 'too many requests waiting for a connection'));
    }
    return new Promise((resolve, reject) => {
      const id = `r${this.nextId_++}`;
      this.pending_.set(id, { body, resend, sentOn: 0, retries: 0, retryRefused: options.retryRefused ?? true, resolve, reject });
      if (this.state_.kind === 'connected') this.transmit(id);
    });
  }

  /** Sends a frame whose answer does not matter (typing); failures are ignored. */
  notify(body: ClientFrameBody): void {
    this.request(body).catch(() => undefined);
  }

  // ---- the socket ------------------------------------------------------------------------------

  private async open(): Promise<void> {
    const generation = ++this.generation_;
    this.setState({ kind: 'connecting', attempt: this.backoff_.attempts });
    let url = this.options.url;
    try {
      if (this.options.auth.kind === 'token') {
        const token = await this.options.auth.token(this.freshToken_);
        url += (url.includes('?') ? '&' : '?') + 'access_token=' + encodeURIComponent(token);
      }
    } catch {
      if (generation === this.generation_) this.scheduleReconnect('unreachable');
      return;
    }
    if (generation !== this.generation_) return; // stopped, or another attempt started meanwhile
    const Factory = this.options.WebSocket ?? WebSocket;
    const ws = new Factory(url, [subprotocol]);
    this.ws_ = ws;
    this.welcomed_ = false;
    ws.onmessage = (e) => this.onMessage(e.data);
    ws.onclose = (e) => this.onClose(e.code);
    ws.onerror = () => undefined; // a close event follows
  }

  private onMessage(data: unknown): void {
    let frame: ServerFrame;
    try {
      frame = JSON.parse(String(data)) as ServerFrame;
    } catch {
      return; // not ours to fix: the server sends JSON on this subprotocol
    }
    if (frame.welcome) return this.onWelcome(frame.welcome);
    const pending = frame.requestId ? this.pending_.get(frame.requestId) : undefined;
    if (!pending || !frame.requestId) {
      this.options.onFrame?.(frame);
      return;
    }
    if (frame.error) return this.onRefused(frame.requestId, pending, ApiError.fromFrame(frame.error));
    this.settle(frame.requestId);
    if (frame.pong) this.onPong(frame);
    pending.resolve(frame);
    if (!frame.ack && !frame.pong) this.options.onFrame?.(frame);
  }

  private onWelcome(welcome: Welcome): void {
    this.welcomed_ = true;
    this.welcomedAt_ = Date.now();
    this.freshToken_ = false;
    this.setState({ kind: 'connected', welcome });
    this.startHeartbeat(welcome.heartbeatSeconds ?? 30);
    this.options.onConnected?.(welcome);
    for (const [id, p] of this.pending_) if (p.sentOn === 0 && !p.timer) this.transmit(id);
  }

  private onClose(code: number): void {
    if (this.welcomed_ && Date.now() - this.welcomedAt_ > stableAfterMs) this.backoff_.reset();
    this.detach();
    const generation = this.generation_;
    if (code === closeCodes.signedOut) return this.signOut();
    if (code === closeCodes.tokenExpired) {
      this.freshToken_ = true;
      return this.scheduleReconnect('token_expired', 0);
    }
    if (!this.welcomed_ && this.options.checkAuth) {
      void this.options.checkAuth().then(
        (verdict) => generation === this.generation_ && this.afterFailedHandshake(verdict),
        () => generation === this.generation_ && this.scheduleReconnect('unreachable'),
      );
      return;
    }
    if (code === closeCodes.flooding) return this.scheduleReconnect('rate_limited', minFloodWaitMs);
    this.scheduleReconnect(code === closeCodes.restarting ? 'restarting' : this.welcomed_ ? 'closed' : 'unreachable');
  }

  private afterFailedHandshake(verdict: AuthVerdict): void {
    if (verdict === 'signed_out') return this.signOut();
    if (verdict === 'refresh') this.freshToken_ = true;
    this.scheduleReconnect('unreachable');
  }

  private signOut(): void {
    this.clearRetry();
    this.failAll(new ApiError('signed_out', 'signed out'));
    this.setState({ kind: 'signed_out' });
  }

  /** Forgets the socket (closing it if still open); requests sent on it lose their answer. */
  private detach(code = closeCodes.noPong as number, reason = 'no pong'): void {
    this.stopHeartbeat();
    const ws = this.ws_;
    this.ws_ = undefined;
    if (ws) {
      ws.onmessage = ws.onclose = ws.onerror = null;
      if (ws.readyState === 0 || ws.readyState === 1) ws.close(code, reason);
    }
    this.generation_ += 1;
    for (const [id, p] of this.pending_) {
      if (p.sentOn === 0) continue;
      this.clearTimer(p);
      if (p.resend) p.sentOn = 0;
      else this.fail(id, p, new ApiError('disconnected', 'the connection dropped before the answer', { retry: true }));
    }
  }

  private scheduleReconnect(reason: ReconnectReason, minDelayMs = 0): void {
    this.clearRetry();
    const delay = reason === 'token_expired' ? 0 : Math.max(minDelayMs, this.backoff_.next());
    this.setState({ kind: 'reconnecting', retryAtMs: Date.now() + delay, attempt: this.backoff_.attempts, reason });
    this.retryTimer_ = setTimeout(() => {
      this.retryTimer_ = undefined;
      void this.open();
    }, delay);
  }

  private clearRetry(): void {
    if (this.retryTimer_ !== undefined) clearTimeout(this.retryTimer_);
    this.retryTimer_ = undefined;
  }

  // ---- requests --------------------------------------------------------------------------------

  private transmit(id: string): void {
    const p = this.pending_.get(id);
    const ws = this.ws_;
    if (!p || !ws || this.state_.kind !== 'connected') return;
    p.sentOn = this.generation_;
    ws.send(JSON.stringify({ requestId: id, ...p.body }));
    const timeoutMs = this.options.requestTimeoutMs ?? defaults.requestTimeoutMs;
    p.timer = setTimeout(() => this.fail(id, p, new ApiError('timeout', 'no answer from the server')), timeoutMs);
  }

  /** A refusal: sent again after a wait when the server says so, else the request fails. */
  private onRefused(id: string, p: Pending, error: ApiError): void {
    this.clearTimer(p);
    if (!error.retry || !p.retryRefused || p.retries >= (this.options.maxRetries ?? defaults.maxRetries)) return this.fail(id, p, error);
    p.retries += 1;
    p.sentOn = 0;
    const wait = error.retryAfterMs || Math.min(10_000, 250 * 2 ** p.retries);
    p.timer = setTimeout(() => {
      p.timer = undefined;
      this.transmit(id);
    }, wait);
  }

  private settle(id: string): void {
    const p = this.pending_.get(id);
    if (p) this.clearTimer(p);
    this.pending_.delete(id);
  }

  private fail(id: string, p: Pending, error: ApiError): void {
    this.settle(id);
    p.reject(error);
  }

  private failAll(error: ApiError): void {
    for (const [id, p] of [...this.pending_]) this.fail(id, p, error);
  }

  private clearTimer(p: Pending): void {
    if (p.timer !== undefined) clearTimeout(p.timer);
    p.timer = undefined;
  }

  private unsentCount(): number {
    let n = 0;
    for (const p of this.pending_.values()) if (p.sentOn === 0) n += 1;
    return n;
  }

  // ---- heartbeat -------------------------------------------------------------------------------

  /** A ping now (for the clock) and every `seconds`; a pong missing for two rounds drops the socket. */
  private startHeartbeat(seconds: number): void {
    const periodMs = Math.max(1, seconds) * 1000;
    this.lastPongAt_ = Date.now();
    this.ping();
    this.heartbeat_ = setInterval(() => {
      if (Date.now() - this.lastPongAt_ > 2 * periodMs) {
        this.detach();
        this.scheduleReconnect('closed');
        return;
      }
      this.ping();
    }, periodMs);
  }

  private stopHeartbeat(): void {
    if (this.heartbeat_ !== undefined) clearInterval(this.heartbeat_);
    this.heartbeat_ = undefined;
  }

  private ping(): void {
    this.notify({ ping: { clientTimeMs: String(Date.now()) } });
  }

  private onPong(frame: ServerFrame): void {
    this.lastPongAt_ = Date.now();
    const sent = int(frame.pong?.clientTimeMs);
    const server = int(frame.pong?.serverTimeMs);
    if (sent > 0 && server > 0) this.clock.observe(sent, server, this.lastPongAt_);
  }

  private setState(state: ConnectionState): void {
    this.state_ = state;
    this.options.onState?.(state);
  }
}

/** A connection state in words, for a status line ("Connected", "Reconnecting in 4 s…"). */
export function connectionWords(state: ConnectionState, now: number): string {
  switch (state.kind) {
    case 'connected':
      return 'Connected';
    case 'connecting':
      return 'Connecting…';
    case 'reconnecting': {
      if (state.reason === 'token_expired') return 'Session renewed, reconnecting…';
      const s = Math.ceil((state.retryAtMs - now) / 1000);
      return s > 0 ? `Connection lost. Reconnecting in ${s} s…` : 'Reconnecting…';
    }
    case 'signed_out':
      return 'Signed out';
    case 'idle':
      return 'Not connected';
  }
}
