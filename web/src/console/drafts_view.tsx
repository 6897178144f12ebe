// Trainee drafts waiting for a lead, oldest first: each with the messages before it, and approve
// (send as written), edit (send the lead's text, the trainee still the author) or reject (with a
// reason the trainee reads). The first lead to review a draft decides; a late one is told so.
import { useState } from 'preact/hooks';
import type { DraftCard, LeadWorkspace, Verdict } from '../staff/lead_workspace';
import { errorWords, shortId, timeWords } from '../staff/format';

export function DraftsView({ ws, onOpen }: { ws: LeadWorkspace; onOpen: (id: string) => void }) {
  const drafts = [...ws.drafts.values()].sort((a, b) => a.atMs - b.atMs);
  return (
    <section class="drafts" aria-labelledby="drafts-heading">
      <h2 id="drafts-heading">Trainee drafts <span class="count">{drafts.length}</span></h2>
      {drafts.length === 0 && <p class="muted">No drafts waiting. When a trainee of your teams replies, the draft comes here at once.</p>}
      <ul>{drafts.map((d) => <DraftItem key={d.key} ws={ws} draft={d} onOpen={onOpen} />)}</ul>
    </section>
  );
}

function DraftItem({ ws, draft, onOpen }: { ws: LeadWorkspace; draft: DraftCard; onOpen: (id: string) => void }) {
  const [mode, setMode] = useState<'idle' | 'edit' | 'reject'>('idle');
  const [text, setText] = useState(draft.body);
  const [reason, setReason] = useState('');
  const [error, setError] = useState('');
  const review = (verdict: Verdict, value = '') => {
    setError('');
    ws.reviewDraft(draft.key, verdict, value).catch((e: unknown) => setError(errorWords(e)));
  };
  const id = `draft-${draft.conversationId}-${draft.seq}`;
  return (
    <li class="draft-card" aria-labelledby={`${id}-h`} data-testid="draft-card">
      <h3 id={`${id}-h`}>
        {ws.name(draft.author)} wrote in {shortId(draft.conversationId)}
        <time class="muted"> · {timeWords(draft.atMs)}</time>
      </h3>
      {draft.context === null ? <p class="muted">Loading the conversation…</p> : (
        <ol class="draft-context" aria-label="Before the draft">
          {draft.context.slice(-4).map((e) => {
            const m = e.message ?? e.note ?? e.whisper;
            const who = m?.direction === 'DIRECTION_INBOUND' ? 'Customer' : ws.name(m?.authorId ?? e.actor ?? '');
            return <li key={e.seq}><strong>{who}{e.note ? ' (note)' : e.whisper ? ' (whisper)' : ''}:</strong> {m?.body}</li>;
          })}
        </ol>
      )}
      <blockquote class="draft-body" aria-label="The draft">{draft.body}</blockquote>
      {mode === 'idle' && (
        <div class="form-actions">
          <button type="button" class="button primary small" disabled={draft.reviewing} onClick={() => review('APPROVE')}>Approve</button>
          <button type="button" class="button small" disabled={draft.reviewing} onClick={() => setMode('edit')}>Edit</button>
          <button type="button" class="button small" disabled={draft.reviewing} onClick={() => setMode('reject')}>Reject</button>
          <button type="button" class="link" onClick={() => onOpen(draft.conversationId)}>Open the conversation</button>
        </div>
      )}
      {mode === 'edit' && (
        <form class="draft-form" onSubmit={(e) => (e.preventDefault(), review('EDIT', text))}>
          <label for={`${id}-edit`}>Your version (sent as {ws.name(draft.author)})</label>
          <textarea id={`${id}-edit`} rows={3} value={text} onInput={(e) => setText(e.currentTarget.value)} />
          <div class="form-actions">
            <button type="submit" class="button primary small" disabled={draft.reviewing || !text.trim()}>Send edited reply</button>
            <button type="button" class="button small" onClick={() => setMode('idle')}>Cancel</button>
          </div>
        </form>
      )}
      {mode === 'reject' && (
        <form class="draft-form" onSubmit={(e) => (e.preventDefault(), review('REJECT', reason))}>
          <label for={`${id}-reason`}>Reason (the trainee reads it)</label>
          <textarea id={`${id}-reason`} rows={2} value={reason} onInput={(e) => setReason(e.currentTarget.value)} />
          <div class="form-actions">
            <button type="submit" class="button primary small" disabled={draft.reviewing || !reason.trim()}>Reject draft</button>
            <button type="button" class="button small" onClick={() => setMode('idle')}>Cancel</button>
          </div>
        </form>
      )}
      {error && <p class="form-error" role="alert">{error}</p>}
    </li>
  );
}
