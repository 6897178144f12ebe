import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { FakeSocket } from '../test/fake_socket';
import type { WebSocketFactory } from '../lib/connection';
import { Chat } from './chat';
import { WidgetStorage } from './widget_storage';

function memory() {
  const map = new Map<string, string>();
  return { getItem: (k: string) => map.get(k) ?? null, setItem: (k: string, v: string) => void map.set(k, v), removeItem: (k: string) => void map.delete(k) };
}

let visitors = 0;
const server = 'http://sb.test';

function chatOn(store: ReturnType<typeof memory>) {
  return new Chat({ server, topic: 'general', storage: new WidgetStorage(server, store), WebSocket: FakeSocket as unknown as WebSocketFactory });
}

const settle = (ms = 0) => vi.advanceTimersByTimeAsync(ms);

beforeEach(() => {
  vi.useFakeTimers();
  FakeSocket.all = [];
  visitors = 0;
  vi.stubGlobal('fetch', async (url: string) => {
    expect(url).toBe(`${server}/v1/visitors`);
    visitors += 1;
    const body = { token: `t${visitors}`, visitorId: `v${visitors}`, expiresAt: Math.floor(Date.now() / 1000) + 86400 };
    return new Response(JSON.stringify(body), { status: 200 });
  });
});
afterEach(() => {
  vi.unstubAllGlobals();
  vi.useRealTimers();
});

/** A widget chat whose first message ('hi') the server took: conversation c1, seq 1. */
async function chatting() {
  const chat = chatOn(memory());
  chat.send('hi');
  await settle();
  const ws = FakeSocket.last();
  ws.welcome();
  ws.answer(-1, { ack: { conversationId: 'c1', seq: '1' } });
  await settle();
  return { chat, ws };
}

describe('Chat (the widget without its UI)', () => {
  it('opens a conversation with the first message, shows it once acknowledged, and resumes to learn the rest', async () => {
    const chat = chatOn(memory());
    chat.send('where is my order?', { displayName: 'Bo' });
    await settle();
    const ws = FakeSocket.last();
    expect(ws.url).toBe('ws://sb.test/v1/ws?access_token=t1');
    ws.welcome();
    const open = ws.requests()[0].openConversation;
    expect(open).toMatchObject({ topic: 'general', firstMessage: { body: 'where is my order?' }, customer: { displayName: 'Bo' } });
    ws.answer(-1, { ack: { conversationId: 'c1', seq: '1' } });
    await settle();
    expect(chat.snapshot.conversationId).toBe('c1');
    expect(chat.snapshot.outbox).toHaveLength(0);
    expect(chat.snapshot.events.map((e) => e.message?.body)).toEqual(['where is my order?']);
    expect(ws.requests().at(-1)?.resume).toEqual({ conversationId: 'c1', afterSeq: '0' });
    // The replay brings the server's copy of the message (it replaces the echo) and the agent's reply.
    ws.push({ event: { conversationId: 'c1', seq: '1', actor: 'cust-1', message: { direction: 'DIRECTION_INBOUND', body: 'where is my order?', clientMessageId: open?.firstMessage.clientMessageId } } });
    ws.push({ event: { conversationId: 'c1', seq: '4', actor: 'ana', message: { direction: 'DIRECTION_OUTBOUND', body: 'on its way', authorId: 'ana' } } });
    expect(chat.snapshot.events.map((e) => [e.seq, e.message?.body, !!e.local])).toEqual([
      ['1', 'where is my order?', false],
      ['4', 'on its way', false],
    ]);
  });

  it('after a reload: same visitor, the transcript rebuilt from seq 0, unsent messages sent again after the resume', async () => {
    const store = memory();
    const first = chatOn(store);
    first.send('hello');
    await settle();
    FakeSocket.last().welcome();
    FakeSocket.last().answer(-1, { ack: { conversationId: 'c1', seq: '1' } });
    await settle();
    first.send('are you there?'); // the page goes away before this one is acknowledged

    const second = chatOn(store);
    expect(second.hasConversation).toBe(true);
    expect(second.snapshot.outbox.map((i) => i.text)).toEqual(['are you there?']);
    const sentBefore = FakeSocket.last().requests().find((f) => f.sendMessage)?.sendMessage?.message.clientMessageId;
    second.connect();
    await settle();
    const ws = FakeSocket.last();
    ws.welcome();
    expect(visitors).toBe(1);
    expect(ws.url).toContain('access_token=t1');
    const frames = ws.requests();
    expect(frames[0].resume).toEqual({ conversationId: 'c1', afterSeq: '0' });
    expect(frames[1].sendMessage).toMatchObject({ conversationId: 'c1', message: { body: 'are you there?', clientMessageId: sentBefore } });
  });

  it('sends a read receipt for replies it has, once per seq', async () => {
    const { chat, ws } = await chatting();
    ws.push({ event: { conversationId: 'c1', seq: '3', actor: 'ana', message: { direction: 'DIRECTION_OUTBOUND', body: 'hello', authorId: 'ana' } } });
    chat.markRead();
    chat.markRead();
    expect(ws.requests().filter((f) => f.read).map((f) => f.read)).toEqual([{ conversationId: 'c1', upToSeq: '3' }]);
  });

  it('a new visitor (the token expired for good) does not carry the old conversation', async () => {
    const chat = chatOn(memory());
    chat.send('hi');
    await settle();
    FakeSocket.last().welcome();
    FakeSocket.last().answer(-1, { ack: { conversationId: 'c1', seq: '1' } });
    await settle();
    FakeSocket.last().drop(4001);
    await settle();
    expect(visitors).toBe(2);
    expect(chat.snapshot.conversationId).toBe('');
    expect(chat.snapshot.earlier.map((e) => e.message?.body)).toEqual(['hi']);
  });

  it('confirms a phone number: the code is asked for once (never re-sent by itself), then the proof arrives as an event', async () => {
    const { chat, ws } = await chatting();
    const limited = chat.proveIdentity(' +34 600 111 222 ', 'phone');
    expect(ws.requests().at(-1)?.proveIdentity).toEqual({ conversationId: 'c1', phone: '+34 600 111 222' });
    ws.answer(-1, { error: { code: 'rate_limited', message: 'too many codes in the last hour; try again later', retry: true, retryAfterMs: 3_600_000 } });
    await expect(limited).rejects.toMatchObject({ code: 'rate_limited' });
    await settle(20_000);
    expect(ws.requests().filter((f) => f.proveIdentity)).toHaveLength(1);

    const sent = chat.proveIdentity('+34 600 111 222', 'phone');
    ws.answer(-1, { ack: { conversationId: 'c1' } });
    await sent;
    const confirmed = chat.confirmIdentity('123456');
    expect(ws.requests().at(-1)?.confirmIdentity).toEqual({ conversationId: 'c1', code: '123456' });
    ws.answer(-1, { ack: { conversationId: 'c1', seq: '5' } });
    await confirmed;
    ws.push({ event: { conversationId: 'c1', seq: '5', actor: 'cust-1', identityProved: { channel: 'CHANNEL_SMS', address: '+34600111222', method: 'sms_code', mergedCustomerIds: ['w1'] } } });
    expect(chat.snapshot.events.at(-1)?.identityProved?.address).toBe('+34600111222');
    expect(chat.snapshot.proofUnavailable).toEqual({ phone: false, email: false });
  });

  it('stops offering to confirm a number once the server says it sends no codes, and only that kind', async () => {
    const { chat, ws } = await chatting();
    const asked = chat.proveIdentity('+34600111222', 'phone');
    ws.answer(-1, { error: { code: 'not_available', message: 'confirming a phone number is not set up here (no SMS account)' } });
    await expect(asked).rejects.toMatchObject({ code: 'not_available' });
    expect(chat.snapshot.proofUnavailable).toEqual({ phone: true, email: false });
  });

  it('confirms an email address: the frame names the email only, and the proof arrives as an event', async () => {
    const { chat, ws } = await chatting();
    const sent = chat.proveIdentity('  Wanda@Example.org ', 'email');
    const frame = ws.requests().at(-1)!;
    expect(frame.proveIdentity).toEqual({ conversationId: 'c1', email: 'Wanda@Example.org' });
    expect(frame.proveIdentity).not.toHaveProperty('phone');
    ws.answer(-1, { ack: { conversationId: 'c1' } });
    await sent;
    const confirmed = chat.confirmIdentity('654321');
    expect(ws.requests().at(-1)?.confirmIdentity).toEqual({ conversationId: 'c1', code: '654321' });
    ws.answer(-1, { ack: { conversationId: 'c1', seq: '5' } });
    await confirmed;
    ws.push({ event: { conversationId: 'c1', seq: '5', actor: 'cust-1', identityProved: { channel: 'CHANNEL_EMAIL', address: 'wanda@example.org', method: 'email_code', mergedCustomerIds: ['e1'] } } });
    expect(chat.snapshot.events.at(-1)?.identityProved).toMatchObject({ channel: 'CHANNEL_EMAIL', address: 'wanda@example.org' });
  });

  it('a server without a mail relay: email is no longer offered, the phone still is; an email refused otherwise changes nothing', async () => {
    const { chat, ws } = await chatting();
    const listener = vi.fn();
    chat.subscribe(listener);
    const bad = chat.proveIdentity('wanda@', 'email');
    ws.answer(-1, { error: { code: 'bad_request', message: 'email: an address like ana@example.org' } });
    await expect(bad).rejects.toMatchObject({ code: 'bad_request' });
    expect(chat.snapshot.proofUnavailable).toEqual({ phone: false, email: false });
    const asked = chat.proveIdentity('wanda@example.org', 'email');
    listener.mockClear();
    ws.answer(-1, { error: { code: 'not_available', message: 'confirming an email address is not set up here (no mail relay)' } });
    await expect(asked).rejects.toMatchObject({ code: 'not_available', message: 'confirming an email address is not set up here (no mail relay)' });
    expect(chat.snapshot.proofUnavailable).toEqual({ phone: false, email: true });
    expect(listener).toHaveBeenCalled();
    expect(ws.requests().filter((f) => f.proveIdentity).map((f) => f.proveIdentity)).toEqual([
      { conversationId: 'c1', email: 'wanda@' }, { conversationId: 'c1', email: 'wanda@example.org' },
    ]);
  });

  it('shows staff typing by the name from their sign-in (typing.name), else by id', async () => {
    const { chat, ws } = await chatting();
    ws.push({ event: { conversationId: 'c1', actor: 'ana', typing: { who: 'ana', active: true, name: 'Ana María' } } });
    ws.push({ event: { conversationId: 'c1', actor: 'bo', typing: { who: 'bo', active: true } } });
    expect(chat.snapshot.typing).toEqual(['Ana María', 'Bo']);
    ws.push({ event: { conversationId: 'c1', seq: '3', actor: 'ana', message: { direction: 'DIRECTION_OUTBOUND', body: 'hello', authorId: 'ana', authorName: 'Ana María' } } });
    expect(chat.snapshot.typing).toEqual(['Bo']);
  });
});
