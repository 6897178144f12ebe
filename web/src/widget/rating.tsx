// After the chat was resolved: how was it, 1 to 5, with an optional comment (the rate frame).
import { useState } from 'preact/hooks';
import { describe } from './chat';

interface RatingProps {
  onRate: (score: number, comment: string) => Promise<void>;
  onSkip: () => void;
}

export function Rating({ onRate, onSkip }: RatingProps) {
  const [score, setScore] = useState(0);
  const [comment, setComment] = useState('');
  const [busy, setBusy] = useState(false);
  const [problem, setProblem] = useState('');

  const submit = async (e: Event) => {
    e.preventDefault();
    if (!score) return setProblem('Choose a score from 1 to 5.');
    setBusy(true);
    try {
      await onRate(score, comment);
    } catch (err) {
      setProblem(describe(err));
      setBusy(false);
    }
  };

  // Arrow keys move through the scores, as in any radio group.
  const onKey = (e: KeyboardEvent) => {
    const step = e.key === 'ArrowRight' || e.key === 'ArrowUp' ? 1 : e.key === 'ArrowLeft' || e.key === 'ArrowDown' ? -1 : 0;
    if (!step) return;
    e.preventDefault();
    const next = Math.min(5, Math.max(1, (score || 3) + (score ? step : 0)));
    setScore(next);
    (e.currentTarget as HTMLElement).parentElement?.querySelector<HTMLElement>(`[data-score="${next}"]`)?.focus();
  };

  return (
    <form class="card" onSubmit={submit} aria-labelledby="sb-rate-title">
      <h3 id="sb-rate-title">How was this chat?</h3>
      <div class="stars" role="radiogroup" aria-label="Score, 1 (bad) to 5 (great)">
        {[1, 2, 3, 4, 5].map((n) => (
          <button type="button" class="star" role="radio" data-score={n} aria-checked={score === n ? 'true' : 'false'}
            aria-label={`${n} out of 5`} tabIndex={score === n || (!score && n === 1) ? 0 : -1}
            onClick={() => setScore(n)} onKeyDown={onKey}>
            {n}
          </button>
        ))}
      </div>
      <div class="field">
        <label for="sb-comment">Comment (optional)</label>
        <textarea id="sb-comment" rows={2} value={comment} maxLength={2000} onInput={(e) => setComment(e.currentTarget.value)} />
      </div>
      <p role="alert" class="field-error">{problem}</p>
      <div class="actions">
        <button type="button" class="button" onClick={onSkip}>Skip</button>
        <button type="submit" class="button primary" disabled={busy}>Send rating</button>
      </div>
    </form>
  );
}
