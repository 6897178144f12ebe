// Preact hooks over the library: a ticking clock for countdowns and "reconnecting in N s".
import { useEffect, useState } from 'preact/hooks';
import { countdown, type CountdownState, type ServerClock } from './clock';

/** The local time, re-rendering every `intervalMs` while `active`. */
export function useNow(intervalMs = 1000, active = true): number {
  const [now, setNow] = useState(() => Date.now());
  useEffect(() => {
    if (!active) return;
    setNow(Date.now());
    const timer = setInterval(() => setNow(Date.now()), intervalMs);
    return () => clearInterval(timer);
  }, [intervalMs, active]);
  return now;
}

/** A countdown to a server-time deadline (an offer's expiresAtMs), re-rendering as it runs. */
export function useCountdown(deadlineServerMs: number, clock: Pick<ServerClock, 'now'>, intervalMs = 250): CountdownState {
  const state = countdown(deadlineServerMs, clock);
  useNow(intervalMs, !state.expired);
  return state;
}
