// The lead console (/console/): sign-in (leads and admins; an agent is sent to the desk), then five
// tabs — the live board (staffing advice, queues, conversations at risk, agents) with a monitored
// conversation beside it; the lead's own desk (escalation offers, conversations taken over or
// monitored, with whisper, barge in, take over, hand back, reassign, priority); the trainee drafts
// to review; the replies the outbox could not deliver, to send again; and the KPI reports. Offers show on every tab. The socket and its resume are the
// desk's (LeadWorkspace); boards go to the BoardStore, apart, so a board redraws only the board.
import { render } from 'preact';
import { useEffect, useLayoutEffect, useRef, useState } from 'preact/hooks';
import '../styles/base.css';
import '../staff/staff.css';
import './console.css';
import { RestClient } from '../lib/rest';
import { StaffGate } from '../lib/sign_in';
import { useStaffConnection } from '../lib/staff_connection';
import { StaffFrame } from '../lib/staff_page';
import type { StaffSession } from '../lib/types';
import { BrowserAlerts } from '../staff/alerts';
import type { BoardWire } from '../staff/api';
import { ConnectionBanner } from '../staff/connection_banner';
import { ConversationPane } from '../staff/conversation_pane';
import { errorWords } from '../staff/format';
import { LeadWorkspace } from '../staff/lead_workspace';
import { memo, usePageVisible, useModel } from '../staff/preact_util';
import { OfferList, StatusMini } from '../staff/sidebar';
import { localStore, sessionStore } from '../staff/storage';
import { WorkspaceView } from '../staff/workspace_view';
import { BoardStore } from './board_store';
import { BoardView } from './board_view';
import { DeadLettersView, useDeadLetters } from './dead_letters';
import { DraftsView } from './drafts_view';
import { KpiView } from './kpi_view';

const rest = new RestClient();
const title = 'Lead console';
type Tab = 'board' | 'desk' | 'drafts' | 'undelivered' | 'reports';
const tabs: { id: Tab; label: string }[] = [
  { id: 'board', label: 'Live board' },
  { id: 'desk', label: 'Conversations' },
  { id: 'drafts', label: 'Drafts' },
  { id: 'undelivered', label: 'Undelivered' },
  { id: 'reports', label: 'Reports' },
];

/** When the board frame being applied arrived: the board's redraw ends a `sb:board-update` measure. */
let boardStart = 0;
let measures = 0;

type PageProps = { session: StaffSession; signOut: () => Promise<void>; lost: () => void };

function Console(props: PageProps) {
  if (props.session.role !== 'lead' && props.session.role !== 'admin') {
    return (
      <StaffFrame title={title} session={props.session} onSignOut={props.signOut}>
        <div class="leads-only">
          <h2>This page is for team leads</h2>
          <p>You are signed in as an agent. Your conversations and offers are on the <a href="/desk/">agent desk</a>.</p>
        </div>
      </StaffFrame>
    );
  }
  return <LeadConsole {...props} />;
}

function LeadConsole({ session, signOut, lost }: PageProps) {
  const holder = useRef<LeadWorkspace | null>(null);
  const [board] = useState(() => new BoardStore());
  const { conn, state } = useStaffConnection({
    rest,
    query: 'boards=changes', // a team's board whole once, then only what changed (docs/PROTOCOL.md)
    onSignedOut: lost,
    onConnected: () => holder.current?.onConnected(),
    onFrame: (frame) => {
      if (!frame.board) return holder.current?.onFrame(frame);
      boardStart = performance.now();
      const changed = board.apply(frame.board as BoardWire);
      performance.measure('sb:board-apply', { start: boardStart, end: performance.now() });
      if (!changed) boardStart = 0;
      holder.current?.noticeBoard(board.agentsOf(frame.board.team ?? ''));
    },
  });
  const [alerts] = useState(() => new BrowserAlerts(title));
  const [ws] = useState(() => {
    const w = new LeadWorkspace({ conn, rest, session, storage: localStore(), tabStorage: sessionStore(), alerts });
    holder.current = w;
    w.start();
    return w;
  });
  useModel(ws, true);
  const visible = usePageVisible();
  const [tab, setTab] = useState<Tab>('board');
  const [panel, setPanel] = useState('');
  const [focusRequest, setFocusRequest] = useState<{ id: string; n: number }>();
  const [openError, setOpenError] = useState('');
  const openRef = useRef<(id: string) => void>(() => undefined);
  openRef.current = (id: string) => {
    setOpenError('');
    ws.monitor(id).then(
      () => {
        if (tab === 'board') setPanel(id);
        else setTab('desk');
        setFocusRequest({ id, n: Date.now() });
      },
      (e: unknown) => setOpenError(`Could not open ${id}: ${errorWords(e)}`),
    );
  };
  const [onOpen] = useState(() => (id: string) => openRef.current(id));

  // An offer accepted from the dock: its conversation is on the desk tab, so go there.
  useEffect(() => {
    if (ws.front && tab !== 'desk') setTab('desk');
  }, [ws.front?.n]);

  const active = ws.list().filter((c) => c.active).length;
  const undelivered = useDeadLetters(rest, tab === 'undelivered' ? 10_000 : 30_000);
  const counts: Record<Tab, number> = {
    board: 0, desk: active + ws.offers.size, drafts: ws.drafts.size, undelivered: undelivered.letters.length, reports: 0,
  };
  useEffect(() => {
    document.title = `${ws.offers.size + ws.drafts.size ? `(${ws.offers.size + ws.drafts.size}) ` : ''}${title} · Switchboard`;
  }, [ws.offers.size, ws.drafts.size]);
  const panelConv = panel ? ws.convs.get(panel) : undefined;
  return (
    <StaffFrame title={title} session={session} onSignOut={signOut} connection={state}>
      <ConnectionBanner state={state} waiting={ws.outbox.items.length} onRetry={() => conn.reconnectNow()} />
      <div class="tab-row">
        <TabBar tab={tab} counts={counts} onTab={setTab} />
        <StatusMini ws={ws} />
      </div>
      {tab !== 'desk' && (ws.offers.size > 0 || ws.notice || openError) && (
        <div class="offer-dock">
          <OfferList ws={ws} />
          {openError && <p class="form-error" role="alert">{openError}</p>}
          {!openError && ws.notice && <p class="ws-notice" role="status">{ws.notice.text}</p>}
        </div>
      )}
      <div class="tab-panel" role="tabpanel" id="panel-board" aria-labelledby="tab-board" hidden={tab !== 'board'}>
        <div class={`board-layout${panelConv ? ' with-panel' : ''}`}>
          <BoardTab store={board} ws={ws} onOpen={onOpen} />
          {panelConv && (
            <aside class="board-panel" aria-label="Monitored conversation">
              <button type="button" class="button small panel-close" onClick={() => setPanel('')}>Close panel</button>
              <ConversationPane ws={ws} lead={ws} conv={panelConv} version={panelConv.version} reference={`${ws.queues.length}:${ws.agents.length}`}
                focused={false} command={null} pageVisible={visible} onFocus={() => undefined} />
            </aside>
          )}
        </div>
      </div>
      <div class="tab-panel tab-desk" role="tabpanel" id="panel-desk" aria-labelledby="tab-desk" hidden={tab !== 'desk'}>
        <WorkspaceView ws={ws} lead={ws} alerts={alerts} pageVisible={visible && tab === 'desk'} focusRequest={focusRequest} shortcuts={tab === 'desk'} />
      </div>
      <div class="tab-panel" role="tabpanel" id="panel-drafts" aria-labelledby="tab-drafts" hidden={tab !== 'drafts'}>
        <DraftsView ws={ws} onOpen={onOpen} />
      </div>
      <div class="tab-panel" role="tabpanel" id="panel-undelivered" aria-labelledby="tab-undelivered" hidden={tab !== 'undelivered'}>
        <DeadLettersView rest={rest} state={undelivered} onOpen={onOpen} />
      </div>
      <div class="tab-panel" role="tabpanel" id="panel-reports" aria-labelledby="tab-reports" hidden={tab !== 'reports'}>
        {tab === 'reports' && <KpiView rest={rest} />}
      </div>
    </StaffFrame>
  );
}

function TabBar({ tab, counts, onTab }: { tab: Tab; counts: Record<Tab, number>; onTab: (t: Tab) => void }) {
  const onKeyDown = (e: KeyboardEvent) => {
    if (e.key !== 'ArrowRight' && e.key !== 'ArrowLeft') return;
    const i = tabs.findIndex((t) => t.id === tab);
    const next = tabs[(i + (e.key === 'ArrowRight' ? 1 : tabs.length - 1)) % tabs.length];
    onTab(next.id);
    document.getElementById(`tab-${next.id}`)?.focus();
  };
  return (
    <div class="tabs" role="tablist" aria-label="Console" onKeyDown={onKeyDown}>
      {tabs.map((t) => (
        <button key={t.id} type="button" role="tab" id={`tab-${t.id}`} aria-controls={`panel-${t.id}`} aria-selected={tab === t.id}
          tabIndex={tab === t.id ? 0 : -1} onClick={() => onTab(t.id)}>
          {t.label}
          {counts[t.id] > 0 && <span class="count">{counts[t.id]}</span>}
        </button>
      ))}
    </div>
  );
}

/** The board, redrawn by its own store only: conversation events elsewhere do not touch it. */
const BoardTab = memo(function BoardTab({ store, ws, onOpen }: { store: BoardStore; ws: LeadWorkspace; onOpen: (id: string) => void }) {
  useModel(store);
  useLayoutEffect(() => {
    if (!boardStart) return;
    performance.measure('sb:board-update', { start: boardStart, end: performance.now() });
    boardStart = 0;
    if (++measures % 600 === 0) {
      performance.clearMeasures('sb:board-update');
      performance.clearMeasures('sb:board-apply');
    }
  });
  return <BoardView store={store} ws={ws} onOpen={onOpen} />;
}, (a, b) => a.store === b.store && a.ws === b.ws && a.onOpen === b.onOpen);

render(
  <StaffGate rest={rest} title={title}>
    {(session, { signOut, lost }) => <Console session={session} signOut={signOut} lost={lost} />}
  </StaffGate>,
  document.getElementById('app')!,
);
