// The desk without its UI: the agent's status, the offers with their deadlines, the conversations
// the desk follows (from agentState after each (re)connect, and from accepted offers), the
// replies and notes on their way (an Outbox: re-sent with the same ids after a drop), and every
// agent action. The console's lead desk extends it (lead_workspace.ts). Views subscribe and render
// `Conv`s by their version.
import type { Connection } from '../lib/connection';
import { ConversationLog } from '../lib/conversation_log';
import { isApiError } from '../lib/errors';
import { int, randomId } from '../lib/ids';
import { Outbox, type OutboxItem, storageOutbox } from '../lib/outbox';
import type { RestClient } from '../lib/rest';
import type { Ack, AgentState, AgentStatus, ClientFrameBody, Event, Message, OfferNotice, ServerFrame, StaffSession, TimelinePage } from '../lib/types';
import { type AgentInfo, type CannedReply, type ConversationPage, type QueueInfo, setStatusFrame, type TimelineRest, type WhatsAppTemplate } from './api';
import { Conv, type ConvRole } from './conv';
import { CustomerDirectory } from './customers';
import { errorWords, messagePreview, personName } from './format';
import { closingWords, outboxConversation, summarize } from './timeline';

/** What the page does to get attention (sound, browser notification); nothing in tests. */
export interface Alerts {
  offer(offer: Offer): void;
  message(title: string, body: string): void;
}

export interface Offer extends OfferNotice {
  conversationId: string;
  /** Server time (ms) the offer expires at. */
  expiresAt: number;
  /** Server time (ms) it arrived (the countdown bar's full length). */
  receivedAt: number;
  /** For an escalation: who sent it up and why (read from the conversation). */
  escalation?: { agentId: string; reason: string };
  answering?: boolean;
}

export interface WorkspaceOptions {
  conn: Connection;
  rest: RestClient;
  session: StaffSession;
  /** Where unsent replies survive a reload (localStorage). */
  storage?: Pick<Storage, 'getItem' | 'setItem' | 'removeItem'>;
  alerts?: Alerts;
}

/** How long a notice ("The offer expired.") stays. */
const noticeMs = 8000;
/** After an offer's deadline, how long it stays before it is dropped without the server's word. */
const offerGraceMs = 1500;

export class Workspace {
  status: AgentState = {};
  statusError = '';
  readonly offers = new Map<string, Offer>();
  readonly convs = new Map<string, Conv>();
  readonly outbox: Outbox;
  /** The latest thing worth telling ("The offer timed out"), with when. */
  notice: { text: string; atMs: number } | null = null;
  queues: QueueInfo[] = [];
  agents: AgentInfo[] = [];
  canned: CannedReply[] = [];
  templates: WhatsAppTemplate[] = []; // WhatsApp's: what may go once a customer's 24-hour window closed
  /**
   * The latest conversation this desk accepted, to bring to the front: a request a view acts on
   * once per `n` (an `accepting` flag can come and go between two redraws).
   */
  front: { id: string; n: number } | null = null;
  /** This agent's replies go to a lead first. */
  trainee = false;
  private profileAsked = false;
  readonly names = new Map<string, string>();
  readonly self: string;
  readonly customers: CustomerDirectory;
  version = 0;
  protected readonly conn: Connection;
  readonly rest: RestClient;
  protected generation = 0;
  private readonly listeners = new Set<() => void>();
  private readonly offerTimers = new Map<string, ReturnType<typeof setTimeout>>();

  constructor(protected readonly options: WorkspaceOptions) {
    this.conn = options.conn;
    this.rest = options.rest;
    this.self = options.session.user;
    this.names.set(this.self, options.session.displayName || personName(this.self));
    this.customers = new CustomerDirectory(options.rest, () => this.changed());
    this.outbox = new Outbox({
      send: (body) => this.conn.request(body, { resend: true }),
      storage: options.storage && storageOutbox(options.storage, `sb.staff.outbox.${this.self}`),
      onChange: (items) => this.outboxChanged(items),
      onAck: (item, ack) => this.echo(item, ack),
    });
  }

  /** Sends replies kept from the last page load (once connected, after the resumes). */
  start(): void {
    this.outbox.restore();
  }

  subscribe(listener: () => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** The server's clock (offer deadlines are server times). */
  get clock() {
    return this.conn.clock;
  }

  get session(): StaffSession {
    return this.options.session;
  }

  name(id: string): string {
    return personName(id, this.names);
  }

  /** Conversations in list order: active ones first (oldest first), then closed ones. */
  list(): Conv[] {
    const all = [...this.convs.values()];
    return [...all.filter((c) => c.active), ...all.filter((c) => !c.active)];
  }

  outboxFor(conversationId: string): OutboxItem[] {
    return this.outbox.items.filter((i) => outboxConversation(i) === conversationId);
  }

  /** The queue's dispositions, its first the default; "solved" when it lists none. */
  dispositions(conv: Conv): string[] {
    const list = this.queues.find((q) => q.name === conv.queue)?.dispositions ?? [];
    return list.length ? list : ['solved'];
  }

  // ---- the connection's hooks ------------------------------------------------------------------

  /** After every (re)connect: bring each followed conversation up to date. */
  onConnected(): void {
    // Queues, agents and canned replies: read once, at the first connection. The agent's own
    // profile waits for the first agentState (the desk is registered then, and a profile exists
    // from an agent's first registration on).
    if (this.generation === 0) void this.loadReference();
    this.generation += 1;
    for (const conv of this.convs.values()) if (conv.active) this.resume(conv);
  }

  onFrame(frame: ServerFrame): void {
    if (frame.agentState) this.onAgentState(frame.agentState, !frame.requestId);
    else if (frame.offer) this.onOffer(frame.offer);
    else if (frame.event) this.onEvent(frame.event);
    else if (frame.timeline) this.onTimeline(frame.timeline);
    else if (frame.historyGap) this.onHistoryGap(frame.historyGap.conversationId ?? '');
    else return;
    this.changed();
  }

  /** `pushed`: the server changed it (not the answer to our setStatus), e.g. too many missed offers. */
  protected onAgentState(state: AgentState, pushed = false): void {
    const { conversations, ...rest } = state;
    if (!this.profileAsked) {
      this.profileAsked = true;
      void this.loadProfile();
    }
    const was = this.status.status;
    this.status = rest;
    if (rest.status && rest.status !== 'AVAILABLE') {
      // Away or offline: the server declined what was offered (docs/PROTOCOL.md, setStatus).
      const offered = new Set((conversations ?? []).filter((c) => c.state === 'OFFERED').map((c) => c.conversationId ?? ''));
      for (const id of [...this.offers.keys()]) if (!offered.has(id)) this.dropOffer(id, '');
    }
    if (pushed && was && was !== rest.status && rest.status === 'AWAY') this.tell(`You were set away${rest.reason ? `: ${rest.reason}` : ''}.`);
    for (const c of conversations ?? []) {
      const id = c.conversationId ?? '';
      if (!id) continue;
      if (c.state === 'OFFERED') {
        if (!this.offers.has(id)) this.onOffer({ conversationId: id, expiresAtMs: c.offerExpiresAtMs, queue: c.queue, channel: c.channel });
        continue;
      }
      const conv = this.follow(id, 'owner');
      if (!conv.active && conv.role === 'owner') conv.closed = null;
      conv.customerId ||= c.customerId ?? '';
      conv.queue ||= c.queue ?? '';
      conv.channel ||= c.channel ?? '';
      if (conv.resumedOn !== this.generation) this.resume(conv);
      this.whenCustomerKnown(conv);
    }
  }

  private onOffer(o: OfferNotice): void {
    const id = o.conversationId ?? '';
    if (!id) return;
    const known = this.offers.get(id);
    const offer: Offer = { ...known, ...o, conversationId: id, expiresAt: int(o.expiresAtMs), receivedAt: known?.receivedAt ?? this.conn.clock.now() };
    const fresh = !known;
    this.offers.set(id, offer);
    const left = Math.max(0, offer.expiresAt - this.conn.clock.now()) + offerGraceMs;
    clearTimeout(this.offerTimers.get(id));
    this.offerTimers.set(id, setTimeout(() => this.dropOffer(id, 'The offer expired.'), left));
    if (!fresh) return;
    this.options.alerts?.offer(offer);
    if (offer.queue?.startsWith('escalations-')) void this.readEscalation(offer);
  }

  /** An escalation offer says why: the latest `escalation` event of the conversation. */
  private async readEscalation(offer: Offer): Promise<void> {
    try {
      const page = await this.rest.get<{ events?: Event[] }>(`/v1/conversations/${encodeURIComponent(offer.conversationId)}?after_seq=0&limit=1000`);
      const last = [...(page.events ?? [])].reverse().find((e) => e.escalation)?.escalation;
      if (!last) return;
      offer.escalation = { agentId: last.agentId ?? '', reason: last.reason ?? '' };
      this.changed();
    } catch {
      // the card shows the customer's message; the reason shows once accepted
    }
  }

  protected dropOffer(id: string, why: string): void {
    clearTimeout(this.offerTimers.get(id));
    this.offerTimers.delete(id);
    if (!this.offers.delete(id)) return;
    if (why) this.tell(why);
    this.changed();
  }

  protected onEvent(e: Event): void {
    const id = e.conversationId ?? '';
    if (e.offerOutcome && int(e.seq) === 0) {
      const o = e.offerOutcome.outcome;
      this.dropOffer(id, o === 'TIMED_OUT' ? 'An offer timed out and went to someone else.' : '');
      return;
    }
    const conv = this.convs.get(id);
    if (!conv) return;
    if (e.typing) {
      if (e.typing.who && e.typing.who !== this.self) conv.typing.update(e.typing.who, e.typing.active ?? false);
      conv.touch();
      return;
    }
    if (!conv.log.add(e)) return;
    conv.learnCustomer();
    if (e.message?.direction === 'DIRECTION_INBOUND') {
      conv.typing.update(e.actor ?? '', false);
      if (int(e.seq) > conv.seenSeq && conv.active && conv.role === 'owner') this.options.alerts?.message(conv.title, messagePreview(e.message));
    }
    // Replayed from the start (a reload), a reopened conversation was closed before: taking it
    // again (an accept, a takeover) makes it this desk's once more.
    const mine = (e.offerOutcome?.outcome === 'ACCEPTED' && e.offerOutcome.agentId === this.self) || e.takeover?.leadId === this.self;
    if (mine) {
      conv.role = 'owner';
      conv.closed = null;
    }
    const closing = conv.active ? closingWords(e, this.self, conv.role, (x) => this.name(x)) : null;
    if (closing) this.close(conv, closing);
    conv.touch();
  }

  private onTimeline(page: TimelinePage): void {
    const events = page.events ?? [];
    const ids = new Set(events.map((e) => e.conversationId));
    const conv =
      [...this.convs.values()].find((c) => c.accepting && ids.has(c.id)) ??
      [...this.convs.values()].find((c) => c.accepting) ??
      [...this.convs.values()].find((c) => ids.has(c.id));
    if (!conv) return;
    conv.customerId ||= page.customerId ?? '';
    conv.addTimeline(events);
    conv.historyNext = page.nextAfter ?? '';
    conv.historyState = 'idle';
    conv.historyLoaded = true;
    conv.touch();
    this.whenCustomerKnown(conv, true);
    if (conv.historyNext) void this.loadHistory(conv.id);
  }

  /** More was missed than a resume replays: the replay that follows is the latest events only. */
  private onHistoryGap(id: string): void {
    const conv = this.convs.get(id);
    if (!conv) return;
    conv.log = new ConversationLog(id);
    conv.touch();
  }

  /** Reads the 1,000 events of the conversation before the earliest one held (REST). */
  async loadEarlier(id: string): Promise<void> {
    const conv = this.convs.get(id);
    const first = conv?.log.firstSeq ?? 0;
    if (!conv || first <= 1 || conv.earlierState === 'loading') return;
    conv.earlierState = 'loading';
    conv.touch();
    this.changed();
    try {
      const after = Math.max(0, first - 1 - 1000);
      const page = await this.rest.get<ConversationPage>(`/v1/conversations/${encodeURIComponent(id)}?after_seq=${after}&limit=${first - 1 - after}`);
      conv.log.addEarlier((page.events ?? []).filter((e) => int(e.seq) < first));
      conv.earlierState = 'idle';
    } catch {
      conv.earlierState = 'error';
    }
    conv.touch();
    this.changed();
  }

  // ---- following conversations -----------------------------------------------------------------

  /** The conversation, followed from now on (made on first use). */
  protected follow(id: string, role: ConvRole): Conv {
    let conv = this.convs.get(id);
    if (!conv) {
      conv = new Conv(id, role, (active) => this.conn.notify({ typing: { conversationId: id, active } }));
      this.convs.set(id, conv);
    }
    return conv;
  }

  /** Joins a conversation's live events and replays what this desk has not seen. */
  protected resume(conv: Conv): void {
    conv.resumedOn = this.generation;
    const afterSeq = String(conv.log.lastSeq);
    this.conn.request({ resume: { conversationId: conv.id, afterSeq } }).then(
      () => {
        conv.learnCustomer();
        this.whenCustomerKnown(conv);
        this.changed();
      },
      (e: unknown) => {
        if (isApiError(e, 'not_found')) this.close(conv, 'No longer available');
        else if (!isApiError(e, 'disconnected') && !isApiError(e, 'signed_out') && !isApiError(e, 'closed')) conv.resumedOn = 0;
        this.changed();
      },
    );
  }

  /** Once the customer's id is known: their profile, and (for an owner) their other conversations. */
  protected whenCustomerKnown(conv: Conv, historyGiven = false): void {
    if (!conv.customerId) {
      if (!conv.record && conv.log.lastSeq > 0) void this.loadRecord(conv);
      return;
    }
    this.customers.get(conv.customerId).then((c) => {
      if (c && conv.customer !== c) {
        conv.customer = c;
        conv.touch();
        this.changed();
      }
    });
    if (!historyGiven && conv.role === 'owner' && !conv.historyLoaded) void this.loadHistory(conv.id, true);
  }

  /** The conversation's record: state, priority, owner, the customer's id. */
  async loadRecord(conv: Conv): Promise<void> {
    try {
      const page = await this.rest.get<{ conversation: Conv['record'] }>(`/v1/conversations/${encodeURIComponent(conv.id)}?limit=1`);
      conv.record = page.conversation;
      conv.customerId ||= page.conversation?.customerId ?? '';
      conv.queue ||= page.conversation?.queue ?? '';
      conv.touch();
      if (conv.customerId) this.whenCustomerKnown(conv);
    } catch {
      // the header shows less; the conversation itself still works
    }
    this.changed();
  }

  /** Reads the customer's timeline on (from the start, or from where the socket's pages ended). */
  async loadHistory(id: string, fromStart = false): Promise<void> {
    const conv = this.convs.get(id);
    if (!conv?.customerId || conv.historyState === 'loading') return;
    conv.historyLoaded = true;
    conv.historyState = 'loading';
    this.changed();
    let after = fromStart ? '' : conv.historyNext;
    try {
      for (let pages = 0; pages < 5; pages += 1) {
        const q = `limit=1000${after ? `&after=${encodeURIComponent(after)}` : ''}`;
        const page = await this.rest.get<TimelineRest>(`/v1/customers/${encodeURIComponent(conv.customerId)}/timeline?${q}`);
        conv.addTimeline(page.events ?? []);
        after = page.nextAfter ?? '';
        if (!after) break;
      }
      conv.historyNext = after;
      conv.historyState = 'idle';
    } catch {
      conv.historyState = 'error';
    }
    conv.touch();
    this.changed();
  }

  protected close(conv: Conv, why: string): void {
    conv.closed = { why, atMs: Date.now() };
    conv.typingOut.stop();
    conv.touch();
  }

  /** Forgets a closed conversation (and its unsent lines, which can no longer go). */
  dismiss(id: string): void {
    for (const item of this.outboxFor(id)) this.outbox.discard(item.clientMessageId);
    this.convs.delete(id);
    this.changed();
  }

  // ---- the agent's actions ---------------------------------------------------------------------

  async setStatus(status: AgentStatus, reason = ''): Promise<void> {
    this.statusError = '';
    try {
      await this.conn.request(setStatusFrame(status, reason)); // its agentState answer comes through onFrame too
    } catch (e) {
      this.statusError = errorWords(e);
    }
    this.changed();
  }

  /** Accepts or declines an offer; rejects with the refusal. */
  async answer(id: string, accept: boolean): Promise<void> {
    const offer = this.offers.get(id);
    if (offer) offer.answering = true;
    let conv: Conv | undefined;
    if (accept) {
      conv = this.follow(id, 'owner');
      conv.role = 'owner';
      conv.closed = null;
      conv.accepting = true;
      this.front = { id, n: (this.front?.n ?? 0) + 1 };
      conv.queue = offer?.queue ?? conv.queue;
      conv.channel = offer?.channel ?? conv.channel;
      conv.resumedOn = this.generation;
    }
    this.changed();
    try {
      await this.conn.request({ answerOffer: { conversationId: id, accept } }, { resend: true });
      this.dropOffer(id, '');
      if (conv) conv.accepting = false;
    } catch (e) {
      if (offer) offer.answering = false;
      if (conv) this.convs.delete(id);
      if (isApiError(e, 'offer_unavailable')) this.dropOffer(id, '');
      this.tell(errorWords(e));
      throw e;
    } finally {
      conv?.touch();
      this.changed();
    }
  }

  /** A reply (a draft for a lead's review when a trainee's), with its attachments (body then optional), or a WhatsApp template and what it reads. */
  reply(id: string, text: string, { templateMessage, attachments }: Pick<Message, 'templateMessage' | 'attachments'> = {}): void {
    const body = text.trim();
    if (!body && !attachments?.length) return;
    this.convs.get(id)?.typingOut.stop();
    this.add(body, (clientMessageId) => ({ sendMessage: { conversationId: id, message: templateMessage ? { clientMessageId, templateMessage } : { body, clientMessageId, ...(attachments?.length ? { attachments } : {}) } } }));
  }

  /** An internal note (staff only); its actionId is the outbox item's id, so a re-send is one note. */
  note(id: string, text: string): void {
    const body = text.trim();
    if (body) this.add(body, (actionId) => ({ actionId, addNote: { conversationId: id, body } }));
  }

  protected add(text: string, build: (clientMessageId: string) => ClientFrameBody): void {
    try {
      this.outbox.add(text, build);
    } catch (e) {
      this.tell(errorWords(e));
    }
  }

  async transfer(id: string, to: { toAgentId?: string; toQueue?: string }, note: string): Promise<void> {
    const words = to.toAgentId ? `Transferred to ${this.name(to.toAgentId)}` : `Transferred to ${to.toQueue}`;
    await this.closingAct(id, words, { transfer: { conversationId: id, ...to, ...(note.trim() ? { note: note.trim() } : {}) } });
  }

  async escalate(id: string, reason: string): Promise<void> {
    await this.closingAct(id, 'Escalated to a lead', { escalate: { conversationId: id, reason: reason.trim() } });
  }

  async resolve(id: string, disposition: string): Promise<void> {
    await this.closingAct(id, `Resolved (${disposition || 'solved'})`, { resolve: { conversationId: id, disposition } });
  }

  /** An action after which the desk no longer holds the conversation. */
  protected async closingAct(id: string, words: string, body: ClientFrameBody): Promise<Ack> {
    const ack = await this.act(body);
    const conv = this.convs.get(id);
    if (conv?.active) this.close(conv, words);
    this.changed();
    return ack;
  }

  /** A staff action with its own actionId, kept across a reconnect; rejects with the refusal. */
  protected async act(body: ClientFrameBody): Promise<Ack> {
    const frame = await this.conn.request({ actionId: randomId('a'), ...body }, { resend: true });
    return frame.ack ?? {};
  }

  keystroke(id: string): void {
    const conv = this.convs.get(id);
    if (conv?.active) conv.typingOut.keystroke();
  }

  stopTyping(id: string): void {
    this.convs.get(id)?.typingOut.stop();
  }

  /** The agent has the conversation in view: unread goes to zero and the customer is told. */
  markSeen(id: string): void {
    const conv = this.convs.get(id);
    if (!conv) return;
    const upTo = summarize(conv.log.events).lastInboundSeq;
    if (upTo > conv.seenSeq) {
      conv.seenSeq = upTo;
      conv.touch();
      this.changed();
    }
    if (conv.role !== 'owner' || !conv.active || upTo <= conv.readSent || this.conn.state.kind !== 'connected') return;
    conv.readSent = upTo;
    this.conn.notify({ read: { conversationId: id, upToSeq: String(upTo) } });
  }

  retry(clientMessageId: string): void {
    this.outbox.retry(clientMessageId);
  }

  discard(clientMessageId: string): void {
    this.outbox.discard(clientMessageId);
  }

  // ---- internals -------------------------------------------------------------------------------

  /** An acknowledged line shows at once, as the event it became, until the server's copy comes. */
  private echo(item: OutboxItem, ack: Ack): void {
    const conv = this.convs.get(ack.conversationId ?? outboxConversation(item));
    const seq = int(ack.seq);
    if (!conv || seq <= 0 || ack.duplicate) return;
    const b = item.body; // an upload's attachments show at once too
    const message = { body: item.text, clientMessageId: item.clientMessageId, authorId: this.self, channel: conv.channel || undefined, attachments: b.sendMessage?.message.attachments };
    const out = { ...message, direction: 'DIRECTION_OUTBOUND' as const };
    const internal = { ...message, direction: 'DIRECTION_INTERNAL' as const };
    const kind: Partial<Event> = b.addNote ? { note: internal } : b.whisper ? { whisper: internal } : this.trainee && b.sendMessage ? { draft: out } : { message: out };
    conv.log.addLocal({ conversationId: conv.id, seq: String(seq), atMs: String(Date.now()), actor: this.self, ...kind });
    conv.touch();
    this.changed();
  }

  private outboxChanged(items: readonly OutboxItem[]): void {
    for (const item of items) this.convs.get(outboxConversation(item))?.touch();
    this.changed();
  }

  private async loadReference(): Promise<void> {
    const [queues, agents, canned, templates] = await Promise.all([
      this.rest.get<{ queues?: QueueInfo[] }>('/v1/queues').catch(() => ({ queues: [] })),
      this.rest.get<{ agents?: AgentInfo[] }>('/v1/agents').catch(() => ({ agents: [] })),
      this.rest.get<{ replies?: CannedReply[] }>('/v1/canned-replies').catch(() => ({ replies: [] })),
      this.rest.get<{ templates?: WhatsAppTemplate[] }>('/v1/whatsapp-templates').catch(() => ({ templates: [] })),
    ]);
    this.queues = queues.queues ?? [];
    this.setAgents(agents.agents ?? []);
    this.canned = canned.replies ?? [];
    this.templates = templates.templates ?? [];
    this.changed();
  }

  /** The agent's own profile (whether they are a trainee), once the desk is registered. */
  private async loadProfile(): Promise<void> {
    const me = await this.rest.get<AgentInfo>(`/v1/agents/${encodeURIComponent(this.self)}`).catch(() => null);
    this.trainee = me?.trainee ?? false;
    this.changed();
  }

  /** Fetches the agents again (the transfer form's list: who is in now). */
  async refreshAgents(): Promise<void> {
    try {
      this.setAgents((await this.rest.get<{ agents?: AgentInfo[] }>('/v1/agents')).agents ?? []);
      this.changed();
    } catch {
      // the list stays as it was; an agent id can still be typed
    }
  }

  private setAgents(agents: AgentInfo[]): void {
    this.agents = agents;
    for (const a of agents) if (a.displayName) this.names.set(a.id, a.displayName);
  }

  /** A passing notice, cleared after a while (a newer one replaces it). */
  protected tell(text: string): void {
    if (!text) return;
    const notice = { text, atMs: Date.now() };
    this.notice = notice;
    setTimeout(() => {
      if (this.notice !== notice) return;
      this.notice = null;
      this.changed();
    }, noticeMs);
  }

  protected changed(): void {
    this.version += 1;
    for (const l of this.listeners) l();
  }
}
