// Two small Preact helpers the staff pages need and core Preact lacks (preact/compat has memo, but
// importing compat patches Preact for React libraries and costs bytes): a memo with a comparer,
// and a hook that re-renders on a model's change signal.
import { type FunctionComponent, h } from 'preact';
import { useEffect, useState } from 'preact/hooks';

/** The component re-renders only when `same(prev, next)` is false. */
export function memo<P extends object>(c: FunctionComponent<P>, same: (prev: P, next: P) => boolean): FunctionComponent<P> {
  function Memoed(this: { props: P; shouldComponentUpdate?: (next: P) => boolean }, props: P) {
    this.shouldComponentUpdate = (next: P) => !same(this.props, next);
    return h(c as FunctionComponent<object>, props);
  }
  Memoed.displayName = `Memo(${c.displayName || c.name})`;
  return Memoed as unknown as FunctionComponent<P>;
}

/** Every prop the same (===). */
export function shallowSame<P extends object>(a: P, b: P): boolean {
  for (const k in a) if (a[k] !== b[k]) return false;
  for (const k in b) if (!(k in a)) return false;
  return true;
}

export interface Observable {
  subscribe(listener: () => void): () => void;
}

/** How long a hidden page waits to redraw changes (animation frames do not run in a hidden tab). */
const hiddenRedrawMs = 250;

/**
 * Re-renders the caller whenever `model` signals a change; returns a counter of them. `perFrame`:
 * changes are drawn once per animation frame, however many came (a resume's replay of 1,000
 * events, each its own WebSocket message, is one redraw and not 1,000 of a long timeline).
 */
export function useModel(model: Observable, perFrame = false): number {
  const [n, setN] = useState(0);
  useEffect(() => {
    if (!perFrame) return model.subscribe(() => setN((v) => v + 1));
    let frame = 0;
    let timer: ReturnType<typeof setTimeout> | undefined;
    const draw = () => {
      frame = 0;
      timer = undefined;
      setN((v) => v + 1);
    };
    const unsubscribe = model.subscribe(() => {
      if (frame || timer !== undefined) return;
      if (document.visibilityState === 'visible') frame = requestAnimationFrame(draw);
      else timer = setTimeout(draw, hiddenRedrawMs);
    });
    return () => {
      unsubscribe();
      if (frame) cancelAnimationFrame(frame);
      if (timer !== undefined) clearTimeout(timer);
    };
  }, [model, perFrame]);
  return n;
}

/** Whether the page is in front (visible), kept up to date. */
export function usePageVisible(): boolean {
  const [visible, setVisible] = useState(() => document.visibilityState === 'visible');
  useEffect(() => {
    const on = () => setVisible(document.visibilityState === 'visible');
    document.addEventListener('visibilitychange', on);
    return () => document.removeEventListener('visibilitychange', on);
  }, []);
  return visible;
}
