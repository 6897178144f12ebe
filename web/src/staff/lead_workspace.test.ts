import { describe, expect, it } from 'vitest';
import type { Event } from '../lib/types';
import { traineeConversations, waitingDrafts } from './lead_workspace';

const draft = (seq: number, clientMessageId: string): Event => ({
  conversationId: 'c1',
  seq: String(seq),
  draft: { body: `draft ${seq}`, clientMessageId, direction: 'DIRECTION_OUTBOUND', authorId: 'ana' },
});

describe('waitingDrafts', () => {
  it('keeps the drafts no one reviewed, in order', () => {
    const events: Event[] = [
      { conversationId: 'c1', seq: '1', message: { body: 'hi', direction: 'DIRECTION_INBOUND' } },
      draft(2, 'd2'),
      draft(3, 'd3'),
      draft(4, 'd4'),
      // d2 approved: sent as a message with the draft's clientMessageId
      { conversationId: 'c1', seq: '5', message: { body: 'draft 2', clientMessageId: 'd2', direction: 'DIRECTION_OUTBOUND' } },
      // d3 rejected
      { conversationId: 'c1', seq: '6', draftReview: { draftSeq: '3', approved: false, reason: 'no' } },
    ];
    expect(waitingDrafts(events).map((e) => e.seq)).toEqual(['4']);
  });

  it('an inbound message with the same client id does not count as sending the draft', () => {
    const events: Event[] = [draft(2, 'x'), { conversationId: 'c1', seq: '3', message: { body: 'x', clientMessageId: 'x', direction: 'DIRECTION_INBOUND' } }];
    expect(waitingDrafts(events).map((e) => e.seq)).toEqual(['2']);
  });

  it('a review before the draft it names (a stale seq) does not drop a later draft', () => {
    const events: Event[] = [{ conversationId: 'c1', seq: '1', draftReview: { draftSeq: '2' } }, draft(2, 'd2')];
    expect(waitingDrafts(events).map((e) => e.seq)).toEqual(['2']);
  });
});

describe('traineeConversations', () => {
  it('lists the conversations of the trainees on the board only', () => {
    const agents = [
      { agentId: 'ana', conversations: ['c1', 'c2'] },
      { agentId: 'ben', conversations: ['c3'] },
      { agentId: 'cy' },
    ];
    expect(traineeConversations(agents, new Set(['ana', 'cy']))).toEqual(['c1', 'c2']);
    expect(traineeConversations([], new Set(['ana']))).toEqual([]);
  });
});
