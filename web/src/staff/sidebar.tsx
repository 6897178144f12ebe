// The desk's side column: the agent's status (available, away with a reason, offline), the offers
// with their countdowns, the list of conversations (numbered for Alt+1…9, with unread counts and
// how long the customer has been waiting), the closed ones until dismissed, and the settings
// (sound, browser notifications, the shortcuts list).
import type { TargetedSubmitEvent } from 'preact';
import { useState } from 'preact/hooks';
import { useCountdown, useNow } from '../lib/hooks';
import { int } from '../lib/ids';
import type { AgentStatus } from '../lib/types';
import type { BrowserAlerts } from './alerts';
import type { Conv } from './conv';
import { clockWords, durationWords, errorWords } from './format';
import { summarize } from './timeline';
import { ChannelBadge } from './timeline_view';
import type { Offer, Workspace } from './workspace';

const statusWords: Record<string, string> = { AVAILABLE: 'Available', AWAY: 'Away', OFFLINE: 'Offline' };
const awayReasons = ['lunch', 'break', 'meeting', 'training'];

export function StatusControl({ ws }: { ws: Workspace }) {
  const [asking, setAsking] = useState(false);
  const [reason, setReason] = useState(awayReasons[0]);
  const [other, setOther] = useState('');
  const now = useNow(15_000);
  const status = ws.status.status ?? 'OFFLINE';
  const since = int(ws.status.statusSinceMs);
  const set = (s: AgentStatus, why = '') => {
    setAsking(false);
    void ws.setStatus(s, why);
  };
  const submitAway = (e: TargetedSubmitEvent<HTMLFormElement>) => {
    e.preventDefault();
    set('AWAY', reason === 'other' ? other : reason);
  };
  return (
    <section class="side-block" aria-labelledby="status-heading">
      <h2 id="status-heading">Status</h2>
      <p class="status-now" data-testid="status-now">
        <span class={`dot dot-${status.toLowerCase()}`} aria-hidden="true" />
        <strong>{statusWords[status] ?? status}</strong>
        {status === 'AWAY' && ws.status.reason && <span> · {ws.status.reason}</span>}
        {since > 0 && <span class="muted"> · {durationWords((now - since) / 1000)}</span>}
      </p>
      <div class="seg" role="group" aria-label="Set your status">
        <button type="button" aria-pressed={status === 'AVAILABLE'} onClick={() => set('AVAILABLE')}>Available</button>
        <button type="button" aria-pressed={status === 'AWAY'} aria-expanded={asking} onClick={() => setAsking(!asking)}>Away…</button>
        <button type="button" aria-pressed={status === 'OFFLINE'} onClick={() => set('OFFLINE')}>Offline</button>
      </div>
      {asking && (
        <form class="away-form" aria-label="Away reason" onSubmit={submitAway}>
          <label for="away-reason">Reason</label>
          <select id="away-reason" value={reason} onChange={(e) => setReason(e.currentTarget.value)}>
            {awayReasons.map((r) => <option key={r} value={r}>{r}</option>)}
            <option value="other">other…</option>
          </select>
          {reason === 'other' && (
            <input aria-label="Other reason" value={other} onInput={(e) => setOther(e.currentTarget.value)} maxLength={80} />
          )}
          <button type="submit" class="button small primary">Set away</button>
        </form>
      )}
      {ws.statusError && <p class="form-error" role="alert">{ws.statusError}</p>}
    </section>
  );
}

/** The status in one line with its three buttons (the console's tab bar; away without a reason). */
export function StatusMini({ ws }: { ws: Workspace }) {
  const status = ws.status.status ?? 'OFFLINE';
  return (
    <div class="status-mini" role="group" aria-label="Your status">
      <span class={`dot dot-${status.toLowerCase()}`} aria-hidden="true" />
      {(['AVAILABLE', 'AWAY', 'OFFLINE'] as const).map((s) => (
        <button key={s} type="button" aria-pressed={status === s} onClick={() => void ws.setStatus(s, s === 'AWAY' ? ws.status.reason ?? '' : '')}>
          {statusWords[s]}
        </button>
      ))}
    </div>
  );
}

export function OfferList({ ws }: { ws: Workspace }) {
  const offers = [...ws.offers.values()].sort((a, b) => a.expiresAt - b.expiresAt);
  if (offers.length === 0) return null;
  return (
    <section class="side-block offers" aria-labelledby="offers-heading">
      <h2 id="offers-heading">Offers</h2>
      <ul>{offers.map((o, i) => <OfferCard key={o.conversationId} ws={ws} offer={o} first={i === 0} />)}</ul>
    </section>
  );
}

function OfferCard({ ws, offer, first }: { ws: Workspace; offer: Offer; first: boolean }) {
  const left = useCountdown(offer.expiresAt, ws.clock);
  const [error, setError] = useState('');
  const total = Math.max(1000, offer.expiresAt - offer.receivedAt);
  const answer = (accept: boolean) => ws.answer(offer.conversationId, accept).catch((e: unknown) => setError(errorWords(e)));
  return (
    <li class={`offer${left.seconds <= 5 ? ' urgent' : ''}`} data-testid="offer" aria-labelledby={`offer-${offer.conversationId}`}>
      <div class="offer-head">
        <strong id={`offer-${offer.conversationId}`}>{offer.channel === 'CHANNEL_EMAIL' ? 'New email' : 'New chat'}{offer.queue ? ` · ${offer.queue}` : ''}</strong>
        <ChannelBadge channel={offer.channel} />
        <span class="offer-timer" role="timer" aria-label={`${left.seconds} seconds left`}>{clockWords(left.seconds)}</span>
      </div>
      <div class="offer-bar" aria-hidden="true"><span style={{ width: `${Math.min(100, (left.remainingMs / total) * 100)}%` }} /></div>
      {offer.preview && <p class="offer-preview">“{offer.preview}”</p>}
      {offer.escalation && (
        <p class="offer-esc">Escalated by {ws.name(offer.escalation.agentId)}{offer.escalation.reason ? `: “${offer.escalation.reason}”` : ''}</p>
      )}
      {offer.decision?.reason && <p class="offer-why">Why you: {offer.decision.reason}</p>}
      <div class="offer-actions">
        <button type="button" class="button primary" disabled={offer.answering || left.expired} onClick={() => answer(true)}
          aria-keyshortcuts={first ? 'Alt+A' : undefined}>Accept</button>
        <button type="button" class="button" disabled={offer.answering || left.expired} onClick={() => answer(false)}
          aria-keyshortcuts={first ? 'Alt+D' : undefined}>Decline</button>
      </div>
      {error && <p class="form-error" role="alert">{error}</p>}
    </li>
  );
}

export function ConversationList({ ws, focusId, onSelect }: { ws: Workspace; focusId: string; onSelect: (id: string) => void }) {
  const all = ws.list();
  const active = all.filter((c) => c.active);
  const closed = all.filter((c) => !c.active);
  const now = useNow(10_000, active.length > 0);
  return (
    <nav class="side-block" aria-labelledby="convs-heading">
      <h2 id="convs-heading">Conversations <span class="count">{active.length}</span></h2>
      {active.length === 0 && <p class="muted">No conversations yet. Set yourself available to get offers.</p>}
      <ul class="conv-list">
        {active.map((c, i) => <ConvRow key={c.id} conv={c} index={i} focused={c.id === focusId} now={now} self={ws.self} name={(id) => ws.name(id)} onSelect={onSelect} />)}
      </ul>
      {closed.length > 0 && (
        <>
          <h3 class="side-sub">Closed</h3>
          <ul class="conv-list closed">
            {closed.map((c) => (
              <li key={c.id} class="conv-closed">
                <button type="button" class="conv-row" aria-current={c.id === focusId ? 'true' : undefined} onClick={() => onSelect(c.id)}>
                  <span class="conv-name">{c.title}</span>
                  <span class="conv-preview">{c.closed?.why}</span>
                </button>
                <button type="button" class="button small" onClick={() => ws.dismiss(c.id)} aria-label={`Dismiss ${c.title}`}>Dismiss</button>
              </li>
            ))}
          </ul>
        </>
      )}
    </nav>
  );
}

interface ConvRowProps {
  conv: Conv;
  index: number;
  focused: boolean;
  now: number;
  self: string;
  name: (id: string) => string;
  onSelect: (id: string) => void;
}

function lastWho(last: { side: string; authorId: string }, self: string, name: (id: string) => string): string {
  if (last.side !== 'staff') return '';
  return last.authorId === self ? 'You: ' : `${name(last.authorId)}: `;
}

function ConvRow({ conv, index, focused, now, self, name, onSelect }: ConvRowProps) {
  const s = summarize(conv.log.events);
  const unread = conv.unread();
  const waiting = s.waitingSinceMs ? (now - s.waitingSinceMs) / 1000 : 0;
  return (
    <li>
      <button type="button" class={`conv-row${unread ? ' unread' : ''}`} aria-current={focused ? 'true' : undefined}
        onClick={() => onSelect(conv.id)} aria-keyshortcuts={index < 9 ? `Alt+${index + 1}` : undefined} data-testid="conversation-row">
        <span class="conv-num" aria-hidden="true">{index < 9 ? index + 1 : ''}</span>
        <span class="conv-name">{conv.title}{conv.role === 'monitor' ? ' (monitoring)' : ''}</span>
        <ChannelBadge channel={s.channel || conv.channel} />
        {unread > 0 && <span class="badge" aria-label={`${unread} unread`}>{unread}</span>}
        <span class="conv-preview">{s.last ? `${lastWho(s.last, self, name)}${s.last.body}` : conv.accepting ? 'Joining…' : ''}</span>
        {waiting >= 60 && <span class="conv-wait">waiting {durationWords(waiting)}</span>}
      </button>
    </li>
  );
}

export function DeskSettings({ alerts, onShortcuts }: { alerts: BrowserAlerts; onShortcuts: () => void }) {
  const [, redraw] = useState(0);
  const permission = alerts.permission;
  return (
    <section class="side-block settings" aria-label="Settings">
      <label class="check">
        <input type="checkbox" checked={alerts.sound} onChange={(e) => (alerts.setSound(e.currentTarget.checked), redraw((n) => n + 1))} />
        Sound for offers and messages
      </label>
      {permission === 'default' && (
        <button type="button" class="button small" onClick={() => alerts.askNotifications().then(() => redraw((n) => n + 1))}>
          Turn on notifications
        </button>
      )}
      {permission === 'denied' && <p class="muted">Notifications are blocked in this browser’s settings.</p>}
      {permission === 'granted' && <p class="muted">Notifications are on.</p>}
      <button type="button" class="button small" onClick={onShortcuts} aria-keyshortcuts="?">Keyboard shortcuts</button>
    </section>
  );
}
