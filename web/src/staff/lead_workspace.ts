// A lead's desk: everything an agent's desk does (a lead's socket gets offers from the team's
// escalation queues), plus the leads' actions on their teams' conversations — monitor, whisper,
// barge in, take over, hand back, reassign, change priority — and the queue of trainee drafts
// waiting for a review. Each action carries its own actionId (a re-send is stored once).
import { int } from '../lib/ids';
import type { Event } from '../lib/types';
import type { ConversationPage } from './api';
import type { Conv } from './conv';
import { Workspace, type WorkspaceOptions } from './workspace';

export interface DraftCard {
  key: string;
  conversationId: string;
  seq: number;
  atMs: number;
  author: string;
  body: string;
  clientMessageId: string;
  /** The customer's and staff's messages before it, once read (REST). */
  context: Event[] | null;
  reviewing: boolean;
}

export type Verdict = 'APPROVE' | 'EDIT' | 'REJECT';

/** A conversation read this far when looking for waiting drafts (pages of 1,000 events). */
const draftScanPages = 50;

/**
 * The drafts of a conversation's events that wait for a review: no `draftReview` of their seq and
 * no message sent with their clientMessageId (an approval or edit) after them.
 */
export function waitingDrafts(events: readonly Event[]): Event[] {
  const waiting = new Map<number, Event>();
  for (const e of events) {
    if (e.draft && int(e.seq) > 0) waiting.set(int(e.seq), e);
    if (e.draftReview) waiting.delete(int(e.draftReview.draftSeq));
    const sent = e.message?.direction === 'DIRECTION_OUTBOUND' ? e.message.clientMessageId : '';
    if (sent) for (const [seq, d] of waiting) if (d.draft?.clientMessageId === sent) waiting.delete(seq);
  }
  return [...waiting.values()];
}

/** An agent on a board, as far as the drafts scan needs: their conversations. */
export interface BoardAgent {
  agentId?: string;
  conversations?: readonly string[];
}

/** The trainees' conversations on a board (offered or held), by the agents' profiles. */
export function traineeConversations(agents: Iterable<BoardAgent>, trainees: ReadonlySet<string>): string[] {
  const ids: string[] = [];
  for (const a of agents) if (trainees.has(a.agentId ?? '')) ids.push(...(a.conversations ?? []));
  return ids;
}

export class LeadWorkspace extends Workspace {
  readonly drafts = new Map<string, DraftCard>();
  /** Conversations looked through for waiting drafts since the last (re)connect. */
  private readonly scanned = new Set<string>();
  /** Where the monitored conversations are kept across a reload of this tab (sessionStorage). */
  private readonly tabStore: Pick<Storage, 'getItem' | 'setItem'> | undefined;
  private savedMonitors = '';
  /** Monitored before the reload, not monitored again yet: still saved meanwhile. */
  private readonly toRestore = new Set<string>();

  constructor(options: WorkspaceOptions & { tabStorage?: Pick<Storage, 'getItem' | 'setItem'> }) {
    super(options);
    this.tabStore = options.tabStorage;
    try {
      const ids: unknown = JSON.parse(this.tabStore?.getItem(this.monitorsKey) ?? '[]');
      if (Array.isArray(ids)) for (const id of ids) if (typeof id === 'string' && id) this.toRestore.add(id);
    } catch {
      // unreadable: nothing to restore
    }
  }

  private get monitorsKey(): string {
    return `sb.console.monitoring.${this.self}`;
  }

  /** After every (re)connect; at the first, monitors again what this tab monitored before a reload. */
  override onConnected(): void {
    const first = this.generation === 0;
    super.onConnected();
    this.scanned.clear(); // drafts written while the connection was down are found again
    if (!first) return;
    for (const id of this.toRestore) {
      void this.monitor(id)
        .catch(() => undefined) // resolved or out of reach since: not monitored any more
        .finally(() => {
          this.toRestore.delete(id);
          this.changed();
        });
    }
  }

  /**
   * A board arrived: looks through the trainees' conversations on it (once per connection) for
   * drafts that wait, so a lead who reloads or reconnects still has them. New drafts come live.
   */
  noticeBoard(agents: Iterable<BoardAgent>): void {
    const trainees = new Set(this.agents.filter((a) => a.trainee).map((a) => a.id));
    if (!trainees.size) return;
    for (const id of traineeConversations(agents, trainees)) {
      if (this.scanned.has(id)) continue;
      this.scanned.add(id);
      void this.scanForDrafts(id);
    }
  }

  private async scanForDrafts(id: string): Promise<void> {
    const events: Event[] = [];
    let after = 0;
    try {
      for (let page = 0; page < draftScanPages; page++) {
        const got = await this.rest.get<ConversationPage>(`/v1/conversations/${encodeURIComponent(id)}?after_seq=${after}&limit=1000`);
        if (got.conversation?.state === 'RESOLVED') return;
        const batch = got.events ?? [];
        events.push(...batch);
        if (batch.length < 1000) break;
        after = int(batch[batch.length - 1].seq);
      }
    } catch {
      this.scanned.delete(id); // tried again with the next board
      return;
    }
    for (const e of waitingDrafts(events)) this.addDraft(e);
    this.changed();
  }

  protected override changed(): void {
    this.saveMonitors();
    super.changed();
  }

  private saveMonitors(): void {
    if (!this.tabStore) return;
    const monitored = [...this.convs.values()].filter((c) => c.active && c.role === 'monitor').map((c) => c.id);
    const ids = JSON.stringify([...new Set([...monitored, ...this.toRestore])]);
    if (ids === this.savedMonitors) return;
    this.savedMonitors = ids;
    try {
      this.tabStore.setItem(this.monitorsKey, ids);
    } catch {
      // full or disabled: forgotten at the next reload
    }
  }

  protected override onEvent(e: Event): void {
    const id = e.conversationId ?? '';
    if (e.draft && int(e.seq) > 0) this.addDraft(e);
    if (e.draftReview) this.drafts.delete(`${id}:${int(e.draftReview.draftSeq)}`);
    const sentId = e.message?.direction === 'DIRECTION_OUTBOUND' ? e.message.clientMessageId : '';
    if (sentId) for (const [key, d] of this.drafts) if (d.conversationId === id && d.clientMessageId === sentId) this.drafts.delete(key);
    super.onEvent(e);
  }

  private addDraft(e: Event): void {
    const key = `${e.conversationId}:${int(e.seq)}`;
    if (this.drafts.has(key)) return;
    this.drafts.set(key, {
      key,
      conversationId: e.conversationId ?? '',
      seq: int(e.seq),
      atMs: int(e.atMs),
      author: e.draft?.authorId || e.actor || '',
      body: e.draft?.body ?? '',
      clientMessageId: e.draft?.clientMessageId ?? '',
      context: null,
      reviewing: false,
    });
    void this.loadDraftContext(key);
  }

  /** The messages before a draft, so the lead reviews it in context; drops it if reviewed already. */
  private async loadDraftContext(key: string): Promise<void> {
    const d = this.drafts.get(key);
    if (!d) return;
    try {
      const after = Math.max(0, d.seq - 30);
      const page = await this.rest.get<ConversationPage>(`/v1/conversations/${encodeURIComponent(d.conversationId)}?after_seq=${after}&limit=1000`);
      const events = page.events ?? [];
      const reviewed = events.some(
        (e) => int(e.draftReview?.draftSeq) === d.seq || (!!d.clientMessageId && e.message?.clientMessageId === d.clientMessageId),
      );
      if (reviewed || page.conversation?.state === 'RESOLVED') this.drafts.delete(key);
      else d.context = events.filter((e) => int(e.seq) < d.seq && (e.message || e.note || e.whisper));
    } catch {
      d.context = [];
    }
    this.changed();
  }

  /** Approve, edit (with the text to send) or reject (with the trainee's reason) a draft. */
  async reviewDraft(key: string, verdict: Verdict, text = ''): Promise<string> {
    const d = this.drafts.get(key);
    if (!d) return '';
    d.reviewing = true;
    this.changed();
    try {
      const review = {
        conversationId: d.conversationId,
        draftSeq: String(d.seq),
        verdict,
        ...(verdict === 'EDIT' ? { body: text.trim() } : {}),
        ...(verdict === 'REJECT' ? { reason: text.trim() } : {}),
      };
      const ack = await this.act({ reviewDraft: review });
      this.drafts.delete(key);
      const done = verdict === 'APPROVE' ? 'Draft approved.' : verdict === 'EDIT' ? 'Edited reply sent.' : 'Draft rejected.';
      this.tell(ack.duplicate ? 'Another lead had already reviewed that draft.' : done);
      return this.notice?.text ?? '';
    } finally {
      d.reviewing = false;
      this.changed();
    }
  }

  // ---- actions on a live conversation ---------------------------------------------------------

  /** Starts monitoring: the conversation is followed, its events replayed from the start. */
  async monitor(id: string): Promise<Conv> {
    const known = this.convs.get(id);
    if (known?.active) return known;
    if (known) this.convs.delete(id);
    await this.act({ monitor: { conversationId: id, active: true } });
    const conv = this.follow(id, 'monitor');
    this.resume(conv);
    void this.loadRecord(conv);
    this.changed();
    return conv;
  }

  /** Stops monitoring (or just forgets a closed one). */
  async stopMonitoring(id: string): Promise<void> {
    const conv = this.convs.get(id);
    if (conv?.active && conv.role === 'monitor') await this.act({ monitor: { conversationId: id, active: false } });
    this.dismiss(id);
  }

  /** A message to the agent only. */
  whisper(id: string, text: string): void {
    const body = text.trim();
    if (body) this.add(body, (clientMessageId) => ({ whisper: { conversationId: id, body, clientMessageId } }));
  }

  /** A message to the customer from the lead; the agent stays the owner. */
  barge(id: string, text: string): void {
    const body = text.trim();
    if (body) this.add(body, (clientMessageId) => ({ barge: { conversationId: id, message: { body, clientMessageId } } }));
  }

  async takeOver(id: string, reason: string): Promise<void> {
    await this.act({ takeOver: { conversationId: id, reason: reason.trim() } });
    const conv = this.convs.get(id);
    if (conv) {
      conv.role = 'owner';
      conv.touch();
    }
    this.changed();
  }

  /** Gives a conversation the lead owns back to an agent (offered to them first). */
  async handBack(id: string, toAgentId: string, note: string): Promise<void> {
    await this.transfer(id, { toAgentId }, note);
  }

  /** Moves a conversation the lead does not own to an agent or a queue. */
  async reassign(id: string, to: { toAgentId?: string; toQueue?: string }, reason: string): Promise<void> {
    await this.act({ reassign: { conversationId: id, ...to, reason: reason.trim() } });
    this.changed();
  }

  async setPriority(id: string, priority: number, reason: string): Promise<void> {
    await this.act({ setPriority: { conversationId: id, priority, reason: reason.trim() } });
    this.changed();
  }
}

/** Who owns the conversation now, as its events (after the record's snapshot) say. */
export function currentOwner(conv: Conv): string {
  let owner = conv.record?.ownerId ?? '';
  const since = int(conv.record?.lastSeq);
  for (const e of conv.log.events) {
    if (int(e.seq) <= since) continue;
    if (e.offerOutcome?.outcome === 'ACCEPTED') owner = e.offerOutcome.agentId ?? owner;
    else if (e.takeover) owner = e.takeover.leadId ?? owner;
    else if (e.transfer || e.escalation || e.statusChange) owner = '';
  }
  return owner;
}
