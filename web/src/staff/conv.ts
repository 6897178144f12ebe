// One conversation a desk follows: its own events (a ConversationLog), the customer's other
// conversations from their cross-channel timeline, the customer's profile, who is typing, and
// whether the desk still holds it ("closed": transferred, escalated, resolved… kept readable until
// dismissed). State only; the Workspace feeds it frames and carries out its requests.
import { ConversationLog } from '../lib/conversation_log';
import { int } from '../lib/ids';
import { TypingSender, TypingTracker } from '../lib/typing';
import type { Channel, Event } from '../lib/types';
import type { ConversationRecord, CustomerProfile } from './api';

export type ConvRole = 'owner' | 'monitor';

export class Conv {
  customerId = '';
  queue = '';
  channel: Channel | '' = '';
  log: ConversationLog;
  /** Events of the customer's other conversations, in timeline order. */
  history: Event[] = [];
  private readonly historyIds_ = new Set<string>();
  /** The timeline cursor to read on from ("" when all was read). */
  historyNext = '';
  historyState: 'idle' | 'loading' | 'error' = 'idle';
  /** Reading this conversation's events before the earliest held (loadEarlier). */
  earlierState: 'idle' | 'loading' | 'error' = 'idle';
  /** The timeline was read (by the accept's pages or over REST): do not read it again. */
  historyLoaded = false;
  customer: CustomerProfile | null = null;
  /** The conversation's record (lead panels, and the customer id after a reload). */
  record: ConversationRecord | null = null;
  readonly typing = new TypingTracker();
  readonly typingOut: TypingSender;
  closed: { why: string; atMs: number } | null = null;
  /** Waiting for the accept's answer. */
  accepting = false;
  /** The highest seq of a customer message the agent has seen (unread counts start after). */
  seenSeq = 0;
  /** The highest seq a `read` went out for. */
  readSent = 0;
  /** The connection generation this conversation was last resumed on. */
  resumedOn = 0;
  /** Bumped on every change: views re-render a conversation only when it moved. */
  version = 0;
  readonly openedAtMs = Date.now();

  constructor(
    readonly id: string,
    public role: ConvRole,
    sendTyping: (active: boolean) => void,
  ) {
    this.log = new ConversationLog(id);
    this.typingOut = new TypingSender({ send: sendTyping });
  }

  get active(): boolean {
    return !this.closed;
  }

  /**
   * Adds the customer's timeline events: this conversation's to the log, the others to history,
   * kept in time order (a customer merged in later brings events older than those held).
   */
  addTimeline(events: readonly Event[]): boolean {
    let changed = false;
    let late = false;
    for (const e of events) {
      if (e.conversationId === this.id) {
        changed = this.log.add(e) || changed;
      } else if (e.eventId && !this.historyIds_.has(e.eventId)) {
        this.historyIds_.add(e.eventId);
        late ||= this.history.length > 0 && int(e.atMs) < int(this.history[this.history.length - 1].atMs);
        this.history.push(e);
        changed = true;
      }
    }
    if (late) this.history.sort((a, b) => int(a.atMs) - int(b.atMs)); // stable: ties keep their order
    return changed;
  }

  /** The customer's id as the events tell it (the author of their messages), when not known. */
  learnCustomer(): void {
    if (this.customerId) return;
    for (const e of this.log.events) {
      if (e.message?.direction === 'DIRECTION_INBOUND' && e.actor) {
        this.customerId = e.actor;
        return;
      }
    }
  }

  /** Customer messages after what the agent has seen. */
  unread(): number {
    if (this.closed) return 0;
    let n = 0;
    for (const e of this.log.events) if (e.message?.direction === 'DIRECTION_INBOUND' && int(e.seq) > this.seenSeq) n += 1;
    return n;
  }

  /** The history's events grouped by conversation, oldest first. */
  historyGroups(): { conversationId: string; events: Event[] }[] {
    const groups = new Map<string, Event[]>();
    for (const e of this.history) {
      const id = e.conversationId ?? '';
      let g = groups.get(id);
      if (!g) groups.set(id, (g = []));
      g.push(e);
    }
    return [...groups].map(([conversationId, events]) => ({ conversationId, events }));
  }

  /** A name for the list and headers: the profile's, else its email, else "Customer …1A2B". */
  get title(): string {
    const c = this.customer;
    if (c?.displayName) return c.displayName;
    if (c?.attributes?.email) return c.attributes.email;
    return this.customerId ? `Customer …${this.customerId.slice(-4)}` : 'Customer';
  }

  touch(): void {
    this.version += 1;
  }
}
