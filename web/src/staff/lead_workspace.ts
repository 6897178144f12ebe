// A lead's desk: everything an agent's desk does (a lead's socket gets offers from the team's
// escalation queues), plus the leads' actions on their teams' conversations — monitor, whisper,
// barge in, take over, hand back, reassign, change priority — and the queue of trainee drafts
// waiting for a review. Each action carries its own actionId (a re-send is stored once).
import { int } from '../lib/ids';
import type { Event } from '../lib/types';
import type { ConversationPage } from './api';
import type { Conv } from './conv';
import { Workspace } from './workspace';

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

export class LeadWorkspace extends Workspace {
  readonly drafts = new Map<string, DraftCard>();

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
