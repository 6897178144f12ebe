// Preact hooks over the library: a ticking clock for countdowns and "reconnecting in N s", and a
// message list that follows its newest line.
import { useEffect, useLayoutEffect, useRef, useState } from 'preact/hooks';
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

/**
 * The local time for a view that something else redraws regularly (the console's board, every
 * second): it redraws by itself only after `quietMs` without a redraw, then every `everyMs` until
 * the next one from elsewhere. A board a second costs one redraw a second, not a board's and a
 * clock's (each with its own layout and paint).
 */
export function useNowWhenQuiet(quietMs = 1250, everyMs = 1000): number {
  const [, setTick] = useState(0);
  const ticked = useRef(false);
  useEffect(() => {
    const delay = ticked.current ? everyMs : quietMs;
    ticked.current = false;
    const timer = setTimeout(() => {
      ticked.current = true;
      setTick((t) => t + 1);
    }, delay);
    return () => clearTimeout(timer);
  });
  return Date.now();
}

/** A countdown to a server-time deadline (an offer's expiresAtMs), re-rendering as it runs. */
export function useCountdown(deadlineServerMs: number, clock: Pick<ServerClock, 'now'>, intervalMs = 250): CountdownState {
  const state = countdown(deadlineServerMs, clock);
  useNow(intervalMs, !state.expired);
  return state;
}

/**
 * A scrolling message list that stays at its bottom as lines arrive and as their pictures load
 * (taller once loaded), unless the reader scrolled up (more than `slackPx` from the bottom). Put
 * `ref` and `onScroll` on the scrolling element.
 */
export function useStickToBottom(slackPx: number) {
  const ref = useRef<HTMLDivElement>(null);
  const pinned = useRef(true);
  useLayoutEffect(() => {
    const el = ref.current;
    if (el && pinned.current) el.scrollTop = el.scrollHeight;
  });
  useEffect(() => {
    const el = ref.current;
    if (!el) return;
    const loaded = () => {
      if (pinned.current) el.scrollTop = el.scrollHeight;
    };
    el.addEventListener('load', loaded, true); // an image's load does not bubble: caught on its way down
    return () => el.removeEventListener('load', loaded, true);
  }, []);
  const onScroll = () => {
    const el = ref.current;
    if (el) pinned.current = el.scrollHeight - el.scrollTop - el.clientHeight < slackPx;
  };
  return { ref, onScroll };
}
