// The live boards of a lead's teams, applied as they come (one `board` frame per team every
// second). Rows that did not change keep their object, so the view re-renders only what moved:
// a second passing is not a change (times in status and waits are kept as "since" instants, and
// the view counts them up itself), and a board where nothing moved changes nothing at all.
// Cost per frame is one pass over its rows; sorted and merged lists are made on demand and cached.
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

interface TeamBoard {
  atMs: number;
  queues: QueueRow[];
  agents: Map<string, AgentRow>;
  atRisk: RiskRow[];
}

/** A "since" instant may move this much between boards (whole seconds, rounded) without counting. */
const sinceSlackMs = 1500;

export type AgentSort = 'status' | 'name' | 'load' | 'time';
const statusRank: Record<string, number> = { AVAILABLE: 0, AWAY: 1, OFFLINE: 2 };

export class BoardStore {
  private readonly teams_ = new Map<string, TeamBoard>();
  /** Bumped when a row changed (not when only the clock moved). */
  version = 0;
  /** The newest board's time (server ms). */
  atMs = 0;
  /** Per section, bumped when that section changed: a list is rebuilt only when its rows moved. */
  private readonly sections_ = { q: 0, a: 0, r: 0 };
  private readonly cache_ = new Map<string, { at: number; value: unknown }>();
  private readonly listeners_ = new Set<() => void>();

  subscribe(listener: () => void): () => void {
    this.listeners_.add(listener);
    return () => this.listeners_.delete(listener);
  }

  /** Applies one team's board; true when anything the view shows changed. */
  apply(board: BoardWire): boolean {
    const team = board.team ?? '';
    const at = int(board.atMs);
    this.atMs = Math.max(this.atMs, at);
    const prev = this.teams_.get(team);
    const queues = mergeList(prev?.queues, (board.queues ?? []).map((q) => queueRow(team, q, at)), sameQueue);
    const agents = mergeAgents(prev?.agents, board.agents ?? [], at);
    const atRisk = mergeList(prev?.atRisk, (board.atRisk ?? []).map((r) => riskRow(team, r)), sameRisk);
    const changed = !prev || queues !== prev.queues || agents !== prev.agents || atRisk !== prev.atRisk;
    if (!changed) {
      prev.atMs = at;
      return false;
    }
    this.teams_.set(team, { atMs: at, queues, agents, atRisk });
    if (!prev || queues !== prev.queues) this.sections_.q += 1;
    if (!prev || agents !== prev.agents) this.sections_.a += 1;
    if (!prev || atRisk !== prev.atRisk) this.sections_.r += 1;
    this.version += 1;
    for (const l of this.listeners_) l();
    return true;
  }

  teams(): string[] {
    return [...this.teams_.keys()].sort();
  }

  queues(team = ''): QueueRow[] {
    return this.cached(`q:${team}`, this.sections_.q, () => this.pick(team).flatMap((t) => t.queues));
  }

  atRisk(team = ''): RiskRow[] {
    return this.cached(`r:${team}`, this.sections_.r, () => {
      const all = this.pick(team).flatMap((t) => t.atRisk);
      return team ? all : all.sort((a, b) => b.score - a.score);
    });
  }

  /** The agents of a team (all teams: each agent once), sorted. */
  agents(team = '', sort: AgentSort = 'status'): AgentRow[] {
    return this.cached(`a:${team}:${sort}`, this.sections_.a, () => {
      const byId = new Map<string, AgentRow>();
      for (const t of this.pick(team)) for (const [id, row] of t.agents) if (!byId.has(id)) byId.set(id, row);
      return [...byId.values()].sort(agentOrder(sort));
    });
  }

  /** Teams an agent shows on. */
  teamsOf(agentId: string): string[] {
    return [...this.teams_].filter(([, t]) => t.agents.has(agentId)).map(([name]) => name);
  }

  private pick(team: string): TeamBoard[] {
    if (team) return this.teams_.has(team) ? [this.teams_.get(team)!] : [];
    return this.teams().map((t) => this.teams_.get(t)!);
  }

  private cached<T>(key: string, at: number, make: () => T): T {
    const hit = this.cache_.get(key);
    if (hit && hit.at === at) return hit.value as T;
    const value = make();
    this.cache_.set(key, { at, value });
    return value;
  }
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

function mergeAgents(prev: Map<string, AgentRow> | undefined, wire: AgentBoardWire[], at: number): Map<string, AgentRow> {
  let changed = !prev || prev.size !== wire.length;
  const out = new Map<string, AgentRow>();
  for (const a of wire) {
    const id = a.agentId ?? '';
    const old = prev?.get(id);
    if (old && sameAgent(old, a, at)) {
      out.set(id, old);
    } else {
      changed = true;
      out.set(id, agentRow(a, at));
    }
  }
  return changed || !prev ? out : prev;
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

function agentOrder(sort: AgentSort): (a: AgentRow, b: AgentRow) => number {
  const byName = (a: AgentRow, b: AgentRow) => (a.agentId < b.agentId ? -1 : a.agentId > b.agentId ? 1 : 0);
  switch (sort) {
    case 'name':
      return byName;
    case 'load':
      return (a, b) => b.fill - a.fill || b.conversations.length - a.conversations.length || byName(a, b);
    case 'time':
      return (a, b) => a.sinceMs - b.sinceMs || byName(a, b);
    case 'status':
      return (a, b) => (statusRank[a.status] ?? 3) - (statusRank[b.status] ?? 3) || byName(a, b);
  }
}

/** Agents missing for a queue's target now (0 when staffed). */
export function shortBy(q: QueueRow): number {
  return Math.max(0, q.agentsNeeded - q.agentsAvailable);
}
