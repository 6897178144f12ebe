import { describe, expect, it } from 'vitest';
import type { OutboxItem } from '../lib/outbox';
import type { Channel, Event } from '../lib/types';
import { closingWords, deliveryWords, summarize, timelineItems } from './timeline';

const cust = 'CUST1';
const ev = (seq: number, rest: Partial<Event>): Event => ({ conversationId: 'c1', seq: String(seq), atMs: String(1000 * seq), ...rest });
const inbound = (seq: number, body: string, channel: Channel = 'CHANNEL_WEB') =>
  ev(seq, { actor: cust, message: { direction: 'DIRECTION_INBOUND', channel, body, clientMessageId: `cm${seq}` } });
const outbound = (seq: number, body: string, extra: Partial<Event> = {}) =>
  ev(seq, { actor: 'ana', message: { direction: 'DIRECTION_OUTBOUND', channel: 'CHANNEL_WEB', body, authorId: 'ana', clientMessageId: `am${seq}` }, ...extra });
const name = (id: string) => id.toUpperCase();

describe('timelineItems', () => {
  it('shows messages, notes and whispers, and marks what the customer has seen', () => {
    const events = [
      inbound(1, 'hello'),
      outbound(2, 'hi'),
      ev(3, { actor: 'ana', note: { direction: 'DIRECTION_INTERNAL', body: 'vip', authorId: 'ana' } }),
      ev(4, { actor: 'lea', whisper: { direction: 'DIRECTION_INTERNAL', body: 'ask for the order', authorId: 'lea', clientMessageId: 'w1' } }),
      ev(5, { actor: cust, read: { who: cust, upToSeq: '2' } }),
      outbound(6, 'more'),
    ];
    const items = timelineItems(events, [], { customerId: cust, customerName: 'Carla' });
    expect(items.map((i) => i.kind)).toEqual(['message', 'message', 'internal', 'internal', 'message']);
    const [first, second, note, whisper, last] = items as Record<string, unknown>[];
    expect(first).toMatchObject({ side: 'customer', author: 'Carla', channel: 'CHANNEL_WEB' });
    expect(second).toMatchObject({ side: 'staff', author: 'Ana', seen: true });
    expect(last.seen).toBe(false);
    expect(note).toMatchObject({ variant: 'note', body: 'vip' });
    expect(whisper).toMatchObject({ variant: 'whisper', author: 'Lea' });
  });

  it('keeps an email’s subject and its quoted history apart from what the customer wrote now', () => {
    const mail = ev(1, { actor: cust, message: { direction: 'DIRECTION_INBOUND', channel: 'CHANNEL_EMAIL', body: 'Still broken.',
      subject: 'Re: Broken kettle', quotedText: '> My kettle is broken.' } });
    const [item] = timelineItems([mail, inbound(2, 'a chat line')], [], { customerId: cust });
    expect(item).toMatchObject({ body: 'Still broken.', subject: 'Re: Broken kettle', quoted: '> My kettle is broken.', channel: 'CHANNEL_EMAIL' });
    expect(timelineItems([inbound(2, 'a chat line')], [], { customerId: cust })[0]).toMatchObject({ subject: undefined, quoted: undefined });
  });

  it('shows a pending draft, then the message it became with who let it through', () => {
    const draft = ev(2, { actor: 'ana', draft: { direction: 'DIRECTION_OUTBOUND', body: 'helo', authorId: 'ana', clientMessageId: 'd1' } });
    expect(timelineItems([inbound(1, 'x'), draft], [], { customerId: cust })[1]).toMatchObject({ kind: 'draft', outcome: 'pending' });
    const edited = ev(3, { actor: 'lea', message: { direction: 'DIRECTION_OUTBOUND', body: 'hello', authorId: 'ana', clientMessageId: 'd1' } });
    const items = timelineItems([inbound(1, 'x'), draft, edited], [], { customerId: cust });
    expect(items.map((i) => i.kind)).toEqual(['message', 'message']);
    expect(items[1]).toMatchObject({ body: 'hello', review: { edited: true, by: 'Lea' } });
  });

  it('shows a rejected draft with the lead’s reason', () => {
    const draft = ev(2, { actor: 'ana', draft: { direction: 'DIRECTION_OUTBOUND', body: 'nope', authorId: 'ana', clientMessageId: 'd1' } });
    const review = ev(3, { actor: 'lea', draftReview: { draftSeq: '2', reviewerId: 'lea', reason: 'be kinder' } });
    expect(timelineItems([draft, review], [], { customerId: cust })[0]).toMatchObject({ kind: 'draft', outcome: 'rejected', by: 'Lea', reason: 'be kinder' });
  });

  it('adds the lines still on their way after the log', () => {
    const item: OutboxItem = { clientMessageId: 'm9', body: { addNote: { conversationId: 'c1', body: 'n' } }, text: 'n', createdAtMs: 5, status: 'failed', error: { code: 'x', message: 'nope' } };
    const items = timelineItems([inbound(1, 'x')], [item], { customerId: cust });
    expect(items[1]).toMatchObject({ kind: 'internal', variant: 'note', status: 'failed', error: 'nope' });
  });

  it('shows a line once when its event arrives before the server acknowledged it', () => {
    const item: OutboxItem = { clientMessageId: 'am2', body: { sendMessage: { conversationId: 'c1', message: { body: 'hi', clientMessageId: 'am2' } } }, text: 'hi', createdAtMs: 5, status: 'sending' };
    const items = timelineItems([inbound(1, 'x'), outbound(2, 'hi')], [item], { customerId: cust });
    expect(items.map((i) => i.key)).toEqual(['c:cm1', 'c:am2']);
    expect(items[1]).toMatchObject({ kind: 'message', seq: 2, author: 'Ana' });
  });

  it('hides routing details unless asked', () => {
    const events = [ev(2, { actor: 'router', decision: { kind: 'OFFER', reason: 'best' } }), ev(3, { actor: 'ana', offerOutcome: { agentId: 'ana', outcome: 'ACCEPTED' } })];
    expect(timelineItems(events, [], { customerId: cust }).map((i) => (i.kind === 'event' ? i.text : ''))).toEqual(['Ana accepted']);
    expect(timelineItems(events, [], { customerId: cust, routing: true })).toHaveLength(2);
  });
});

describe('a customer proving their phone number', () => {
  const proved = (seq: number, merged: string[] = []) =>
    ev(seq, { actor: cust, identityProved: { channel: 'CHANNEL_SMS', address: '+34600111222', method: 'sms_code', mergedCustomerIds: merged } });
  const lines = (events: Event[]) => timelineItems(events, [], { customerId: cust }).map((i) => (i.kind === 'event' ? `#${i.text}` : i.kind));

  it('is a line of the timeline, saying when customers who wrote from the number joined it', () => {
    expect(lines([inbound(1, 'hi'), proved(2)])).toEqual(['message', '#Customer confirmed +34600111222 by SMS code']);
    expect(lines([proved(3, ['WA1', 'SMS1'])])).toEqual([
      '#Customer confirmed +34600111222 by SMS code — their conversations from this number (SMS, WhatsApp) are now in this timeline',
    ]);
    expect(timelineItems([proved(3)], [], { customerId: cust })[0]).toMatchObject({ kind: 'event', tone: 'info', atMs: 3000, key: 's3' });
  });

  it('changes nothing else, and a kind the desk does not know is no line and no harm', () => {
    const unknown = ev(4, { actor: cust, somethingNew: { x: 1 } } as Partial<Event>);
    const events = [inbound(1, 'hi'), outbound(2, 'hello'), proved(3), unknown, inbound(5, 'thanks')];
    expect(lines(events)).toEqual(['message', 'message', '#Customer confirmed +34600111222 by SMS code', 'message']);
    expect(summarize(events)).toMatchObject({ channel: 'CHANNEL_WEB', last: { body: 'thanks', side: 'customer' }, lastInboundSeq: 5 });
    expect(closingWords(proved(3), 'ana', 'owner', name)).toBeNull();
  });
});

describe('a customer proving their email address', () => {
  const proved = (seq: number, merged: string[] = []) =>
    ev(seq, { actor: cust, identityProved: { channel: 'CHANNEL_EMAIL', address: 'ana@example.org', method: 'email_code', mergedCustomerIds: merged } });
  const lines = (events: Event[]) => timelineItems(events, [], { customerId: cust }).map((i) => (i.kind === 'event' ? `#${i.text}` : i.kind));

  it('says so by email code, and that the email conversations from the address joined', () => {
    expect(lines([proved(2)])).toEqual(['#Customer confirmed ana@example.org by email code']);
    expect(lines([proved(3, ['E1'])])).toEqual([
      '#Customer confirmed ana@example.org by email code — their email conversations from this address are now in this timeline',
    ]);
  });
});

describe('deliveries', () => {
  const wa = (seq: number, body: string) =>
    ev(seq, { message: { direction: 'DIRECTION_OUTBOUND', channel: 'CHANNEL_WHATSAPP', body, authorId: 'ann', clientMessageId: `c${seq}` } });
  const delivery = (seq: number, of: number, state: 'SENT' | 'DELIVERED' | 'READ' | 'FAILED' | 'QUEUED', reason = '') =>
    ev(seq, { actor: 'outbox', delivery: { messageSeq: String(of), state, channel: 'CHANNEL_WHATSAPP', reason } });
  const states = (events: Event[]) =>
    timelineItems(events, [], { customerId: cust }).flatMap((i) => (i.kind === 'message' && i.delivery ? [deliveryWords(i.delivery, i.channel)] : []));

  it('shows each reply on a messaging channel where it is, and only ever forward', () => {
    expect(states([wa(1, 'a'), wa(2, 'b'), delivery(3, 1, 'SENT'), delivery(4, 1, 'READ'), delivery(5, 1, 'DELIVERED')]))
      .toEqual(['Read by the customer', 'Sending to WhatsApp…']);
    expect(states([wa(1, 'a'), delivery(2, 1, 'FAILED', '400 Message undeliverable')])).toEqual(['Not delivered: 400 Message undeliverable']);
    expect(states([wa(1, 'a'), delivery(2, 1, 'SENT')])).toEqual(['Sent to WhatsApp']);
  });

  it("keeps each conversation's replies apart (a pane holds the customer's earlier conversations too)", () => {
    const inConv = (conversationId: string, e: Event): Event => ({ ...e, conversationId });
    expect(states([
      inConv('old', wa(1, 'then')), inConv('old', delivery(2, 1, 'READ')),
      inConv('new', wa(1, 'now')), inConv('new', delivery(2, 1, 'FAILED', 'refused')),
    ])).toEqual(['Read by the customer', 'Not delivered: refused']);
  });

  it('starts over when a lead sends a failed reply again', () => {
    const failed = [wa(1, 'a'), delivery(2, 1, 'FAILED', 'unreachable')];
    expect(states([...failed, delivery(3, 1, 'QUEUED')])).toEqual(['Sending to WhatsApp…']);
    expect(states([...failed, delivery(3, 1, 'QUEUED'), delivery(4, 1, 'SENT')])).toEqual(['Sent to WhatsApp']);
    expect(states([...failed, delivery(3, 1, 'QUEUED'), delivery(4, 1, 'FAILED', 'again')])).toEqual(['Not delivered: again']);
  });

  it('says nothing of web replies and adds no line for the delivery events themselves', () => {
    const items = timelineItems([outbound(1, 'hi'), delivery(2, 1, 'SENT')], [], { customerId: cust });
    expect(items).toHaveLength(1);
    expect(items[0]).toMatchObject({ kind: 'message', delivery: undefined });
  });
});

describe('message changes', () => {
  it("shows what the customer did to a message under it, oldest first, and never rewrites it", () => {
    const wa = (seq: number, body: string) => ev(seq, { message: { direction: 'DIRECTION_INBOUND', channel: 'CHANNEL_WHATSAPP', body } });
    const change = (seq: number, of: number, c: Partial<NonNullable<Event['messageChange']>>) =>
      ev(seq, { actor: cust, messageChange: { messageSeq: String(of), channel: 'CHANNEL_WHATSAPP', ...c } });
    const items = timelineItems([
      wa(1, 'first'), wa(2, 'second'),
      change(3, 1, { kind: 'REACTION', emoji: '👍' }), change(4, 2, { kind: 'EDIT', body: 'second, fixed' }),
      change(5, 1, { kind: 'REACTION', emoji: '' }), change(6, 2, { kind: 'DELETION' }),
    ], [], { customerId: cust });
    const messages = items.flatMap((i) => (i.kind === 'message' ? [[i.body, i.changes]] : []));
    expect(messages).toEqual([
      ['first', ['Reacted 👍', 'Took their reaction back']],
      ['second', ['Edited: “second, fixed”', 'Deleted by the customer']],
    ]);
    expect(items.filter((i) => i.kind !== 'message')).toEqual([]);
  });
});

describe('summarize', () => {
  it("keeps the customer waiting through the router's automatic message (their place in the queue), shown as automatic", () => {
    const told = ev(2, { actor: 'router', message: { direction: 'DIRECTION_OUTBOUND', channel: 'CHANNEL_WHATSAPP', body: 'You are number 2.', authorId: 'router' } });
    const s = summarize([inbound(1, 'a', 'CHANNEL_WHATSAPP'), told]);
    expect(s.waitingSinceMs).toBe(1000);
    expect(s.last?.side).toBe('customer');
    const items = timelineItems([inbound(1, 'a', 'CHANNEL_WHATSAPP'), told], [], { customerId: cust });
    expect(items.flatMap((i) => (i.kind === 'message' ? [i.author] : []))).toEqual(['Customer', 'Automatic message']);
  });

  it("starts WhatsApp's window when the customer sent their last WhatsApp message, by WhatsApp's clock", () => {
    const wa = (seq: number, sentAtMs?: string) =>
      ev(seq, { message: { direction: 'DIRECTION_INBOUND', channel: 'CHANNEL_WHATSAPP', body: 'x', sentAtMs } });
    expect(summarize([]).whatsappAtMs).toBe(0);
    expect(summarize([inbound(1, 'a', 'CHANNEL_WEB')]).whatsappAtMs).toBe(0);
    expect(summarize([wa(5, '1500')]).whatsappAtMs).toBe(1500);
    expect(summarize([wa(5)]).whatsappAtMs).toBe(5000);
    expect(summarize([wa(5, '9000')]).whatsappAtMs).toBe(5000);  // never later than stored
    expect(summarize([wa(5, '1500'), inbound(6, 'b', 'CHANNEL_WEB')]).whatsappAtMs).toBe(1500);
  });

  it('follows the current channel, presence, warnings, priority and monitors', () => {
    const s = summarize([
      inbound(1, 'a', 'CHANNEL_WEB'),
      inbound(2, 'b', 'CHANNEL_WHATSAPP'),
      ev(3, { customerPresence: { present: false, why: 'left' } }),
      ev(4, { inactivityWarning: { resolvesInSeconds: 120 } }),
      ev(5, { priorityChange: { from: 0, to: 3 } }),
      ev(6, { monitoring: { leadId: 'lea', active: true } }),
    ]);
    expect(s).toMatchObject({ channel: 'CHANNEL_WHATSAPP', away: { why: 'left' }, resolvesAtMs: 4000 + 120_000, priority: 3, monitors: ['lea'], lastInboundSeq: 2, waitingSinceMs: 1000 });
  });
  it('clears the wait once staff answered and the warning once the customer wrote', () => {
    const s = summarize([inbound(1, 'a'), ev(2, { inactivityWarning: { resolvesInSeconds: 60 } }), outbound(3, 'b'), inbound(4, 'c')]);
    expect(s.resolvesAtMs).toBe(0);
    expect(s.waitingSinceMs).toBe(4000);
  });
});

describe('closingWords', () => {
  it('ends an owner’s hold on transfer, escalation, requeue, resolve and someone else’s takeover', () => {
    expect(closingWords(ev(1, { transfer: { toQueue: 'technical' } }), 'ana', 'owner', name)).toBe('Transferred to technical');
    expect(closingWords(ev(1, { escalation: { agentId: 'ana' } }), 'ana', 'owner', name)).toBe('Escalated to a lead');
    expect(closingWords(ev(1, { statusChange: { to: 'QUEUED' } }), 'ana', 'owner', name)).toBe('Queued again');
    expect(closingWords(ev(1, { statusChange: { to: 'RESOLVED', disposition: 'spam' } }), 'ana', 'owner', name)).toBe('Resolved (spam)');
    expect(closingWords(ev(1, { takeover: { leadId: 'lea' } }), 'ana', 'owner', name)).toBe('Taken over by LEA');
    expect(closingWords(ev(1, { takeover: { leadId: 'lea' } }), 'lea', 'owner', name)).toBeNull();
  });
  it('keeps a monitoring lead on it until it is resolved', () => {
    expect(closingWords(ev(1, { transfer: { toQueue: 'x' } }), 'lea', 'monitor', name)).toBeNull();
    expect(closingWords(ev(1, { statusChange: { to: 'RESOLVED' } }), 'lea', 'monitor', name)).toBe('Resolved (solved)');
  });
});
