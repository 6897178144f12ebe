// The server's clock as seen from here, and countdowns against it. Deadlines on the wire (an
// offer's expiresAtMs) are server times; a browser's clock can be minutes off. Each pong carries
// serverTimeMs: with the ping's send and receive times that gives the offset (NTP's way: assume
// the server read its clock half-way through the round trip). The sample with the shortest round
// trip among the recent ones is the most exact, so that one wins.

export interface ClockSample {
  offsetMs: number;
  rttMs: number;
}

const keptSamples = 8;

export class ServerClock {
  private samples_: ClockSample[] = [];

  constructor(private readonly localNow: () => number = () => Date.now()) {}

  /** A pong arrived: the ping left at `sentAtMs` (local), the server said `serverTimeMs`. */
  observe(sentAtMs: number, serverTimeMs: number, receivedAtMs: number = this.localNow()): void {
    const rttMs = Math.max(0, receivedAtMs - sentAtMs);
    const offsetMs = serverTimeMs - (sentAtMs + rttMs / 2);
    this.samples_.push({ offsetMs, rttMs });
    if (this.samples_.length > keptSamples) this.samples_.shift();
  }

  /** Server time minus local time, in ms (0 until a pong came). */
  get offsetMs(): number {
    let best: ClockSample | undefined;
    for (const s of this.samples_) if (!best || s.rttMs < best.rttMs) best = s;
    return best ? Math.round(best.offsetMs) : 0;
  }

  /** Whether any pong has been seen (before that, `now()` is the local clock). */
  get synced(): boolean {
    return this.samples_.length > 0;
  }

  /** The server's time now, estimated (Unix ms). */
  now(): number {
    return this.localNow() + this.offsetMs;
  }
}

export interface CountdownState {
  /** Milliseconds left, never negative. */
  remainingMs: number;
  /** Whole seconds left, rounded up (what a person reads: "3 s" until it is over). */
  seconds: number;
  expired: boolean;
}

/** How long until a server-time deadline, by the server's clock. */
export function countdown(deadlineServerMs: number, clock: Pick<ServerClock, 'now'>): CountdownState {
  const remainingMs = Math.max(0, deadlineServerMs - clock.now());
  return { remainingMs, seconds: Math.ceil(remainingMs / 1000), expired: remainingMs === 0 };
}
