// Typing indicators, both ways. Out: `TypingSender` turns keystrokes into few frames — "active"
// once when typing starts (again at most every `refreshMs` while it goes on, so a peer's
// indicator does not time out), "inactive" after `idleMs` without a keystroke or when the message
// is sent. In: `TypingTracker` keeps who is typing, forgetting anyone silent for `expireMs` (a
// stop frame can be lost with a connection).

export interface TypingSenderOptions {
  /** Sends the typing frame (best effort: `connection.notify`). */
  send: (active: boolean) => void;
  idleMs?: number;
  refreshMs?: number;
}

export class TypingSender {
  private active_ = false;
  private sentAt_ = 0;
  private idleTimer_: ReturnType<typeof setTimeout> | undefined;

  constructor(private readonly options: TypingSenderOptions) {}

  /** A keystroke in the composer. */
  keystroke(): void {
    const now = Date.now();
    if (!this.active_ || now - this.sentAt_ >= (this.options.refreshMs ?? 5000)) {
      this.active_ = true;
      this.sentAt_ = now;
      this.options.send(true);
    }
    if (this.idleTimer_ !== undefined) clearTimeout(this.idleTimer_);
    this.idleTimer_ = setTimeout(() => this.stop(), this.options.idleMs ?? 3000);
  }

  /** Typing stopped (sent, cleared, or idle). */
  stop(): void {
    if (this.idleTimer_ !== undefined) clearTimeout(this.idleTimer_);
    this.idleTimer_ = undefined;
    if (!this.active_) return;
    this.active_ = false;
    this.options.send(false);
  }
}

export class TypingTracker {
  private readonly until_ = new Map<string, number>();

  constructor(private readonly expireMs = 8000) {}

  /** A typing event (or a message from `who`, which ends their typing: `update(who, false)`). */
  update(who: string, active: boolean, now = Date.now()): void {
    if (active) this.until_.set(who, now + this.expireMs);
    else this.until_.delete(who);
  }

  /** Who is typing now. */
  typing(now = Date.now()): string[] {
    const who: string[] = [];
    for (const [id, until] of this.until_) {
      if (until > now) who.push(id);
      else this.until_.delete(id);
    }
    return who;
  }
}
