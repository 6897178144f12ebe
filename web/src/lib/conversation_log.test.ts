import { describe, expect, it } from 'vitest';
import { ConversationLog, EventStore } from './conversation_log';
import type { Event } from './types';

const message = (seq: number, body = `m${seq}`): Event => ({
  conversationId: 'c1',
  seq: String(seq),
  message: { direction: 'DIRECTION_OUTBOUND', body },
});

describe('ConversationLog', () => {
  it('keeps the newest maxEvents, and grows to keep earlier events read back on request', () => {
    const log = new ConversationLog('c1', { maxEvents: 3 });
    for (let seq = 1; seq <= 5; seq++) log.add(message(seq));
    expect(log.events.map((e) => e.seq)).toEqual(['3', '4', '5']);
    expect(log.firstSeq).toBe(3);
    expect(log.addEarlier([message(1), message(2), message(3)])).toBe(2);
    expect(log.events.map((e) => e.seq)).toEqual(['1', '2', '3', '4', '5']);
    expect(log.firstSeq).toBe(1);
    // Live events still come in; the log holds what the reader asked for, and trims beyond.
    log.add(message(6));
    expect(log.events.map((e) => e.seq)).toEqual(['2', '3', '4', '5', '6']);
    expect(new ConversationLog('c2').firstSeq).toBe(0);
  });

  it('keeps events in seq order whatever order they come in', () => {
    const log = new ConversationLog('c1');
    for (const seq of [3, 1, 7, 5]) log.add(message(seq));
    expect(log.events.map((e) => e.seq)).toEqual(['1', '3', '5', '7']);
    expect(log.lastSeq).toBe(7);
  });

  it('drops a seq it has (around a join, and on resume)', () => {
    const log = new ConversationLog('c1');
    expect(log.add(message(2, 'first copy'))).toBe(true);
    expect(log.add(message(2, 'second copy'))).toBe(false);
    expect(log.events).toHaveLength(1);
    expect(log.events[0].message?.body).toBe('first copy');
  });

  it('takes gaps as normal: no seq is invented, lastSeq is the highest seen', () => {
    const log = new ConversationLog('c1');
    log.add(message(1));
    log.add(message(4)); // 2 and 3 were staff-only events
    expect(log.events.map((e) => e.seq)).toEqual(['1', '4']);
    expect(log.lastSeq).toBe(4);
  });

  it('does not store typing (seq 0)', () => {
    const log = new ConversationLog('c1');
    expect(log.add({ conversationId: 'c1', typing: { who: 'ana', active: true } })).toBe(false);
    expect(log.events).toHaveLength(0);
  });

  it('lets the server copy replace a local echo, which does not move lastSeq', () => {
    const log = new ConversationLog('c1');
    log.add(message(1));
    expect(log.addLocal(message(3, 'mine'))).toBe(true);
    expect(log.lastSeq).toBe(1);
    expect(log.events[1].local).toBe(true);
    expect(log.add({ ...message(3, 'mine'), atMs: '99' })).toBe(true);
    expect(log.events[1].local).toBeUndefined();
    expect(log.events[1].atMs).toBe('99');
    expect(log.addLocal(message(3, 'again'))).toBe(false);
    expect(log.lastSeq).toBe(3);
  });

  it('tells read receipts by reader', () => {
    const log = new ConversationLog('c1');
    log.add({ conversationId: 'c1', seq: '5', read: { who: 'ana', upToSeq: '4' } });
    log.add({ conversationId: 'c1', seq: '6', read: { who: 'cust', upToSeq: '5' } });
    expect(log.readUpTo('ana')).toBe(4);
    expect(log.readByOthers(new Set(['cust']))).toBe(4);
  });

  it('keeps at most maxEvents, dropping the oldest', () => {
    const log = new ConversationLog('c1', { maxEvents: 3 });
    for (let seq = 1; seq <= 5; seq++) log.add(message(seq));
    expect(log.events.map((e) => e.seq)).toEqual(['3', '4', '5']);
  });
});

describe('EventStore', () => {
  it('routes events by conversation and gives the resume frames', () => {
    const store = new EventStore();
    store.add(message(2));
    store.add({ conversationId: 'c2', seq: '9', message: { body: 'x' } });
    store.log('c3');
    expect(store.resumeFrames()).toEqual([
      { resume: { conversationId: 'c1', afterSeq: '2' } },
      { resume: { conversationId: 'c2', afterSeq: '9' } },
      { resume: { conversationId: 'c3', afterSeq: '0' } },
    ]);
    store.forget('c2');
    expect(store.conversationIds).toEqual(['c1', 'c3']);
  });
});
