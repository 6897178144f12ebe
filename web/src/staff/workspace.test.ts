import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { Connection, type ConnectionOptions } from '../lib/connection';
import { RestClient } from '../lib/rest';
import type { Event, ServerFrame } from '../lib/types';
import { FakeSocket } from '../test/fake_socket';
import { LeadWorkspace } from './lead_workspace';
import { timelineItems } from './timeline';
import { Workspace } from './workspace';

const session = { user: 'ana', role: 'agent', teams: ['care'], displayName: 'Ana', csrfToken: 't' };

/** REST answers by path prefix; anything else is 404. */
function rest(routes: Record<string, unknown> = {}): RestClient {
  return new RestClient('', async (input) => {
    const path = String(input);
    const hit = Object.keys(routes).find((p) => path.startsWith(p));
    return hit ? new Response(JSON.stringify(routes[hit]), { status: 200 }) : new Response('{"code":"not_found"}', { status: 404 });
  });
}

function desk<W extends Workspace>(make: (o: ConstructorParameters<typeof Workspace>[0]) => W, routes: Record<string, unknown> = {}) {
  let ws: W | undefined;
  const conn = new Connection({
    url: 'ws://x/v1/ws',
    auth: { kind: 'cookie' },
    WebSocket: FakeSocket as unknown as ConnectionOptions['WebSocket'],
    onFrame: (f) => ws!.onFrame(f),
    onConnected: () => ws!.onConnected(),
  });
  ws = make({ conn, rest: rest(routes), session });
  ws.start();
  conn.start();
  return { ws, conn };
}

const settle = (ms = 0) => vi.advanceTimersByTimeAsync(ms);
const ev = (cid: string, seq: number, rest: Partial<Event>): ServerFrame => ({ event: { conversationId: cid, seq: String(seq), atMs: String(seq * 1000), ...rest } });

beforeEach(() => {
  vi.useFakeTimers();
  FakeSocket.all = [];
});
afterEach(() => vi.useRealTimers());

describe('Workspace', () => {
  it('follows the conversations agentState lists: resumes each, after each reconnect from where it was', async () => {
    const { ws } = desk((o) => new Workspace(o));
    await settle();
    const s = FakeSocket.last();
    s.welcome();
    s.push({ agentState: { status: 'AVAILABLE', conversations: [{ conversationId: 'c1', state: 'ASSIGNED', customerId: 'cu1', queue: 'general' }] } });
    expect(s.requests().filter((f) => f.resume)).toMatchObject([{ resume: { conversationId: 'c1', afterSeq: '0' } }]);
    s.push(ev('c1', 1, { actor: 'cu1', message: { direction: 'DIRECTION_INBOUND', body: 'hi' } }));
    s.push(ev('c1', 2, { actor: 'ana', offerOutcome: { agentId: 'ana', outcome: 'ACCEPTED' } }));
    expect(ws.convs.get('c1')!.log.lastSeq).toBe(2);
    s.drop();
    await settle(1000);
    const s2 = FakeSocket.last();
    s2.welcome();
    expect(s2.requests().filter((f) => f.resume)).toMatchObject([{ resume: { conversationId: 'c1', afterSeq: '2' } }]);
    s2.push({ agentState: { status: 'AVAILABLE', conversations: [{ conversationId: 'c1', state: 'ASSIGNED' }] } });
    expect(s2.requests().filter((f) => f.resume)).toHaveLength(1); // not twice on one connection
  });

  it('shows an offer until its outcome comes, and follows it once accepted with the timeline', async () => {
    const { ws } = desk((o) => new Workspace(o));
    await settle();
    const s = FakeSocket.last();
    s.welcome();
    s.push({ offer: { conversationId: 'c1', expiresAtMs: String(Date.now() + 20_000), queue: 'general', channel: 'CHANNEL_WEB' } });
    s.push({ offer: { conversationId: 'c2', expiresAtMs: String(Date.now() + 20_000), queue: 'general' } });
    expect([...ws.offers.keys()]).toEqual(['c1', 'c2']);
    s.push({ event: { conversationId: 'c2', offerOutcome: { agentId: 'ana', outcome: 'TIMED_OUT' } } });
    expect([...ws.offers.keys()]).toEqual(['c1']);
    const accepted = ws.answer('c1', true);
    expect(ws.convs.get('c1')!.accepting).toBe(true);
    s.push({ timeline: { customerId: 'cu1', events: [
      { conversationId: 'old', seq: '1', eventId: 'e1', message: { direction: 'DIRECTION_INBOUND', body: 'last week' } },
      { conversationId: 'c1', seq: '1', eventId: 'e2', message: { direction: 'DIRECTION_INBOUND', body: 'today' } },
    ] } });
    s.answer(-1, { ack: { conversationId: 'c1', seq: '3' } });
    await accepted;
    const c = ws.convs.get('c1')!;
    expect(c.accepting).toBe(false);
    expect(c.customerId).toBe('cu1');
    expect(c.history.map((e) => e.message?.body)).toEqual(['last week']);
    expect(c.log.events.map((e) => e.message?.body)).toEqual(['today']);
    expect(ws.offers.size).toBe(0);
  });

  it('drops an offer at its deadline even without the server’s word', async () => {
    const { ws } = desk((o) => new Workspace(o));
    await settle();
    const s = FakeSocket.last();
    s.welcome();
    s.push({ offer: { conversationId: 'c1', expiresAtMs: String(Date.now() + 5000) } });
    await settle(5000);
    expect(ws.offers.size).toBe(1);
    await settle(2000);
    expect(ws.offers.size).toBe(0);
  });

  it('sends replies with a clientMessageId and notes with an actionId, kept across a drop', async () => {
    const { ws } = desk((o) => new Workspace(o));
    await settle();
    const s = FakeSocket.last();
    s.welcome();
    s.push({ agentState: { conversations: [{ conversationId: 'c1', state: 'ASSIGNED' }] } });
    s.drop();
    ws.reply('c1', ' hello ');
    ws.note('c1', 'vip');
    expect(ws.outboxFor('c1').map((i) => i.text)).toEqual(['hello', 'vip']);
    await settle(1000);
    const s2 = FakeSocket.last();
    s2.welcome();
    const [resume, reply, note] = s2.requests();
    expect(resume.resume).toBeTruthy();
    expect(reply.sendMessage).toMatchObject({ conversationId: 'c1', message: { body: 'hello' } });
    expect(reply.sendMessage!.message.clientMessageId).toBe(ws.outbox.items[0].clientMessageId);
    expect(note).toMatchObject({ addNote: { conversationId: 'c1', body: 'vip' } });
    expect(note.actionId).toBe(ws.outbox.items[1].clientMessageId);
    s2.push({ requestId: reply.requestId, ack: { conversationId: 'c1', seq: '5' } });
    await settle();
    expect(ws.outboxFor('c1')).toHaveLength(1);
    expect(ws.convs.get('c1')!.log.events.at(-1)).toMatchObject({ seq: '5', local: true, message: { body: 'hello', direction: 'DIRECTION_OUTBOUND' } });
  });

  it('sends a reply with an attachment and no body, shown with it while on its way and once acknowledged', async () => {
    const { ws } = desk((o) => new Workspace(o));
    await settle();
    const s = FakeSocket.last();
    s.welcome();
    s.push({ agentState: { conversations: [{ conversationId: 'c1', state: 'ASSIGNED' }] } });
    const file = { url: '/v1/blobs/ab?type=image%2Fpng&name=a.png&sig=1', contentType: 'image/png', fileName: 'a.png', sizeBytes: '67', sha256: 'ab' };
    ws.reply('c1', '  ');
    expect(ws.outboxFor('c1')).toHaveLength(0);
    ws.reply('c1', ' ', { attachments: [file] });
    const sent = s.requests().find((f) => f.sendMessage)!;
    expect(sent.sendMessage!.message).toEqual({ body: '', clientMessageId: ws.outbox.items[0].clientMessageId, attachments: [file] });
    const pending = timelineItems([], ws.outboxFor('c1'), { customerId: 'cu1' });
    expect(pending).toMatchObject([{ kind: 'message', status: 'sending', attachments: [{ state: 'stored', fileName: 'a.png', kind: 'image' }] }]);
    s.push({ requestId: sent.requestId, ack: { conversationId: 'c1', seq: '3' } });
    await settle();
    expect(ws.convs.get('c1')!.log.events.at(-1)).toMatchObject({ seq: '3', local: true, message: { body: '', attachments: [file] } });
  });

  it('closes a conversation on transfer, and reopens it when replayed to a later accept', async () => {
    const { ws } = desk((o) => new Workspace(o));
    await settle();
    const s = FakeSocket.last();
    s.welcome();
    s.push({ agentState: { conversations: [{ conversationId: 'c1', state: 'ASSIGNED' }] } });
    s.push(ev('c1', 1, { offerOutcome: { agentId: 'ana', outcome: 'ACCEPTED' } }));
    s.push(ev('c1', 2, { statusChange: { to: 'RESOLVED', disposition: 'solved' } }));
    expect(ws.convs.get('c1')!.closed?.why).toBe('Resolved (solved)');
    s.push(ev('c1', 3, { offerOutcome: { agentId: 'ana', outcome: 'ACCEPTED' } }));
    expect(ws.convs.get('c1')!.active).toBe(true);
    s.push(ev('c1', 4, { transfer: { fromId: 'ana', toQueue: 'technical' } }));
    expect(ws.convs.get('c1')!.closed?.why).toBe('Transferred to technical');
    ws.dismiss('c1');
    expect(ws.convs.size).toBe(0);
  });

  it('resolves with an actionId, re-sent unchanged after a drop', async () => {
    const { ws } = desk((o) => new Workspace(o), { '/v1/queues': { queues: [{ name: 'general', dispositions: ['solved', 'spam'] }] } });
    await settle();
    const s = FakeSocket.last();
    s.welcome();
    s.push({ agentState: { conversations: [{ conversationId: 'c1', state: 'ASSIGNED', queue: 'general' }] } });
    await settle(); // the queues are read once connected
    expect(ws.dispositions(ws.convs.get('c1')!)).toEqual(['solved', 'spam']);
    const done = ws.resolve('c1', 'spam');
    const first = s.requests().at(-1)!;
    s.drop();
    await settle(1000);
    const s2 = FakeSocket.last();
    s2.welcome();
    const again = s2.requests().find((f) => f.resolve)!;
    expect(again.actionId).toBe(first.actionId);
    s2.push({ requestId: again.requestId, ack: { conversationId: 'c1', seq: '9', duplicate: true } });
    await done;
    expect(ws.convs.get('c1')!.closed?.why).toBe('Resolved (spam)');
  });
});

describe('LeadWorkspace', () => {
  it('queues trainee drafts and drops them once reviewed (by anyone)', async () => {
    const { ws } = desk((o) => new LeadWorkspace(o), { '/v1/conversations/': { conversation: { id: 'c1', state: 'ASSIGNED' }, events: [] } });
    await settle();
    const s = FakeSocket.last();
    s.welcome();
    s.push(ev('c1', 4, { actor: 'tom', draft: { direction: 'DIRECTION_OUTBOUND', body: 'helo', authorId: 'tom', clientMessageId: 'd1' } }));
    s.push(ev('c1', 5, { actor: 'tom', draft: { direction: 'DIRECTION_OUTBOUND', body: 'bye', authorId: 'tom', clientMessageId: 'd2' } }));
    expect([...ws.drafts.keys()]).toEqual(['c1:4', 'c1:5']);
    await settle();
    const review = ws.reviewDraft('c1:4', 'EDIT', 'hello');
    const sent = s.requests().at(-1)!;
    expect(sent.reviewDraft).toEqual({ conversationId: 'c1', draftSeq: '4', verdict: 'EDIT', body: 'hello' });
    expect(sent.actionId).toBeTruthy();
    s.push({ requestId: sent.requestId, ack: { conversationId: 'c1', seq: '6' } });
    await review;
    s.push(ev('c1', 7, { draftReview: { draftSeq: '5', reviewerId: 'leo', reason: 'no' } }));
    expect(ws.drafts.size).toBe(0);
  });

  it('monitors: the monitor action, then a resume from the start', async () => {
    const { ws } = desk((o) => new LeadWorkspace(o));
    await settle();
    const s = FakeSocket.last();
    s.welcome();
    const opened = ws.monitor('c9');
    const mon = s.requests().at(-1)!;
    expect(mon.monitor).toEqual({ conversationId: 'c9', active: true });
    s.push({ requestId: mon.requestId, ack: { conversationId: 'c9', seq: '3' } });
    const conv = await opened;
    expect(conv.role).toBe('monitor');
    expect(s.requests().at(-1)!.resume).toEqual({ conversationId: 'c9', afterSeq: '0' });
    s.push(ev('c9', 4, { takeover: { leadId: 'ana', fromAgentId: 'tom', reason: 'mine' } }));
    expect(conv.role).toBe('owner');
  });
});
