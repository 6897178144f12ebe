// The live boards of a lead's teams, as the page draws them: each `board` frame (whole, or only
// what changed: the console asks for ?boards=changes) merged into the rows (board_diff.ts). Rows
// that did not change keep their object, so the view re-renders only what moved, and a board where
// nothing moved changes nothing at all. Sorted and merged lists are made on demand and cached.
import type { BoardWire } from '../staff/api';
import { type AgentRow, type BoardPatch, diffBoard, type QueueRow, type RiskRow, type TeamRows } from './board_diff';

export type { AgentRow, LoadRow, QueueRow, RiskRow } from './board_diff';

export type AgentSort = 'status' | 'name' | 'load' | 'time';
const statusRank: Record<string, number> = { AVAILABLE: 0, AWAY: 1, OFFLINE: 2 };

export class BoardStore {
  private readonly teams_ = new Map<string, TeamRows>();
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

  /** Applies one team's board (worked out here, on this thread); true when anything shown changed. */
  apply(board: BoardWire): boolean {
    const team = board.team ?? '';
    const prev = this.teams_.get(team);
    if (board.changesOnly && !prev) {
      // Changes with no board to apply them to (the server sends a connection's first whole): drawn
      // as a board, they would show part of the team as all of it.
      console.warn(`switchboard: board changes for team ${team} before its whole board; ignored`);
      return false;
    }
    const { rows, patch } = diffBoard(prev, board);
    this.atMs = Math.max(this.atMs, rows.atMs);
    this.teams_.set(team, rows);
    if (!patch) return false;
    this.changed(prev, patch);
    return true;
  }

  private changed(prev: TeamRows | undefined, patch: BoardPatch): void {
    if (!prev || patch.queues) this.sections_.q += 1;
    if (!prev || patch.agents) this.sections_.a += 1;
    if (!prev || patch.atRisk) this.sections_.r += 1;
    this.version += 1;
    for (const l of this.listeners_) l();
  }

  /** A team's agents as last applied (the trainees' conversations are looked through for drafts). */
  agentsOf(team: string): Iterable<AgentRow> {
    return this.teams_.get(team)?.agents.values() ?? [];
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
    const key = `a:${team}:${sort}`;
    const before = this.cache_.get(key)?.value as AgentRow[] | undefined;
    return this.cached(key, this.sections_.a, () => {
      const teams = this.pick(team);
      const byId = teams.length === 1 ? teams[0].agents : new Map<string, AgentRow>();
      if (teams.length > 1) for (const t of teams) for (const [id, row] of t.agents) if (!byId.has(id)) byId.set(id, row);
      // In the order of the list before, new agents last: a board moves a few agents, and sorting a
      // list that is nearly in order takes a thousand comparisons, not ten thousand (1.5 ms here).
      const list: AgentRow[] = [];
      for (const old of before ?? []) { // each agent once: it was made from a map
        const row = byId.get(old.agentId);
        if (row) list.push(row);
      }
      if (list.length < byId.size) {
        const placed = new Set(list.map((r) => r.agentId));
        for (const [id, row] of byId) if (!placed.has(id)) list.push(row);
      }
      return list.sort(agentOrder(sort));
    });
  }

  /** Teams an agent shows on. */
  teamsOf(agentId: string): string[] {
    return [...this.teams_].filter(([, t]) => t.agents.has(agentId)).map(([name]) => name);
  }

  private pick(team: string): TeamRows[] {
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
