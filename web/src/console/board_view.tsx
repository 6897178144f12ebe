// The live board on screen: staffing advice first (queues short of agents, highlighted), the
// queues with today's figures (queues_table.tsx), the conversations at risk, and the agents — a
// virtualised table that stays cheap with a thousand of them. Rows are memoised on their object
// (board_store.ts keeps unchanged rows), so a board applied every second redraws only what moved; the times
// shown ("in status 3 min", "longest wait") count up from "since" instants by the server's clock.
import { useState } from 'preact/hooks';
import { useNowWhenQuiet } from '../lib/hooks';
import type { LeadWorkspace } from '../staff/lead_workspace';
import { durationWords, personName, shortId } from '../staff/format';
import { memo } from '../staff/preact_util';
import { ChannelBadge } from '../staff/timeline_view';
import { type AgentRow, type AgentSort, type BoardStore, type QueueRow, type RiskRow, shortBy } from './board_store';
import { QueuesTable } from './queues_table';
import { VirtualTable } from './virtual_table';

export interface BoardViewProps {
  store: BoardStore;
  ws: LeadWorkspace;
  /** Monitor a conversation and open it beside the board. */
  onOpen: (conversationId: string) => void;
}

const statusWords: Record<string, string> = { AVAILABLE: 'Available', AWAY: 'Away', OFFLINE: 'Offline' };
/** Made once: toLocaleTimeString() builds a formatter on every call (a millisecond a board). */
const clockFormat = new Intl.DateTimeFormat(undefined, { hour: '2-digit', minute: '2-digit', second: '2-digit' });

export function BoardView({ store, ws, onOpen }: BoardViewProps) {
  const [team, setTeam] = useState('');
  const [sort, setSort] = useState<AgentSort>('status');
  const [filter, setFilter] = useState('');
  const serverNow = useNowWhenQuiet() + ws.clock.offsetMs; // boards redraw it every second
  const second = Math.floor(serverNow / 1000) * 1000;
  const queues = store.queues(team);
  const agentsAll = store.agents(team, sort);
  const f = filter.trim().toLowerCase();
  const agents = f ? agentsAll.filter((a) => a.agentId.toLowerCase().includes(f) || a.status.toLowerCase().startsWith(f)) : agentsAll;
  const risks = store.atRisk(team);
  const available = agentsAll.filter((a) => a.status === 'AVAILABLE').length;
  if (store.teams().length === 0) return <p class="muted board-wait" role="status">Waiting for the first board…</p>;
  return (
    <div class="board">
      <div class="board-tools">
        <label for="board-team">Team</label>
        <select id="board-team" value={team} onChange={(e) => setTeam(e.currentTarget.value)}>
          <option value="">All my teams</option>
          {store.teams().map((t) => <option key={t} value={t}>{t}</option>)}
        </select>
        <span class="muted">Updated every second · {clockFormat.format(store.atMs)}</span>
      </div>
      <Staffing queues={queues} available={available} total={agentsAll.length} />
      <section aria-labelledby="queues-heading" class="board-section">
        <h2 id="queues-heading">Queues <span class="count">{queues.length}</span></h2>
        <QueuesTable queues={queues} second={second} />
      </section>
      <section aria-labelledby="risk-heading" class="board-section">
        <h2 id="risk-heading">At risk <span class="count">{risks.length}</span></h2>
        {risks.length === 0 ? <p class="muted">Nothing at risk right now.</p> : (
          <ul class="risk-list" data-testid="at-risk">
            {risks.slice(0, 100).map((r) => <RiskLine key={r.key} row={r} ws={ws} onOpen={onOpen} />)}
          </ul>
        )}
        {risks.length > 100 && <p class="muted">and {risks.length - 100} more</p>}
      </section>
      <section aria-labelledby="agents-heading" class="board-section">
        <h2 id="agents-heading">Agents <span class="count">{agentsAll.length}</span></h2>
        <div class="board-tools">
          <label for="agent-filter">Find</label>
          <input id="agent-filter" class="staff-input" value={filter} placeholder="agent id or status" onInput={(e) => setFilter(e.currentTarget.value)} />
          <label for="agent-sort">Sort by</label>
          <select id="agent-sort" value={sort} onChange={(e) => setSort(e.currentTarget.value as AgentSort)}>
            <option value="status">status</option>
            <option value="name">name</option>
            <option value="load">load</option>
            <option value="time">time in status</option>
          </select>
        </div>
        <VirtualTable label="Agents" rows={agents} rowHeight={52} columns="minmax(0,1.2fr) minmax(0,1.3fr) minmax(0,1fr) minmax(0,1.6fr)"
          testId="agents-table"
          header={<><span role="columnheader">Agent</span><span role="columnheader">Status</span><span role="columnheader">Load</span><span role="columnheader">Conversations</span></>}
          renderRow={(a, i, style) => (
            <AgentLine key={a.agentId} row={a} index={i} style={style} since={durationWords((second - a.sinceMs) / 1000)} ws={ws} onOpen={onOpen} />
          )} />
      </section>
    </div>
  );
}

/** Queues short of agents named in the staffing box; the rest are the red rows of the queues table. */
const staffingShown = 8;

/**
 * Staffing advice: per queue, agents needed (Erlang C, docs/LEADS.md) against those available; the
 * queues short of agents, the shortest first, at most `staffingShown` of them in a box of fixed
 * height, so a board that changes the list neither moves the sections under it (a layout and
 * paint of the whole page) nor redraws fifty lines the queues table already shows.
 */
function Staffing({ queues, available, total }: { queues: QueueRow[]; available: number; total: number }) {
  const short = queues.filter((q) => shortBy(q) > 0).sort((a, b) => shortBy(b) - shortBy(a));
  const more = short.length - staffingShown;
  return (
    <section class={`staffing${short.length ? ' short' : ''}`} aria-labelledby="staffing-heading" data-testid="staffing">
      <h2 id="staffing-heading">
        Staffing{short.length > 0 && <span class="count">{`${short.length} short`}</span>}
        {more > 0 && <span class="muted staffing-more">{`the ${staffingShown} shortest here, all ${short.length} marked in the queues`}</span>}
      </h2>
      <p><strong>{available}</strong> of {total} agents available now.</p>
      <div class="staffing-list" role="group" aria-label="Queues short of agents" tabIndex={0}>
        {short.length === 0 ? <p>Every queue has the agents its target needs.</p> : (
          <ul>
            {short.slice(0, staffingShown).map((q, i) => (
              // Keyed by place: a new order each second changes some words, and moves no element.
              <li key={i}>
                <strong>{q.queue}</strong>{` needs ${q.agentsNeeded}, has ${q.agentsAvailable} · `}<span class="short-by">{`short ${shortBy(q)}`}</span>
              </li>
            ))}
          </ul>
        )}
      </div>
    </section>
  );
}

const RiskLine = memo(function RiskLine({ row, ws, onOpen }: { row: RiskRow; ws: LeadWorkspace; onOpen: (id: string) => void }) {
  return (
    <li class="risk" data-testid="at-risk-row">
      <span class="risk-reason">{row.reason}</span>
      <span class="muted">{row.queue}{row.ownerId ? ` · ${ws.name(row.ownerId)}` : ' · unowned'} · {shortId(row.conversationId)}</span>
      <button type="button" class="button small" onClick={() => onOpen(row.conversationId)} aria-label={`Monitor conversation ${shortId(row.conversationId)} (${row.reason})`}>
        Monitor
      </button>
    </li>
  );
}, (a, b) => a.row === b.row || (a.ws === b.ws && a.onOpen === b.onOpen && a.row.reason === b.row.reason && a.row.queue === b.row.queue &&
  a.row.ownerId === b.row.ownerId && a.row.conversationId === b.row.conversationId)); // the score orders the list; it is not shown

interface AgentLineProps {
  row: AgentRow;
  index: number;
  style: string;
  /** Time in status in words ("3 min"): the row redraws when the words change. */
  since: string;
  ws: LeadWorkspace;
  onOpen: (id: string) => void;
}

/** An agent's row: placed by its index, its cells redrawn only when the agent or the words change
 * (a list re-sorted by a board moves many rows and changes none of their cells). */
function AgentLine({ row, index, style, since, ws, onOpen }: AgentLineProps) {
  return (
    <div role="row" aria-rowindex={index + 2} class="vt-row" style={style} data-testid="agent-row">
      <AgentCells row={row} since={since} ws={ws} onOpen={onOpen} />
    </div>
  );
}

const AgentCells = memo(function AgentCells({ row: a, since, ws, onOpen }: Omit<AgentLineProps, 'index' | 'style'>) {
  const busy = a.load.filter((l) => l.conversations > 0);
  return (
    <>
      <span role="cell" class="agent-name">
        {personName(a.agentId, ws.names)}
        {personName(a.agentId, ws.names).toLowerCase() !== a.agentId.toLowerCase() && <span class="muted"> {a.agentId}</span>}
      </span>
      <span role="cell">
        <span class={`dot dot-${a.status.toLowerCase()}`} aria-hidden="true" /> {statusWords[a.status] ?? a.status}
        {a.statusReason && <span class="muted"> · {a.statusReason}</span>}
        <span class="muted"> · {since}</span>
      </span>
      <span role="cell" class="load">
        {busy.length === 0 ? <span class="muted">none</span> : busy.map((l) => (
          <span key={l.channel} class="load-chip"><ChannelBadge channel={l.channel} /> {l.conversations}/{l.capacity}</span>
        ))}
      </span>
      <span role="cell" class="agent-convs">
        {a.conversations.slice(0, 3).map((id) => (
          <button key={id} type="button" class="conv-chip" onClick={() => onOpen(id)} aria-label={`Monitor conversation ${shortId(id)} of ${a.agentId}`}>
            {shortId(id)}
          </button>
        ))}
        {a.conversations.length > 3 && <span class="muted">+{a.conversations.length - 3}</span>}
      </span>
    </>
  );
}, (a, b) => a.row === b.row && a.since === b.since && a.ws === b.ws && a.onOpen === b.onOpen);
