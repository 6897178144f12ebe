// The widget's chat, without any UI: one customer, one current conversation. It owns the
// connection (visitor token auth), the conversation's event log, the outbox of the customer's
// messages (kept in localStorage), typing both ways, read receipts, the queue position, and what
// survives a reload (widget_storage.ts). The UI renders `snapshot` and calls the actions.
import { Connection, type ConnectionState, socketUrl, type WebSocketFactory } from '../lib/connection';
import { ConversationLog, type LoggedEvent } from '../lib/conversation_log';
import { ApiError, isApiError } from '../lib/errors';
import { int } from '../lib/ids';
import { Outbox, type OutboxItem } from '../lib/outbox';
import { TypingSender, TypingTracker } from '../lib/typing';
import type { Ack, ClientFrameBody, CustomerDetails, Event, QueuePosition, ServerFrame } from '../lib/types';
import { noneUnavailable, type ProofKind, type ProofUnavailable } from './identity';
import { agentName, conversationStatus } from './transcript';
import { VisitorTokens } from './visitor';
import type { WidgetStorage } from './widget_storage';

export interface ChatSnapshot {
  connection: ConnectionState;
  conversationId: string;
  events: readonly LoggedEvent[];
  /** Events of conversations before the current one (this page's life only). */
  earlier: readonly LoggedEvent[];
  outbox: readonly OutboxItem[];
  queue: QueuePosition | null;
  /** Staff typing now, as the customer sees them (names: agentName). */
  typing: string[];
  /** The highest seq staff said they read (their read receipts). */
  readByStaff: number;
  /** The highest seq of a reply the customer has seen (the panel was open). */
  seenUpTo: number;
  left: boolean;
  /** The last thing that went wrong, in words; cleared by the next success. */
  notice: string;
  /** The kinds of proof this server sends no codes for (it said `not_available`): no SMS account, no mail relay. */
  proofUnavailable: ProofUnavailable;
}

export interface ChatOptions {
  server: string;
  topic: string;
  storage: WidgetStorage;
  WebSocket?: WebSocketFactory;
}

export class Chat {
  private readonly conn: Connection;
  private readonly tokens: VisitorTokens;
  private readonly outbox: Outbox;
  private readonly typingOut: TypingSender;
  private readonly typingIn = new TypingTracker();
  /** Staff names from their typing events and messages, by id. */
  private readonly names = new Map<string, string>();
  private log: ConversationLog;
  private earlier: LoggedEvent[] = [];
  private queue: QueuePosition | null = null;
  private readonly self = new Set<string>();
  private readonly ownReadSeqs = new Set<number>();
  private left = false;
  private readSent = 0;
  private notice = '';
  private proofUnavailable: ProofUnavailable = noneUnavailable;
  private started = false;
  private listeners = new Set<() => void>();
  private typingTimer: ReturnType<typeof setTimeout> | undefined;

  constructor(private readonly options: ChatOptions) {
    const saved = options.storage.conversation();
    this.log = new ConversationLog(saved?.conversationId ?? '');
    this.left = saved?.left ?? false;
    this.readSent = saved?.readUpTo ?? 0;
    this.tokens = new VisitorTokens(options.server, options.storage, () => this.forgetConversation());
    this.conn = new Connection({
      url: socketUrl(options.server),
      auth: { kind: 'token', token: (fresh) => this.tokens.token(fresh) },
      checkAuth: async () => (this.tokens.valid() ? 'ok' : 'refresh'),
      onConnected: () => this.resume(),
      onFrame: (f) => this.onFrame(f),
      onState: () => this.changed(),
      WebSocket: options.WebSocket,
    });
    this.outbox = new Outbox({
      send: (body) => this.conn.request(body, { resend: true }),
      storage: options.storage.outbox(),
      onChange: () => this.changed(),
      onAck: (item, ack) => this.onAck(item, ack),
    });
    this.typingOut = new TypingSender({
      send: (active) => this.log.conversationId && this.conn.notify({ typing: { conversationId: this.log.conversationId, active } }),
    });
    this.outbox.restore();
  }

  /** Whether there is anything to pick up (a conversation, or messages on their way). */
  get hasConversation(): boolean {
    return !!this.log.conversationId || this.outbox.items.length > 0;
  }

  get clock() {
    return this.conn.clock;
  }

  /** Connects (idempotent): when the panel opens, or at load when there is a conversation. */
  connect(): void {
    if (this.started) return;
    this.started = true;
    this.conn.start();
  }

  reconnectNow(): void {
    this.conn.reconnectNow();
  }

  subscribe(listener: () => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  get snapshot(): ChatSnapshot {
    return {
      connection: this.conn.state,
      conversationId: this.log.conversationId,
      events: this.log.events,
      earlier: this.earlier,
      outbox: this.outbox.items,
      queue: this.queue,
      typing: this.typingIn.typing().filter((who) => !this.self.has(who)).map((who) => agentName(who, this.names.get(who))),
      readByStaff: this.log.readByOthers(this.self),
      seenUpTo: this.readSent,
      left: this.left,
      notice: this.notice,
      proofUnavailable: this.proofUnavailable,
    };
  }

  // ---- the customer's actions ------------------------------------------------------------------

  /** Sends a message: the first of a conversation (or after it was resolved) opens one. */
  send(text: string, customer?: CustomerDetails): void {
    const body = text.trim();
    if (!body) return;
    this.connect();
    this.typingOut.stop();
    this.left = false;
    this.save();
    const conversationId = this.log.conversationId;
    const open = !conversationId || conversationStatus(this.log.events, []).resolved;
    const pendingOpen = this.outbox.items.some((i) => i.body.openConversation);
    try {
      this.outbox.add(body, (clientMessageId): ClientFrameBody => {
        const message = { body, clientMessageId };
        if (open && !pendingOpen) {
          return { openConversation: { topic: this.options.topic, firstMessage: message, ...(customer ? { customer } : {}) } };
        }
        // Behind an open still on its way, "the customer's open conversation" is that one.
        return { sendMessage: { conversationId: pendingOpen ? '' : conversationId, message } };
      });
      this.notice = '';
    } catch (e) {
      this.notice = describe(e);
    }
    this.changed();
  }

  retry(clientMessageId: string): void {
    this.outbox.retry(clientMessageId);
  }

  discard(clientMessageId: string): void {
    this.outbox.discard(clientMessageId);
  }

  keystroke(): void {
    this.typingOut.keystroke();
  }

  /** The customer has seen everything up to the log's end (panel open, page visible). */
  markRead(): void {
    const id = this.log.conversationId;
    let upTo = 0;
    for (const e of this.log.events) if (!e.local && e.message?.direction === 'DIRECTION_OUTBOUND') upTo = int(e.seq);
    if (!id || upTo <= this.readSent) return;
    this.readSent = upTo;
    this.save();
    this.changed();
    if (this.conn.state.kind !== 'connected') return; // the badge is cleared; the receipt is a courtesy
    this.conn.request({ read: { conversationId: id, upToSeq: String(upTo) } }).then(
      (f) => this.ownReadSeqs.add(int(f.ack?.seq)),
      () => undefined, // a receipt is a courtesy: not worth an error line
    );
  }

  /** "End chat": the customer stops waiting (a held conversation carries on for the agent). */
  async leave(): Promise<void> {
    const id = this.log.conversationId;
    this.typingOut.stop();
    this.left = true;
    this.queue = null;
    this.save();
    this.changed();
    if (!id) return;
    await this.conn.request({ leave: { conversationId: id } }).catch((e: unknown) => this.fail(e));
  }

  /** CSAT for the resolved conversation; rejects with the reason when refused. */
  async rate(score: number, comment: string): Promise<void> {
    const id = this.log.conversationId;
    if (!id) return;
    await this.conn.request({ rate: { conversationId: id, score, ...(comment.trim() ? { comment: comment.trim() } : {}) } });
  }

  /**
   * "Confirm your phone number" / "Confirm your email address": a six-digit code goes to `address`
   * by SMS or by mail. Resolves once sent; rejects with the refusal, never sent again by itself
   * (each attempt counts against the hour's). `not_available` is remembered for that kind only.
   */
  async proveIdentity(address: string, kind: ProofKind): Promise<void> {
    const conversationId = this.currentId();
    const value = address.trim();
    const body: ClientFrameBody = kind === 'email'
      ? { proveIdentity: { conversationId, email: value } }
      : { proveIdentity: { conversationId, phone: value } };
    try {
      await this.conn.request(body, { retryRefused: false });
    } catch (e) {
      if (isApiError(e, 'not_available') && !this.proofUnavailable[kind]) {
        this.proofUnavailable = { ...this.proofUnavailable, [kind]: true };
        this.changed();
      }
      throw e;
    }
  }

  /** The code the customer received: the `identityProved` event follows (live). */
  async confirmIdentity(code: string): Promise<void> {
    await this.conn.request({ confirmIdentity: { conversationId: this.currentId(), code } }, { retryRefused: false });
  }

  private currentId(): string {
    const id = this.log.conversationId;
    if (!id) throw new ApiError('not_found', 'no conversation yet');
    return id;
  }

  // ---- the server's side -----------------------------------------------------------------------

  /** The resume hook: after every (re)connect, bring the conversation up to date. */
  private resume(): void {
    const id = this.log.conversationId;
    this.notice = '';
    if (!id) return;
    this.conn.request({ resume: { conversationId: id, afterSeq: String(this.log.lastSeq) } }).catch((e: unknown) => {
      if (isApiError(e, 'not_found')) this.forgetConversation();
      else if (!isApiError(e, 'disconnected')) this.fail(e);
    });
  }

  private onFrame(frame: ServerFrame): void {
    if (frame.event) this.onEvent(frame.event);
    else if (frame.queuePosition && frame.queuePosition.conversationId === this.log.conversationId) this.queue = frame.queuePosition;
    else if (frame.historyGap && frame.historyGap.conversationId === this.log.conversationId) this.log = new ConversationLog(this.log.conversationId);
    else return;
    this.changed();
  }

  private onEvent(event: Event): void {
    if (event.conversationId !== this.log.conversationId) return;
    if (event.typing) {
      if (event.typing.who && event.typing.name) this.names.set(event.typing.who, event.typing.name);
      return this.onTyping(event.typing.who ?? '', event.typing.active ?? false);
    }
    if (event.message?.direction === 'DIRECTION_INBOUND' && event.actor) this.self.add(event.actor);
    if (event.read && this.ownReadSeqs.has(int(event.seq)) && event.read.who) this.self.add(event.read.who);
    if (!this.log.add(event)) return;
    if (event.message?.direction === 'DIRECTION_OUTBOUND') {
      this.queue = null;
      const author = event.message.authorId ?? event.actor ?? '';
      if (author && event.message.authorName) this.names.set(author, event.message.authorName);
      this.typingIn.update(author, false);
    }
    if (event.statusChange) this.queue = null;
  }

  private onTyping(who: string, active: boolean): void {
    this.typingIn.update(who, active);
    if (active && !this.self.has(who)) this.queue = null; // someone took it
    // Re-render when the indicator would expire without a stop frame.
    if (this.typingTimer !== undefined) clearTimeout(this.typingTimer);
    this.typingTimer = setTimeout(() => this.changed(), 8100);
  }

  private onAck(item: OutboxItem, ack: Ack): void {
    const id = ack.conversationId ?? '';
    const seq = int(ack.seq);
    if (id && id !== this.log.conversationId) this.switchTo(id);
    const message = item.body.openConversation?.firstMessage ?? item.body.sendMessage?.message;
    if (message && seq > 0) {
      this.log.addLocal({ conversationId: id, seq: String(seq), atMs: String(Date.now()), message: { ...message, direction: 'DIRECTION_INBOUND' } });
    }
    this.notice = '';
    this.changed();
  }

  /** A conversation (new, or after another) is now current: keep the old lines on screen. */
  private switchTo(conversationId: string): void {
    this.earlier = [...this.earlier, ...this.log.events];
    this.log = new ConversationLog(conversationId);
    this.readSent = 0;
    this.queue = null;
    this.save();
    // The first ack joins the conversation after the customer's own message; a resume fetches
    // that message's event too, and with it the customer's id (its actor).
    this.resume();
  }

  private forgetConversation(): void {
    if (!this.log.conversationId) return;
    this.earlier = [...this.earlier, ...this.log.events];
    this.log = new ConversationLog('');
    this.queue = null;
    this.left = false;
    this.readSent = 0;
    this.save();
    this.changed();
  }

  private fail(e: unknown): void {
    this.notice = describe(e);
    this.changed();
  }

  private save(): void {
    const id = this.log.conversationId;
    this.options.storage.setConversation(id ? { conversationId: id, left: this.left, readUpTo: this.readSent } : null);
  }

  private changed(): void {
    for (const l of this.listeners) l();
  }
}

/** An error in the customer's words. */
export function describe(e: unknown): string {
  if (!(e instanceof ApiError)) return 'Something went wrong. Please try again.';
  switch (e.code) {
    case 'frame_too_large':
      return 'That message is too long.';
    case 'rate_limited':
      return 'You are sending messages very fast. Wait a moment.';
    case 'not_found':
      return 'This conversation is no longer available.';
    case 'not_resolved':
      return 'You can rate the chat once it has ended.';
    case 'outbox_full':
      return 'Too many messages are waiting to be sent.';
    default:
      return e.message || 'Something went wrong. Please try again.';
  }
}
