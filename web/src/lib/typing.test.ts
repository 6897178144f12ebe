import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { TypingSender, TypingTracker } from './typing';

beforeEach(() => vi.useFakeTimers());
afterEach(() => vi.useRealTimers());

describe('TypingSender', () => {
  it('sends active once per burst, refreshes it, and inactive after a pause', () => {
    const sent: boolean[] = [];
    const typing = new TypingSender({ send: (a) => sent.push(a), idleMs: 3000, refreshMs: 5000 });
    for (let i = 0; i < 10; i++) {
      typing.keystroke();
      vi.advanceTimersByTime(400);
    }
    expect(sent).toEqual([true]);
    for (let i = 0; i < 5; i++) {
      typing.keystroke();
      vi.advanceTimersByTime(400);
    }
    expect(sent).toEqual([true, true]); // refreshed after 5 s of typing
    vi.advanceTimersByTime(3000);
    expect(sent).toEqual([true, true, false]);
    typing.stop();
    expect(sent).toEqual([true, true, false]);
  });
});

describe('TypingTracker', () => {
  it('forgets a typist after a stop or after expireMs', () => {
    const t = new TypingTracker(8000);
    t.update('ana', true, 0);
    t.update('bo', true, 0);
    expect(t.typing(1000)).toEqual(['ana', 'bo']);
    t.update('bo', false, 2000);
    expect(t.typing(2000)).toEqual(['ana']);
    expect(t.typing(8000)).toEqual([]);
  });
});
