import { describe, expect, it } from 'vitest';
import type { AgentBoardWire, BoardWire } from '../staff/api';
import { diffBoard } from './board_diff';

const agent = (id: string, over: Partial<AgentBoardWire> = {}): AgentBoardWire => ({
  agentId: id, status: 'AVAILABLE', statusSeconds: 100, load: [{ channel: 'CHANNEL_WEB', conversations: 1, capacity: 3 }], conversations: [`${id}-c1`], ...over,
});
const board = (atMs: number, agents: AgentBoardWire[], waiting = 2): BoardWire => ({
  team: 'care',
  atMs: String(atMs),
  queues: [{ queue: 'general', waiting, oldestWaitSeconds: 30, agentsNeeded: 3, agentsAvailable: 1 }, { queue: 'vip', waiting: 0 }],
  agents,
  atRisk: [{ conversationId: 'c9', queue: 'general', reason: 'waiting 35 s, target 30 s', score: 1.1 }],
});
/** A second later: the clocks moved on, nothing else. */
const tick = (b: BoardWire): BoardWire => ({
  ...b,
  atMs: String(Number(b.atMs) + 1000),
  queues: b.queues!.map((q) => ({ ...q, oldestWaitSeconds: q.oldestWaitSeconds ? q.oldestWaitSeconds + 1 : 0 })),
  agents: b.agents!.map((a) => ({ ...a, statusSeconds: (a.statusSeconds ?? 0) + 1 })),
});

describe('diffBoard', () => {
  it('patches in every list with the first board, and nothing when only the clocks moved', () => {
    const first = board(1_000_000, [agent('ana'), agent('bob')]);
    const { rows, patch } = diffBoard(undefined, first);
    expect(patch).toMatchObject({ team: 'care', atMs: 1_000_000, queues: [{ queue: 'general' }, { queue: 'vip' }], agents: { removed: [] }, atRisk: [{ conversationId: 'c9' }] });
    expect(patch!.agents!.set.map((a) => a.agentId)).toEqual(['ana', 'bob']);
    const next = diffBoard(rows, tick(first));
    expect(next.patch).toBeNull();
    expect(next.rows.agents.get('ana')).toBe(rows.agents.get('ana'));
    expect(next.rows.atMs).toBe(1_001_000);
  });

  it('sends only the agents that changed, those gone, and the queues when one moved', () => {
    const first = diffBoard(undefined, board(1_000_000, [agent('ana'), agent('bob'), agent('cy')]));
    const b = tick(board(1_000_000, [agent('ana', { status: 'AWAY', statusReason: 'lunch', statusSeconds: 0 }), agent('bob')], 3));
    const { patch } = diffBoard(first.rows, b);
    expect(patch!.agents).toEqual({ set: [expect.objectContaining({ agentId: 'ana', status: 'AWAY', statusReason: 'lunch', sinceMs: 1_000_000 })], removed: ['cy'] });
    expect(patch!.queues!.map((q) => q.waiting)).toEqual([3, 0]);
    expect(patch!.atRisk).toBeUndefined();
  });

  it('applies a board of changes (?boards=changes) onto the board before', () => {
    const whole = board(1_000_000, [agent('ana'), agent('bob'), agent('cy')]);
    const first = diffBoard(undefined, whole);
    const changes: BoardWire = {
      team: 'care', atMs: '1001000', changesOnly: true,
      queues: [{ queue: 'vip', waiting: 3 }, { queue: 'new' }], removedQueues: ['general'],
      agents: [agent('ana', { status: 'AWAY', statusSeconds: 0 }), agent('dan')], removedAgents: ['cy'],
      atRiskUnchanged: true,
    };
    const { rows, patch } = diffBoard(first.rows, changes);
    expect(rows.queues.map((q) => [q.queue, q.waiting])).toEqual([['vip', 3], ['new', 0]]);
    expect([...rows.agents.keys()]).toEqual(['ana', 'bob', 'dan']);
    expect(rows.agents.get('bob')).toBe(first.rows.agents.get('bob'));
    expect(rows.agents.get('ana')).toMatchObject({ status: 'AWAY', sinceMs: 1_001_000 });
    expect(rows.atRisk).toBe(first.rows.atRisk);
    expect(patch!.agents).toEqual({ set: [expect.objectContaining({ agentId: 'ana' }), expect.objectContaining({ agentId: 'dan' })], removed: ['cy'] });
    expect(patch!.atRisk).toBeUndefined();
    // Nothing listed, at-risk unchanged: nothing to draw.
    expect(diffBoard(rows, { team: 'care', atMs: '1002000', changesOnly: true, atRiskUnchanged: true }).patch).toBeNull();
    // An empty at-risk list that is not marked unchanged empties it.
    expect(diffBoard(rows, { team: 'care', atMs: '1002000', changesOnly: true }).rows.atRisk).toEqual([]);
  });
});
