// The rows a team's board shows, worked out from a `board` frame (whole, or with ?boards=changes
// only what changed since the one before), and what changed for the page: the BoardStore keeps
// the rows of unchanged agents and queues as they were, so the view redraws only what moved. A
// second passing is not a change: times in status and waits are "since" instants, which may move
// by up to `sinceSlackMs` between boards (whole seconds, rounded).
import { int } from '../lib/ids';
import type { AgentStatus, Channel } from '../lib/types';
import type { AgentBoardWire, AtRiskWire, BoardWire, QueueBoardWire } from '../staff/api';

export interface QueueRow {
  key: string;
  team: string;
  queue: string;
  waiting: number;
  /** When the longest wait began (server ms); 0 when nobody waits. */
  oldestSinceMs: number;
  serviceLevelToday: number;
  answeredToday: number;
  abandonedToday: number;
  arrivalsPerHour: number;
  handleSeconds: number;
  agentsNeeded: number;
  agentsAvailable: number;
  serviceLevelSeconds: number;
  serviceLevelTarget: number;
}

export interface LoadRow {
  channel: Channel;
  conversations: number;
  capacity: number;
}

export interface AgentRow {
  agentId: string;
  status: AgentStatus;
  statusReason: string;
  /** When the status began (server ms). */
  sinceMs: number;
  load: LoadRow[];
  conversations: string[];
  /** Conversations held ÷ capacity on the fullest channel, 0–1. */
  fill: number;
}

export interface RiskRow {
  key: string;
  team: string;
  conversationId: string;
  queue: string;
  ownerId: string;
  reason: string;
  score: number;
}

/** A team's rows as the page last drew them. */
export interface TeamRows {
  atMs: number;
  queues: QueueRow[];
  agents: Map<string, AgentRow>;
  atRisk: RiskRow[];
}

/** What changed in a team's board: a list is there only when it changed. */
export interface BoardPatch {
  team: string;
  atMs: number;
  /** The whole list of queues, in the board's order (they are few). */
  queues?: QueueRow[];
  /** Agents new or changed, and those gone (by id). */
  agents?: { set: AgentRow[]; removed: string[] };
  /** The whole list, most urgent first. */
  atRisk?: RiskRow[];
}

/** A "since" instant may move this much between boards (whole seconds, rounded) without counting. */
const sinceSlackMs = 1500;

/**
 * The rows of `board` and the patch from `prev` to them (null when nothing shown changed). `board`
 * is a whole board, or (changesOnly, docs/PROTOCOL.md "Boards") what changed since the one before.
 */
export function diffBoard(prev: TeamRows | undefined, board: BoardWire): { rows: TeamRows; patch: BoardPatch | null } {
  const team = board.team ?? '';
  const at = int(board.atMs);
  const changesOnly = !!board.changesOnly && !!prev;
  const queues = mergeList(prev?.queues, queueRows(changesOnly ? prev : undefined, board, at), sameQueue);
  const risks = changesOnly && board.atRiskUnchanged ? prev!.atRisk : (board.atRisk ?? []).map((r) => riskRow(team, r));
  const atRisk = mergeList(prev?.atRisk, risks, sameRisk);
  const set: AgentRow[] = [];
  // Changes update the map of the board before in place (a copy of a thousand agents a second is
  // 1.3 ms of the page's main thread here): `prev` is the store's last board, replaced by this one.
  const removed = !prev ? [] : changesOnly ? (board.removedAgents ?? []).filter((id) => prev.agents.has(id)) : [];
  const agents = changesOnly ? prev!.agents : new Map<string, AgentRow>();
  for (const id of removed) agents.delete(id);
  for (const a of board.agents ?? []) {
    const id = a.agentId ?? '';
    const old = prev?.agents.get(id);
    if (old && sameAgent(old, a, at)) {
      agents.set(id, old);
    } else {
      const row = agentRow(a, at);
      agents.set(id, row);
      set.push(row);
    }
  }
  if (prev && !changesOnly) for (const id of prev.agents.keys()) if (!agents.has(id)) removed.push(id);
  const rows = { atMs: at, queues, agents, atRisk };
  const patch: BoardPatch = { team, atMs: at };
  if (!prev || queues !== prev.queues) patch.queues = queues;
  if (!prev || set.length || removed.length) patch.agents = { set, removed };
  if (!prev || atRisk !== prev.atRisk) patch.atRisk = atRisk;
  const changed = patch.queues || patch.agents || patch.atRisk;
  return { rows: changed ? rows : { ...prev!, atMs: at }, patch: changed ? patch : null };
}

/** The queues of a whole board; or, from changes, `prev`'s with those changed, gone and new. */
function queueRows(prev: TeamRows | undefined, board: BoardWire, at: number): QueueRow[] {
  const team = board.team ?? '';
  const listed = (board.queues ?? []).map((q) => queueRow(team, q, at));
  if (!prev) return listed;
  const changed = new Map(listed.map((q) => [q.key, q]));
  const gone = new Set((board.removedQueues ?? []).map((q) => `${team}/${q}`));
  const out = prev.queues.filter((q) => !gone.has(q.key)).map((q) => changed.get(q.key) ?? q);
  const kept = new Set(out.map((q) => q.key));
  return [...out, ...listed.filter((q) => !kept.has(q.key))];
}

function queueRow(team: string, q: QueueBoardWire, at: number): QueueRow {
  const wait = q.oldestWaitSeconds ?? 0;
  return {
    key: `${team}/${q.queue ?? ''}`,
    team,
    queue: q.queue ?? '',
    waiting: q.waiting ?? 0,
    oldestSinceMs: wait > 0 ? at - wait * 1000 : 0,
    serviceLevelToday: q.serviceLevelToday ?? 0,
    answeredToday: q.answeredToday ?? 0,
    abandonedToday: q.abandonedToday ?? 0,
    arrivalsPerHour: q.arrivalsPerHour ?? 0,
    handleSeconds: q.handleSeconds ?? 0,
    agentsNeeded: q.agentsNeeded ?? 0,
    agentsAvailable: q.agentsAvailable ?? 0,
    serviceLevelSeconds: q.serviceLevelSeconds ?? 0,
    serviceLevelTarget: q.serviceLevelTarget ?? 0,
  };
}

function sameQueue(a: QueueRow, b: QueueRow): boolean {
  for (const k in a) {
    const key = k as keyof QueueRow;
    if (key === 'oldestSinceMs') {
      if ((a.oldestSinceMs === 0) !== (b.oldestSinceMs === 0) || Math.abs(a.oldestSinceMs - b.oldestSinceMs) > sinceSlackMs) return false;
    } else if (a[key] !== b[key]) return false;
  }
  return true;
}

function riskRow(team: string, r: AtRiskWire): RiskRow {
  const id = r.conversationId ?? '';
  return { key: `${team}/${id}`, team, conversationId: id, queue: r.queue ?? '', ownerId: r.ownerId ?? '', reason: r.reason ?? '', score: r.score ?? 0 };
}

function sameRisk(a: RiskRow, b: RiskRow): boolean {
  return a.conversationId === b.conversationId && a.ownerId === b.ownerId && a.queue === b.queue && a.reason === b.reason && a.score === b.score;
}

/** The new list, or the previous one when every row is the same (rows kept by identity). */
function mergeList<T extends { key: string }>(prev: T[] | undefined, next: T[], same: (a: T, b: T) => boolean): T[] {
  if (!prev) return next;
  const old = new Map(prev.map((r) => [r.key, r]));
  let changed = prev.length !== next.length;
  const out = next.map((row, i) => {
    const o = old.get(row.key);
    if (o && same(o, row)) {
      if (prev[i] !== o) changed = true;
      return o;
    }
    changed = true;
    return row;
  });
  return changed ? out : prev;
}

function agentRow(a: AgentBoardWire, at: number): AgentRow {
  const load = (a.load ?? []).map((l) => ({ channel: l.channel ?? 'CHANNEL_UNSPECIFIED', conversations: l.conversations ?? 0, capacity: l.capacity ?? 0 }));
  let fill = 0;
  for (const l of load) if (l.capacity > 0) fill = Math.max(fill, l.conversations / l.capacity);
  return {
    agentId: a.agentId ?? '',
    status: a.status ?? 'OFFLINE',
    statusReason: a.statusReason ?? '',
    sinceMs: at - (a.statusSeconds ?? 0) * 1000,
    load,
    conversations: a.conversations ?? [],
    fill,
  };
}

/** Compared against the wire without building a row: most agents are unchanged every second. */
function sameAgent(old: AgentRow, a: AgentBoardWire, at: number): boolean {
  if (old.status !== (a.status ?? 'OFFLINE') || old.statusReason !== (a.statusReason ?? '')) return false;
  if (Math.abs(old.sinceMs - (at - (a.statusSeconds ?? 0) * 1000)) > sinceSlackMs) return false;
  const load = a.load ?? [];
  if (load.length !== old.load.length) return false;
  for (let i = 0; i < load.length; i += 1) {
    const l = load[i];
    const o = old.load[i];
    if (o.channel !== (l.channel ?? 'CHANNEL_UNSPECIFIED') || o.conversations !== (l.conversations ?? 0) || o.capacity !== (l.capacity ?? 0)) return false;
  }
  const convs = a.conversations ?? [];
  if (convs.length !== old.conversations.length) return false;
  for (let i = 0; i < convs.length; i += 1) if (convs[i] !== old.conversations[i]) return false;
  return true;
}

