import { describe, expect, it } from 'vitest';
import type { BoardWire } from '../staff/api';
import { BoardStore, shortBy } from './board_store';

const board = (atMs: number, over: Partial<BoardWire> = {}): BoardWire => ({
  team: 'care',
  atMs: String(atMs),
  queues: [{ queue: 'general', waiting: 2, oldestWaitSeconds: 30, agentsNeeded: 3, agentsAvailable: 1, serviceLevelToday: 0.9 }],
  agents: [
    { agentId: 'ana', status: 'AVAILABLE', statusSeconds: 100, load: [{ channel: 'CHANNEL_WEB', conversations: 1, capacity: 3 }], conversations: ['c1'] },
    { agentId: 'bob', status: 'AWAY', statusReason: 'lunch', statusSeconds: 10, load: [{ channel: 'CHANNEL_WEB', capacity: 3 }] },
  ],
  atRisk: [{ conversationId: 'c9', queue: 'general', reason: 'waiting 35 s, target 30 s', score: 1.1 }],
  ...over,
});

/** The same board a second later: every clock has moved on by a second. */
function later(b: BoardWire, ms: number): BoardWire {
  const s = ms / 1000;
  return {
    ...b,
    atMs: String(Number(b.atMs) + ms),
    queues: b.queues!.map((q) => ({ ...q, oldestWaitSeconds: (q.oldestWaitSeconds ?? 0) + s })),
    agents: b.agents!.map((a) => ({ ...a, statusSeconds: (a.statusSeconds ?? 0) + s })),
  };
}

describe('BoardStore', () => {
  it('applies a first board', () => {
    const s = new BoardStore();
    expect(s.apply(board(1_000_000))).toBe(true);
    expect(s.queues().map((q) => [q.queue, q.oldestSinceMs])).toEqual([['general', 1_000_000 - 30_000]]);
    expect(s.agents().map((a) => [a.agentId, a.sinceMs, a.fill])).toEqual([['ana', 900_000, 1 / 3], ['bob', 990_000, 0]]);
    expect(shortBy(s.queues()[0])).toBe(2);
  });

  it('changes nothing when only the clock moved', () => {
    const s = new BoardStore();
    const b = board(1_000_000);
    s.apply(b);
    const agents = s.agents();
    const queues = s.queues();
    const v = s.version;
    expect(s.apply(later(b, 1000))).toBe(false);
    expect(s.version).toBe(v);
    expect(s.agents()).toBe(agents);
    expect(s.queues()).toBe(queues);
  });

  it('replaces only the rows that changed, and rebuilds only that section', () => {
    const s = new BoardStore();
    const b = board(1_000_000);
    s.apply(b);
    const [ana, bob] = s.agents();
    const queues = s.queues();
    const next = later(b, 1000);
    next.agents![0] = { ...next.agents![0], load: [{ channel: 'CHANNEL_WEB', conversations: 2, capacity: 3 }], conversations: ['c1', 'c2'] };
    expect(s.apply(next)).toBe(true);
    const [ana2, bob2] = s.agents();
    expect(ana2).not.toBe(ana);
    expect(ana2.conversations).toEqual(['c1', 'c2']);
    expect(bob2).toBe(bob);
    expect(s.queues()).toBe(queues);
  });

  it('notices a status change and a queue change', () => {
    const s = new BoardStore();
    s.apply(board(1_000_000));
    const b = later(board(1_000_000), 1000);
    b.agents![1] = { ...b.agents![1], status: 'AVAILABLE', statusReason: '', statusSeconds: 0 };
    b.queues![0] = { ...b.queues![0], waiting: 3 };
    expect(s.apply(b)).toBe(true);
    expect(s.agents().map((a) => a.status)).toEqual(['AVAILABLE', 'AVAILABLE']);
    expect(s.queues()[0].waiting).toBe(3);
  });

  it('merges teams: each agent once, queues of all, at-risk by urgency', () => {
    const s = new BoardStore();
    s.apply(board(1_000_000));
    s.apply({
      team: 'tech', atMs: '1000000', queues: [{ queue: 'technical' }],
      agents: [{ agentId: 'ana', status: 'AVAILABLE', statusSeconds: 100, load: [{ channel: 'CHANNEL_WEB', conversations: 1, capacity: 3 }], conversations: ['c1'] }, { agentId: 'ben' }],
      atRisk: [{ conversationId: 'c8', reason: 'customer rated it 1 of 5', score: 5 }],
    });
    expect(s.teams()).toEqual(['care', 'tech']);
    expect(s.queues().map((q) => q.key)).toEqual(['care/general', 'tech/technical']);
    expect(s.agents('', 'name').map((a) => a.agentId)).toEqual(['ana', 'ben', 'bob']);
    expect(s.agents('tech').map((a) => a.agentId)).toEqual(['ana', 'ben']);
    expect(s.atRisk().map((r) => r.conversationId)).toEqual(['c8', 'c9']);
    expect(s.teamsOf('ana')).toEqual(['care', 'tech']);
  });

  it('ignores changes that come before any whole board of the team', () => {
    const s = new BoardStore();
    expect(s.apply({ team: 'care', atMs: '1000', changesOnly: true, agents: [{ agentId: 'ana' }] })).toBe(false);
    expect(s.teams()).toEqual([]);
  });

  it('sorts agents by status, name, load or time in status', () => {
    const s = new BoardStore();
    s.apply(board(1_000_000));
    expect(s.agents('', 'load').map((a) => a.agentId)).toEqual(['ana', 'bob']);
    expect(s.agents('', 'time').map((a) => a.agentId)).toEqual(['ana', 'bob']);
  });

  it('keeps each sort right as boards of changes move, add and remove agents, in one team and across two', () => {
    const s = new BoardStore();
    const agent = (id: string, status: 'AVAILABLE' | 'AWAY' | 'OFFLINE', held = 0) =>
      ({ agentId: id, status, statusSeconds: 10, load: [{ channel: 'CHANNEL_WEB' as const, conversations: held, capacity: 3 }] });
    s.apply({ team: 'care', atMs: '1000000', agents: [agent('dan', 'AWAY'), agent('ana', 'AVAILABLE', 1), agent('cy', 'OFFLINE'), agent('bob', 'AVAILABLE', 2)] });
    s.apply({ team: 'tech', atMs: '1000000', agents: [agent('eve', 'AVAILABLE'), agent('ana', 'AVAILABLE', 1)] });
    const ids = (team: string, sort: 'status' | 'name' | 'load') => s.agents(team, sort).map((a) => a.agentId);
    expect(ids('care', 'status')).toEqual(['ana', 'bob', 'dan', 'cy']);
    expect(ids('', 'status')).toEqual(['ana', 'bob', 'eve', 'dan', 'cy']);
    expect(ids('', 'load')).toEqual(['bob', 'ana', 'cy', 'dan', 'eve']);
    // Bob goes offline, Cy comes back with three chats, Dan leaves the team, Fay joins it.
    s.apply({ team: 'care', atMs: '1001000', changesOnly: true, atRiskUnchanged: true, removedAgents: ['dan'],
      agents: [agent('bob', 'OFFLINE'), agent('cy', 'AVAILABLE', 3), agent('fay', 'AWAY')] });
    expect(ids('care', 'status')).toEqual(['ana', 'cy', 'fay', 'bob']);
    expect(ids('', 'status')).toEqual(['ana', 'cy', 'eve', 'fay', 'bob']);
    expect(ids('', 'load')).toEqual(['cy', 'ana', 'bob', 'eve', 'fay']);
    expect(ids('', 'name')).toEqual(['ana', 'bob', 'cy', 'eve', 'fay']);
    expect(s.agents('care', 'status').find((a) => a.agentId === 'bob')!.status).toBe('OFFLINE'); // the new row, not the one sorted before
  });

  // Its speed is measured in the browser benchmark (bench/, "console board"), never asserted here.
  it('applies boards of 1,000 agents and 50 queues, one after another', () => {
    const big = (at: number): BoardWire => ({
      team: 'big', atMs: String(at),
      queues: Array.from({ length: 50 }, (_, i) => ({ queue: `q${i}`, waiting: i, oldestWaitSeconds: i ? 10 : 0 })),
      agents: Array.from({ length: 1000 }, (_, i) => ({ agentId: `a${i}`, status: 'AVAILABLE' as const, statusSeconds: 60, load: [{ channel: 'CHANNEL_WEB' as const, conversations: i % 3, capacity: 3 }], conversations: [`c${i}`] })),
    });
    const s = new BoardStore();
    s.apply(big(1_000_000));
    s.agents();
    for (let k = 1; k <= 20; k += 1) s.apply(later(big(1_000_000), k * 1000));
    expect(s.agents()).toHaveLength(1000);
    expect(new Set(s.agents().map((a) => a.agentId)).size).toBe(1000);
  });
});
