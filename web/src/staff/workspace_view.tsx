// The desk's screen (the agent desk's whole page, the console's "Conversations" tab): the side
// column and the conversations side by side — as many columns as fit (about 26 rem each), showing
// the ones used most recently, in list order so they do not jump about. Owns the keyboard
// shortcuts (shortcuts.ts) and the help dialog.
import { useEffect, useRef, useState } from 'preact/hooks';
import type { BrowserAlerts } from './alerts';
import { ConversationPane, type PaneCommand } from './conversation_pane';
import type { LeadWorkspace } from './lead_workspace';
import { useModel } from './preact_util';
import { matchShortcut } from './shortcuts';
import { ShortcutsDialog } from './shortcuts_dialog';
import { ConversationList, DeskSettings, OfferList, StatusControl } from './sidebar';
import type { Workspace } from './workspace';

const columnRem = 26;
const maxColumns = 4;

export interface WorkspaceViewProps {
  ws: Workspace;
  lead?: LeadWorkspace;
  alerts: BrowserAlerts;
  pageVisible: boolean;
  /** Focus this conversation (the console's "Monitor" buttons); `n` changes for each request. */
  focusRequest?: { id: string; n: number };
  /** False while hidden behind another tab: only Alt+A / Alt+D (offers) stay live, and the
   * offers show in the page's own dock instead of here. */
  shortcuts?: boolean;
}

let commands = 0;

export function WorkspaceView({ ws, lead, alerts, pageVisible, focusRequest, shortcuts = true }: WorkspaceViewProps) {
  useModel(ws, true);
  const [focusId, setFocusId] = useState('');
  const [mru, setMru] = useState<string[]>([]);
  /** Ended chats opened from the list to read: shown in a pane until dismissed. */
  const [reading, setReading] = useState<ReadonlySet<string>>(() => new Set());
  const [command, setCommand] = useState<PaneCommand | null>(null);
  const [help, setHelp] = useState(false);
  const panesBox = useRef<HTMLDivElement>(null);
  const columns = useColumns(panesBox);
  const seen = useRef(new Set<string>());

  const list = ws.list();
  const active = list.filter((c) => c.active);
  // A chat that ended leaves the panes for the list's closed ones, unless opened from there since.
  const inPane = (id: string) => !!ws.convs.get(id)?.active || reading.has(id);
  const order = [...mru.filter(inPane), ...active.map((c) => c.id).filter((id) => !mru.includes(id))];
  const shown = new Set(order.slice(0, columns));
  const panes = list.filter((c) => shown.has(c.id));
  const focused = ws.convs.has(focusId) ? focusId : (panes[0]?.id ?? '');

  const select = (id: string, kind: PaneCommand['kind'] = 'focus') => {
    const conv = ws.convs.get(id);
    if (conv && !conv.active) setReading((r) => new Set(r).add(id));
    setFocusId(id);
    setMru((m) => [id, ...m.filter((x) => x !== id)].slice(0, 20));
    setCommand({ id, kind, n: ++commands });
  };

  // A conversation opened by a lead, or just accepted, comes to the front.
  useEffect(() => {
    for (const c of list) {
      if (seen.current.has(c.id)) continue;
      seen.current.add(c.id);
      if (c.role === 'monitor') select(c.id);
    }
  });
  useEffect(() => {
    if (ws.front && ws.convs.has(ws.front.id)) select(ws.front.id);
  }, [ws.front?.n]);
  useEffect(() => {
    if (focusRequest && ws.convs.has(focusRequest.id)) select(focusRequest.id);
  }, [focusRequest?.n]);

  const handler = useRef<(e: KeyboardEvent) => void>(() => undefined);
  handler.current = (e: KeyboardEvent) => {
    const target = e.target as HTMLElement | null;
    const inField = !!target && (/^(INPUT|TEXTAREA|SELECT)$/.test(target.tagName) || target.isContentEditable);
    const action = matchShortcut(e, inField);
    if (!action || document.querySelector('dialog[open]:not(.shortcuts)')) return;
    // Hidden behind another tab, only the offer keys stay live (offers show on every tab).
    if (!shortcuts && action.kind !== 'accept' && action.kind !== 'decline') return;
    const firstOffer = [...ws.offers.values()].sort((a, b) => a.expiresAt - b.expiresAt)[0];
    switch (action.kind) {
      case 'accept':
      case 'decline':
        e.preventDefault();
        if (firstOffer && !firstOffer.answering) ws.answer(firstOffer.conversationId, action.kind === 'accept').catch(() => undefined);
        return;
      case 'noteMode':
      case 'resolve':
      case 'transfer':
      case 'escalate':
        e.preventDefault();
        if (focused) select(focused, action.kind);
        return;
      case 'focus':
        e.preventDefault();
        if (active[action.index]) select(active[action.index].id);
        return;
      case 'help':
        e.preventDefault();
        setHelp(true);
        return;
      default:
        return;
    }
  };
  useEffect(() => {
    const on = (e: KeyboardEvent) => handler.current(e);
    addEventListener('keydown', on);
    return () => removeEventListener('keydown', on);
  }, []);

  const reference = `${ws.queues.length}:${ws.agents.length}:${ws.canned.length}:${ws.trainee}`;
  return (
    <div class="ws">
      <aside class="ws-side" aria-label="Desk">
        <StatusControl ws={ws} />
        {shortcuts && <OfferList ws={ws} />}
        {ws.notice && <p class="ws-notice" role="status">{ws.notice.text}</p>}
        <ConversationList ws={ws} focusId={focused} onSelect={(id) => select(id)} />
        <DeskSettings alerts={alerts} onShortcuts={() => setHelp(true)} />
      </aside>
      <div class="ws-panes" ref={panesBox} style={{ '--cols': String(Math.max(1, Math.min(columns, panes.length))) }}>
        {panes.length === 0 && (
          <div class="ws-empty">
            <h2>No conversation open</h2>
            <p>Offers appear on the left with a sound; accept one (Alt+A) and it opens here. Press ? for the shortcuts.</p>
          </div>
        )}
        {panes.map((c) => (
          <ConversationPane key={c.id} ws={ws} lead={lead} conv={c} version={c.version} reference={reference}
            focused={c.id === focused} command={command} pageVisible={pageVisible} onFocus={(id) => id !== focused && setFocusId(id)} />
        ))}
      </div>
      <ShortcutsDialog open={help} onClose={() => setHelp(false)} />
    </div>
  );
}

/** How many conversation columns fit the box's width. */
function useColumns(box: { current: HTMLElement | null }): number {
  const [n, setN] = useState(2);
  useEffect(() => {
    const el = box.current;
    if (!el || typeof ResizeObserver === 'undefined') return;
    const rem = parseFloat(getComputedStyle(document.documentElement).fontSize) || 16;
    const ro = new ResizeObserver(([entry]) => {
      const fit = Math.floor(entry.contentRect.width / (columnRem * rem));
      setN(Math.max(1, Math.min(maxColumns, fit)));
    });
    ro.observe(el);
    return () => ro.disconnect();
  }, []);
  return n;
}
