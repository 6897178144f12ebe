// One conversation in a column: who the customer is (name, email, the channel a reply goes to),
// what is going on (typing, gone, an inactivity warning counting down, who monitors, priority),
// its actions (by role: an owner transfers, escalates, resolves; a lead watching takes over,
// reassigns, changes priority), the timeline, and the composer. Re-renders only when the
// conversation moved (its version) or the page's shortcuts point at it.
import { Fragment } from 'preact';
import { useEffect, useMemo, useState } from 'preact/hooks';
import { useNow } from '../lib/hooks';
import { ActionForm, type FormKind } from './action_forms';
import { Composer, type Mode } from './composer';
import { WhatsAppWindow } from './whatsapp_window';
import type { Conv } from './conv';
import { channelName, clockWords, shortId, timeWords } from './format';
import { currentOwner, type LeadWorkspace } from './lead_workspace';
import { memo } from './preact_util';
import { proofDetails, refreshAfterProof } from './proofs';
import { type Summary, summarize, timelineItems } from './timeline';
import { ChannelBadge, TimelineView } from './timeline_view';
import type { Workspace } from './workspace';

export interface PaneCommand {
  id: string;
  kind: 'noteMode' | 'resolve' | 'transfer' | 'escalate' | 'focus';
  n: number;
}

export interface PaneProps {
  ws: Workspace;
  lead?: LeadWorkspace;
  conv: Conv;
  version: number;
  /** Queues, agents, canned replies loaded: the forms and composer need them. */
  reference: string;
  focused: boolean;
  command: PaneCommand | null;
  pageVisible: boolean;
  onFocus: (id: string) => void;
}

function Pane({ ws, lead, conv, focused, command, pageVisible, onFocus }: PaneProps) {
  const [form, setForm] = useState<FormKind | null>(null);
  const [toggleNote, setToggleNote] = useState(0);
  const [focusNow, setFocusNow] = useState(0);
  const summary = summarize(conv.log.events);
  const typingIds = conv.typing.typing();
  useNow(1000, typingIds.length > 0 || summary.resolvesAtMs > Date.now());
  const ctx = { customerId: conv.customerId, customerName: conv.customer ? conv.title : '', names: ws.names, routing: !!lead };
  const items = timelineItems(conv.log.events, ws.outboxFor(conv.id), ctx);
  const earlier = useMemo(
    () => conv.historyGroups().map((g) => ({
      conversationId: g.conversationId,
      title: `Earlier conversation · ${timeWords(Number(g.events[0]?.atMs ?? 0))}`,
      items: timelineItems(g.events, [], ctx),
    })),
    [conv.history.length, conv.customerId, conv.customer],
  );
  const forms = formsFor(conv, !!lead);

  useEffect(() => {
    if (!command || command.id !== conv.id) return;
    if (command.kind === 'noteMode') setToggleNote((n) => n + 1);
    else if (command.kind === 'focus') setFocusNow((n) => n + 1);
    else if (forms.includes(command.kind)) setForm(command.kind);
  }, [command?.n]);

  useEffect(() => {
    if (pageVisible && conv.active) ws.markSeen(conv.id);
  }, [conv.version, pageVisible]);

  useEffect(() => refreshAfterProof(ws, conv), [conv.version]);

  const modes: Mode[] = conv.role === 'owner' ? ['reply', 'note'] : ['whisper', 'barge', 'note'];
  const who = typingIds.map((id) => (id === conv.customerId ? 'The customer' : ws.name(id)));
  const ownerId = lead ? currentOwner(conv) : '';
  return (
    <article class={`pane${focused ? ' focused' : ''}${conv.active ? '' : ' closed'}`} aria-labelledby={`h-${conv.id}`}
      data-testid="conversation" data-conversation-id={conv.id} onFocusIn={() => onFocus(conv.id)} onMouseDown={() => onFocus(conv.id)}>
      <header class="pane-head">
        <div class="pane-title">
          <h2 id={`h-${conv.id}`}>{conv.title}</h2>
          <p class="pane-sub">
            {conv.customer?.attributes?.email && <span data-testid="customer-email">{conv.customer.attributes.email}</span>}
            <ChannelBadge channel={summary.channel || conv.channel} prefix="via " />
            {conv.queue && <span>{conv.queue}</span>}
            <span class="muted" title={conv.id}>{shortId(conv.id)}</span>
          </p>
        </div>
        <PaneActions conv={conv} forms={forms} lead={lead} onForm={setForm} ws={ws} />
      </header>
      <PaneStatus ws={ws} conv={conv} summary={summary} isLead={!!lead} ownerId={ownerId} />
      <div class="pane-body">
        <div class="pane-main">
          {form && <ActionForm ws={ws} lead={lead} conv={conv} kind={form} onClose={() => setForm(null)} />}
          <TimelineView label={`Conversation with ${conv.title}`} earlier={earlier} items={items}
            onRetry={(id) => ws.retry(id)} onDiscard={(id) => ws.discard(id)} top={<HistoryControls ws={ws} conv={conv} />}
            before={<EarlierControls ws={ws} conv={conv} />}
            bottom={who.length > 0 && <p class="typing">{who.join(', ')} {who.length > 1 ? 'are' : 'is'} typing…</p>} />
          {conv.active && !conv.accepting && summary.channel === 'CHANNEL_WHATSAPP' && (
            <WhatsAppWindow ws={ws} conv={conv} wroteAtMs={summary.whatsappAtMs} nowMs={Date.now()} />
          )}
          {conv.active && !conv.accepting && (
            <Composer ws={ws} lead={lead} conv={conv} modes={modes} toggleNote={toggleNote} focusNow={focusNow} />
          )}
        </div>
        <CustomerInfo conv={conv} earlier={earlier.length} owner={lead ? ws.name(ownerId) || 'nobody' : ''} priority={summary.priority} />
      </div>
    </article>
  );
}

/** What is going on, as chips: closed, monitored, the customer gone, an inactivity countdown… */
function PaneStatus({ ws, conv, summary, isLead, ownerId }: { ws: Workspace; conv: Conv; summary: Summary; isLead: boolean; ownerId: string }) {
  const now = Date.now();
  const resolvesIn = summary.resolvesAtMs > now ? (summary.resolvesAtMs - now) / 1000 : 0;
  const owner = conv.role === 'owner';
  return (
    <div class="pane-status" aria-live="polite">
      {conv.closed && <span class="chip chip-closed">{conv.closed.why}</span>}
      {conv.accepting && <span class="chip">Joining…</span>}
      {!owner && conv.active && <span class="chip chip-monitor">You are monitoring{ownerId ? ` · owner ${ws.name(ownerId)}` : ' · unowned'}</span>}
      {owner && isLead && conv.active && <span class="chip chip-owner">You own it</span>}
      {summary.away && conv.active && <span class="chip chip-warn">{summary.away.why === 'left' ? 'Customer left' : 'Customer disconnected'}</span>}
      {resolvesIn > 0 && conv.active && <span class="chip chip-warn">Resolves in {clockWords(resolvesIn)} unless the customer writes</span>}
      {summary.monitors.filter((m) => m !== ws.self).map((m) => <span key={m} class="chip">{ws.name(m)} is monitoring</span>)}
      {summary.priority !== 0 && <span class="chip">Priority {summary.priority}</span>}
    </div>
  );
}

/** The forms a pane offers, by who holds the conversation. */
function formsFor(conv: Conv, isLead: boolean): FormKind[] {
  if (!conv.active || conv.accepting) return [];
  if (conv.role === 'monitor') return ['takeover', 'reassign', 'priority'];
  return isLead ? ['handback', 'transfer', 'resolve', 'priority'] : ['transfer', 'escalate', 'resolve'];
}

const formButtons: Record<FormKind, string> = {
  transfer: 'Transfer',
  escalate: 'Escalate',
  resolve: 'Resolve',
  takeover: 'Take over',
  handback: 'Hand back',
  reassign: 'Reassign',
  priority: 'Priority',
};

function PaneActions({ ws, lead, conv, forms, onForm }: { ws: Workspace; lead?: LeadWorkspace; conv: Conv; forms: FormKind[]; onForm: (f: FormKind) => void }) {
  const [error, setError] = useState('');
  if (!conv.active) {
    return (
      <div class="pane-actions">
        <button type="button" class="button small" onClick={() => ws.dismiss(conv.id)} aria-label={`Dismiss conversation with ${conv.title}`}>Dismiss</button>
      </div>
    );
  }
  const stop = () => lead?.stopMonitoring(conv.id).catch((e: unknown) => setError(String((e as Error).message ?? e)));
  return (
    <div class="pane-actions">
      {forms.map((f) => (
        <button key={f} type="button" class={`button small${f === 'resolve' ? ' primary' : ''}`} onClick={() => onForm(f)}>{formButtons[f]}</button>
      ))}
      {conv.role === 'monitor' && <button type="button" class="button small" onClick={stop}>Stop monitoring</button>}
      {error && <span class="form-error" role="alert">{error}</span>}
    </div>
  );
}

/** The customer's details beside the timeline, when the pane is wide enough (a container query). */
function CustomerInfo({ conv, earlier, owner, priority }: { conv: Conv; earlier: number; owner: string; priority: number }) {
  const c = conv.customer;
  const attrs = Object.entries(c?.attributes ?? {});
  const opened = Number(conv.log.events[0]?.atMs ?? 0);
  return (
    <aside class="pane-info" aria-label={`About ${conv.title}`}>
      <h3>Customer</h3>
      <dl>
        <dt>Name</dt><dd>{c?.displayName || '–'}</dd>
        {attrs.map(([k, v]) => <Fragment key={k}><dt>{k}</dt><dd>{v}</dd></Fragment>)}
        {c?.createdAtMs && <><dt>Since</dt><dd>{timeWords(Number(c.createdAtMs))}</dd></>}
      </dl>
      {(c?.identities?.length ?? 0) > 0 && (
        <ul class="identities" aria-label="Reachable on">
          {c!.identities!.map((i) => (
            <li key={`${i.channel}:${i.address}`}>
              <ChannelBadge channel={i.channel} /> <span class="muted">{i.address}</span>
              {i.proof && <> <ProofMark details={proofDetails(i, conv.id)} /></>}
            </li>
          ))}
        </ul>
      )}
      <h3>Conversation</h3>
      <dl>
        <dt>Queue</dt><dd>{conv.queue || '–'}</dd>
        {opened > 0 && <><dt>Opened</dt><dd>{timeWords(opened)}</dd></>}
        {owner && <><dt>Owner</dt><dd>{owner}</dd></>}
        <dt>Priority</dt><dd>{priority || conv.record?.priority || 0}</dd>
        <dt>Earlier</dt><dd>{earlier ? `${earlier} conversation${earlier > 1 ? 's' : ''}` : 'none'}</dd>
        <dt>Id</dt><dd class="mono">{conv.id}</dd>
      </dl>
    </aside>
  );
}

/** "confirmed" beside an identity the customer proved; how and when in its title (and to screen readers). */
function ProofMark({ details }: { details: string }) {
  return (
    <span class="tag tag-confirmed" title={`Confirmed ${details}`.trim()} data-testid="identity-confirmed">
      confirmed{details && <span class="sr-only"> {details}</span>}
    </span>
  );
}

/** This conversation began before its earliest event held (a long one, or after a gap): page back. */
function EarlierControls({ ws, conv }: { ws: Workspace; conv: Conv }) {
  const first = conv.log.firstSeq;
  if (first <= 1) return null;
  if (conv.earlierState === 'loading') return <p class="tl-event">Loading earlier messages…</p>;
  return (
    <p class="tl-event">
      {conv.earlierState === 'error' && 'Earlier messages could not be read. '}
      <button type="button" class="link" onClick={() => ws.loadEarlier(conv.id)}>
        {conv.earlierState === 'error' ? 'Try again' : `Show earlier messages (${first - 1} more events)`}
      </button>
    </p>
  );
}

function HistoryControls({ ws, conv }: { ws: Workspace; conv: Conv }) {
  if (conv.historyState === 'loading') return <p class="tl-event">Loading the customer’s history…</p>;
  if (conv.historyState === 'error') {
    return (
      <p class="tl-event">
        The customer’s history could not be read.{' '}
        <button type="button" class="link" onClick={() => ws.loadHistory(conv.id, !conv.historyNext)}>Try again</button>
      </p>
    );
  }
  if (!conv.historyNext) return null;
  return (
    <p class="tl-event">
      <button type="button" class="link" onClick={() => ws.loadHistory(conv.id)}>Load more of the customer’s history</button>
    </p>
  );
}

export const ConversationPane = memo(Pane, (a, b) =>
  a.conv === b.conv && a.version === b.version && a.focused === b.focused && a.pageVisible === b.pageVisible &&
  a.reference === b.reference && (a.command === b.command || (a.command?.id !== a.conv.id && b.command?.id !== b.conv.id)));

/** A channel's name in a sentence (for list rows). */
export function viaWords(conv: Conv): string {
  const ch = summarize(conv.log.events).channel || conv.channel;
  return ch ? `via ${channelName(ch)}` : '';
}
