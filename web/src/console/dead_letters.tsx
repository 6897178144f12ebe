// The "Undelivered" tab: replies to WhatsApp, Messenger, Instagram, Telegram and SMS customers that
// the outbox could not send (GET /v1/outbox/dead: the provider refused them, or gave no answer
// after every retry), newest first, with the provider's reason, and "Send again" (POST
// …/retry: back in the outbox; the desk's delivery line follows it). The list is read again every
// 30 s (10 s while the tab is open) and after each action; the tab shows how many there are.
import { useEffect, useState } from 'preact/hooks';
import type { RestClient } from '../lib/rest';
import { channelName, channelSlug, errorWords, timeWords } from '../staff/format';

/** One letter of GET /v1/outbox/dead (docs/PROTOCOL.md). */
export interface DeadLetter {
  conversationId: string;
  seq: number;
  customerId: string;
  channel: string;
  queue?: string;
  failedAtMs: number;
  attempts: number;
  reason: string;
  body: string;
}

interface DeadLetterPage {
  deadLetters: DeadLetter[];
  total: number;
  nextOffset?: number;
}

export interface DeadLetterState {
  letters: DeadLetter[];
  loaded: boolean;
  error: string;
  refresh: () => void;
}

/** The letters the lead may see (the first 500), read now and again every `everyMs`. */
export function useDeadLetters(rest: RestClient, everyMs: number): DeadLetterState {
  const [letters, setLetters] = useState<DeadLetter[]>([]);
  const [loaded, setLoaded] = useState(false);
  const [error, setError] = useState('');
  const [run, setRun] = useState(0);
  useEffect(() => {
    let live = true;
    const read = () =>
      rest.get<DeadLetterPage>('/v1/outbox/dead?limit=500').then(
        (p) => live && (setLetters(p.deadLetters), setLoaded(true), setError('')),
        (e: unknown) => live && setError(`Could not read the undelivered replies: ${errorWords(e)}`),
      );
    void read();
    const timer = window.setInterval(() => void read(), everyMs);
    return () => {
      live = false;
      window.clearInterval(timer);
    };
  }, [rest, everyMs, run]);
  return { letters, loaded, error, refresh: () => setRun((n) => n + 1) };
}

const channelLabel = (c: string) => channelName(`CHANNEL_${c.toUpperCase()}`);
const key = (l: DeadLetter) => `${l.conversationId}:${l.seq}`;

export function DeadLettersView({ rest, state, onOpen }: { rest: RestClient; state: DeadLetterState; onOpen: (id: string) => void }) {
  const [busy, setBusy] = useState('');
  const [said, setSaid] = useState<{ text: string; error: boolean }>({ text: '', error: false });
  const sendAgain = (l: DeadLetter) => {
    setBusy(key(l));
    setSaid({ text: '', error: false });
    rest.post(`/v1/outbox/dead/${encodeURIComponent(l.conversationId)}/${l.seq}/retry`).then(
      () => setSaid({ text: `The reply to ${l.customerId} is back in the outbox: its conversation shows how it goes.`, error: false }),
      (e: unknown) => setSaid({ text: `Not sent again: ${errorWords(e)}`, error: true }),
    ).finally(() => {
      setBusy('');
      state.refresh();
    });
  };
  return (
    <section class="dead-letters" aria-labelledby="dead-heading">
      <h2 id="dead-heading">Undelivered replies</h2>
      <p class="dead-hint">
        Replies the customer's messaging provider refused, or that could not be sent after every retry. Fix the cause
        (the reason says it: an expired token, a number that cannot receive messages, a closed 24-hour window), then
        send the reply again.
      </p>
      <div class="dead-tools">
        <button type="button" class="button small" onClick={state.refresh}>Refresh</button>
        <span role="status" class={said.text ? (said.error ? 'form-error' : 'ws-notice') : ''}>{said.text}</span>
      </div>
      {state.error && <p class="form-error" role="alert">{state.error}</p>}
      {state.loaded && state.letters.length === 0 && <p class="dead-empty">Nothing undelivered: every reply reached its provider.</p>}
      {state.letters.length > 0 && (
        <table class="dead-table">
          <thead>
            <tr><th scope="col">Failed</th><th scope="col">Channel</th><th scope="col">Queue</th><th scope="col">Reply</th><th scope="col">Reason</th><th scope="col">Tries</th><th scope="col"><span class="sr-only">Actions</span></th></tr>
          </thead>
          <tbody>
            {state.letters.map((l) => (
              <tr key={key(l)} data-testid="dead-letter">
                <td>{timeWords(l.failedAtMs)}</td>
                <td><span class={`chan chan-${channelSlug(l.channel)}`}>{channelLabel(l.channel)}</span></td>
                <td>{l.queue ?? '—'}</td>
                <td class="dead-body">{l.body}</td>
                <td class="dead-reason">{l.reason}</td>
                <td>{l.attempts}</td>
                <td>
                  <div class="dead-actions">
                    <button type="button" class="button small" onClick={() => onOpen(l.conversationId)}>Open</button>
                    <button type="button" class="button small primary" disabled={busy === key(l)} onClick={() => sendAgain(l)}>
                      {busy === key(l) ? 'Sending…' : 'Send again'}
                    </button>
                  </div>
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </section>
  );
}
