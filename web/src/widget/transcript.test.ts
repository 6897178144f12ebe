import { describe, expect, it } from 'vitest';
import type { LoggedEvent } from '../lib/conversation_log';
import type { OutboxItem } from '../lib/outbox';
import { conversationStatus, transcriptLines } from './transcript';

const inbound = (seq: number, body: string, clientMessageId = `c${seq}`): LoggedEvent => ({
  seq: String(seq),
  actor: 'cust',
  message: { direction: 'DIRECTION_INBOUND', body, clientMessageId },
});
const outbound = (seq: number, body: string): LoggedEvent => ({
  seq: String(seq),
  actor: 'ana',
  message: { direction: 'DIRECTION_OUTBOUND', body, authorId: 'ana', clientMessageId: `a${seq}` },
});
const resolved = (seq: number, disposition = 'solved'): LoggedEvent => ({ seq: String(seq), statusChange: { to: 'RESOLVED', disposition } });
const pending = (text: string): OutboxItem => ({ clientMessageId: 'p1', body: {}, text, createdAtMs: 1, status: 'sending' });

describe('conversationStatus', () => {
  it('is resolved until the customer writes again, and asks for a rating once', () => {
    const events = [inbound(1, 'hi'), outbound(3, 'hello'), resolved(4)];
    expect(conversationStatus(events, [])).toMatchObject({ resolved: true, answered: true, agentId: 'ana', rated: false });
    expect(conversationStatus([...events, { seq: '5', rating: { score: 5 } }], [])).toMatchObject({ resolved: true, rated: true });
    expect(conversationStatus([...events, inbound(6, 'one more thing')], []).resolved).toBe(false);
    expect(conversationStatus(events, [pending('one more thing')]).resolved).toBe(false);
  });

  it('shows the inactivity warning until the customer writes', () => {
    const warned = [inbound(1, 'hi'), outbound(2, 'hello'), { seq: '3', atMs: '1000', inactivityWarning: { resolvesInSeconds: 120 } }];
    expect(conversationStatus(warned, []).inactivity).toEqual({ atMs: 1000, resolvesInSeconds: 120 });
    expect(conversationStatus([...warned, inbound(4, 'here')], []).inactivity).toBeNull();
  });
});

describe('transcriptLines', () => {
  it('lists messages and notable events, then what is on its way, with one "Read" mark', () => {
    const events = [inbound(1, 'a'), inbound(2, 'b'), outbound(4, 'c'), resolved(6, 'inactive')];
    const lines = transcriptLines(events, [pending('d')], 2);
    expect(lines.map((l) => (l.kind === 'message' ? `${l.mine ? '>' : '<'}${l.text}${l.read ? '(read)' : ''}:${l.state}` : `#${l.text}`))).toEqual([
      '>a:sent',
      '>b(read):sent',
      '<c:sent',
      '#The chat was closed after a while without messages.',
      '>d:sending',
    ]);
    const c = lines[2];
    expect(c.kind === 'message' && c.author).toBe('Ana');
    expect(lines.filter((l) => l.kind === 'message' && l.first).map((l) => l.key)).toEqual(['c:c1', 'a:a4', 'c:p1']);
  });

  it("names staff by their sign-in's name (authorName), else by their id capitalised", () => {
    const named: LoggedEvent = { ...outbound(5, 'e'), message: { ...outbound(5, 'e').message, authorName: 'Ana María' } };
    const lines = transcriptLines([inbound(1, 'a'), outbound(2, 'b'), named], [], 0);
    expect(lines.map((l) => l.kind === 'message' && l.author)).toEqual(['You', 'Ana', 'Ana María']);
    expect(lines.filter((l) => l.kind === 'message' && l.first).map((l) => l.key)).toEqual(['c:c1', 'a:a2', 'a:a5']);
    expect(conversationStatus([inbound(1, 'a'), named], [])).toMatchObject({ agentId: 'ana', agentName: 'Ana María' });
    expect(conversationStatus([inbound(1, 'a'), outbound(2, 'b')], [])).toMatchObject({ agentId: 'ana', agentName: 'Ana' });
  });

  it('says the phone number is confirmed, and draws nothing for a kind it does not know', () => {
    const proved: LoggedEvent = { seq: '3', actor: 'cust', identityProved: { channel: 'CHANNEL_SMS', address: '+34600111222', method: 'sms_code', mergedCustomerIds: ['w1'] } };
    const unknown = { seq: '4', actor: 'cust', somethingNew: { x: 1 } } as LoggedEvent;
    const events = [inbound(1, 'a'), outbound(2, 'b'), proved, unknown, outbound(5, 'c')];
    const lines = transcriptLines(events, [], 0);
    expect(lines.map((l) => (l.kind === 'message' ? l.text : `#${l.text}`))).toEqual(['a', 'b', '#Your phone number +34600111222 is confirmed.', 'c']);
    expect(conversationStatus(events, [])).toMatchObject({ resolved: false, answered: true, agentId: 'ana', inactivity: null });
  });

  it('says the email address is confirmed', () => {
    const proved: LoggedEvent = { seq: '3', actor: 'cust', identityProved: { channel: 'CHANNEL_EMAIL', address: 'ana@example.org', method: 'email_code', mergedCustomerIds: ['e1'] } };
    const lines = transcriptLines([inbound(1, 'a'), proved], [], 0);
    expect(lines.map((l) => (l.kind === 'message' ? l.text : `#${l.text}`))).toEqual(['a', '#Your email address ana@example.org is confirmed.']);
  });

  it('keeps a message under one key from the outbox to the log', () => {
    const before = transcriptLines([], [{ ...pending('x'), clientMessageId: 'm9' }], 0);
    const after = transcriptLines([inbound(3, 'x', 'm9')], [], 0);
    expect(before[0].key).toBe(after[0].key);
  });

  it('shows a message once when its event arrives before the server acknowledged it', () => {
    const lines = transcriptLines([inbound(3, 'x', 'm9')], [{ ...pending('x'), clientMessageId: 'm9' }], 0);
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatchObject({ key: 'c:m9', state: 'sent' });
  });
});
