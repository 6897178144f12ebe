// The events of one conversation as the client has them, in seq order and each once. Events come
// live, from a `resume` replay, and sometimes twice around a join: a seq already held is dropped.
// Gaps are normal for customers (they do not see staff-only events) and are not losses. Typing
// events (seq 0) are not stored: they are live signals (see typing.ts). A "local echo" stands in
// for a message the server acknowledged (we know its seq) until its event arrives and replaces it.
import { int } from './ids';
import type { Event } from './types';

/** An event held by the log; `local` marks an echo made from an ack, not sent by the server. */
export type LoggedEvent = Event & { local?: true };

export interface LogOptions {
  /** Events kept, at most; beyond, the oldest are dropped (a long staff timeline pages via REST). */
  maxEvents?: number;
}

const defaultMaxEvents = 2000;

export class ConversationLog {
  private events_: LoggedEvent[] = [];
  private lastSeq_ = 0;
  private maxEvents_: number;

  constructor(
    readonly conversationId: string,
    options: LogOptions = {},
  ) {
    this.maxEvents_ = options.maxEvents ?? defaultMaxEvents;
  }

  /** The events, ordered by seq. */
  get events(): readonly LoggedEvent[] {
    return this.events_;
  }

  /** The lowest seq held (0 when empty). */
  get firstSeq(): number {
    return this.events_.length ? int(this.events_[0].seq) : 0;
  }

  /**
   * Adds events read back from before the ones held (a reader asked for them): the log grows to
   * keep them. Returns how many were new.
   */
  addEarlier(events: readonly Event[]): number {
    let added = 0;
    for (const e of events) {
      const seq = int(e.seq);
      if (seq <= 0) continue;
      const at = this.indexOf(seq);
      if (at.found) continue;
      this.events_.splice(at.index, 0, e);
      this.lastSeq_ = Math.max(this.lastSeq_, seq);
      added += 1;
    }
    this.maxEvents_ = Math.max(this.maxEvents_, this.events_.length);
    return added;
  }

  /** The highest seq the server sent: `resume` after this. Local echoes do not count. */
  get lastSeq(): number {
    return this.lastSeq_;
  }

  /** Adds a server event; false when it was not stored (a duplicate, typing, or no seq). */
  add(event: Event): boolean {
    const seq = int(event.seq);
    if (seq <= 0) return false;
    const at = this.indexOf(seq);
    if (at.found) {
      if (!this.events_[at.index].local) return false;
      this.events_[at.index] = event; // the server's own copy replaces the echo
    } else {
      this.events_.splice(at.index, 0, event);
      this.trim();
    }
    this.lastSeq_ = Math.max(this.lastSeq_, seq);
    return true;
  }

  /** Adds an echo of an acknowledged message at its seq, unless the log has that seq already. */
  addLocal(event: Event): boolean {
    const seq = int(event.seq);
    if (seq <= 0) return false;
    const at = this.indexOf(seq);
    if (at.found) return false;
    this.events_.splice(at.index, 0, { ...event, local: true });
    this.trim();
    return true;
  }

  has(seq: number): boolean {
    return this.indexOf(seq).found;
  }

  /** The highest seq that `who` said they read (their `read` events). */
  readUpTo(who: string): number {
    let upTo = 0;
    for (const e of this.events_) if (e.read && e.read.who === who) upTo = Math.max(upTo, int(e.read.upToSeq));
    return upTo;
  }

  /** The highest seq read by anyone not in `self` (for a customer: what staff read). */
  readByOthers(self: ReadonlySet<string>): number {
    let upTo = 0;
    for (const e of this.events_) {
      if (e.read && !self.has(e.read.who ?? '')) upTo = Math.max(upTo, int(e.read.upToSeq));
    }
    return upTo;
  }

  /** Binary search by seq: where it is, or where it would go. */
  private indexOf(seq: number): { found: boolean; index: number } {
    let lo = 0;
    let hi = this.events_.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      const s = int(this.events_[mid].seq);
      if (s === seq) return { found: true, index: mid };
      if (s < seq) lo = mid + 1;
      else hi = mid;
    }
    return { found: false, index: lo };
  }

  private trim(): void {
    const extra = this.events_.length - this.maxEvents_;
    if (extra > 0) this.events_.splice(0, extra);
  }
}

/** The logs of every conversation a page follows, keyed by conversation id. */
export class EventStore {
  private readonly logs_ = new Map<string, ConversationLog>();

  constructor(private readonly options: LogOptions = {}) {}

  /** The log of a conversation, made on first use. */
  log(conversationId: string): ConversationLog {
    let log = this.logs_.get(conversationId);
    if (!log) {
      log = new ConversationLog(conversationId, this.options);
      this.logs_.set(conversationId, log);
    }
    return log;
  }

  /** Adds an event to its conversation's log; false when not stored (see ConversationLog.add). */
  add(event: Event): boolean {
    if (!event.conversationId) return false;
    return this.log(event.conversationId).add(event);
  }

  /** Stops following a conversation: its log is dropped. */
  forget(conversationId: string): void {
    this.logs_.delete(conversationId);
  }

  get conversationIds(): string[] {
    return [...this.logs_.keys()];
  }

  /** The `resume` frames that bring every followed conversation up to date after a reconnect. */
  resumeFrames(): { resume: { conversationId: string; afterSeq: string } }[] {
    return [...this.logs_.values()].map((log) => ({
      resume: { conversationId: log.conversationId, afterSeq: String(log.lastSeq) },
    }));
  }
}
