import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { FakeSocket } from '../test/fake_socket';
import { Connection, type ConnectionOptions, type ConnectionState, socketUrl } from './connection';
import { ApiError } from './errors';
import type { ServerFrame } from './types';

function connect(options: Partial<ConnectionOptions> = {}) {
  const states: ConnectionState[] = [];
  const frames: ServerFrame[] = [];
  const tokens: boolean[] = [];
  const conn = new Connection({
    url: 'ws://127.0.0.1:1/v1/ws',
    auth: { kind: 'token', token: async (fresh) => (tokens.push(fresh), fresh ? 'new' : 'old') },
    WebSocket: FakeSocket as unknown as ConnectionOptions['WebSocket'],
    random: () => 0.5,
    onState: (s) => states.push(s),
    onFrame: (f) => frames.push(f),
    ...options,
  });
  return { conn, states, frames, tokens };
}

/** Lets the connection's awaits (the token) and due timers run. */
const settle = (ms = 0) => vi.advanceTimersByTimeAsync(ms);

beforeEach(() => {
  vi.useFakeTimers();
  FakeSocket.all = [];
});
afterEach(() => vi.useRealTimers());

describe('Connection', () => {
  it('makes the socket URL from the server address', () => {
    expect(socketUrl('https://sb.example/x/widget.js')).toBe('wss://sb.example/v1/ws');
    expect(socketUrl('http://127.0.0.1:8080')).toBe('ws://127.0.0.1:8080/v1/ws');
    expect(socketUrl('http://127.0.0.1:8080', 'boards=changes')).toBe('ws://127.0.0.1:8080/v1/ws?boards=changes');
  });

  it('offers the JSON subprotocol, sends the token, and answers a request with its ack', async () => {
    const { conn, states } = connect();
    conn.start();
    await settle();
    const ws = FakeSocket.last();
    expect(ws.protocols).toEqual(['switchboard.v1.json']);
    expect(ws.url).toBe('ws://127.0.0.1:1/v1/ws?access_token=old');
    ws.welcome();
    expect(states.at(-1)).toMatchObject({ kind: 'connected' });

    const answer = conn.request({ sendMessage: { message: { body: 'hi', clientMessageId: 'm1' } } });
    const sent = ws.requests()[0];
    expect(sent.requestId).toMatch(/^r\d+$/);
    ws.answer(ws.sent.indexOf(sent), { ack: { conversationId: 'c1', seq: '1' } });
    await expect(answer).resolves.toMatchObject({ ack: { conversationId: 'c1', seq: '1' } });
  });

  it('rejects with the error frame as an ApiError', async () => {
    const { conn } = connect();
    conn.start();
    await settle();
    const ws = FakeSocket.last();
    ws.welcome();
    const answer = conn.request({ rate: { conversationId: 'c1', score: 5 } });
    ws.answer(-1, { error: { code: 'not_resolved', message: 'rate it once resolved' } });
    const error = await answer.catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ApiError);
    expect(error).toMatchObject({ code: 'not_resolved', retry: false, message: 'rate it once resolved' });
  });

  it('sends a rate_limited request again after retryAfterMs, and a retry one after a backoff', async () => {
    const { conn } = connect();
    conn.start();
    await settle();
    const ws = FakeSocket.last();
    ws.welcome();
    const answer = conn.request({ sendMessage: { message: { body: 'x', clientMessageId: 'm1' } } });
    ws.answer(-1, { error: { code: 'rate_limited', retry: true, retryAfterMs: 700 } });
    await settle(699);
    expect(ws.requests()).toHaveLength(1);
    await settle(1);
    expect(ws.requests()).toHaveLength(2);
    expect(ws.requests()[1].sendMessage?.message.clientMessageId).toBe('m1');
    ws.answer(-1, { error: { code: 'retry', retry: true } });
    await settle(10_000);
    expect(ws.requests()).toHaveLength(3);
    ws.answer(-1, { ack: { conversationId: 'c1', seq: '3', duplicate: true } });
    await expect(answer).resolves.toMatchObject({ ack: { duplicate: true } });
  });

  it('fails at once on a retryable refusal when asked not to send it again (a code by SMS)', async () => {
    const { conn } = connect();
    conn.start();
    await settle();
    const ws = FakeSocket.last();
    ws.welcome();
    const answer = conn.request({ proveIdentity: { conversationId: 'c1', phone: '+34600111222' } }, { retryRefused: false });
    ws.answer(-1, { error: { code: 'rate_limited', message: 'too many codes', retry: true, retryAfterMs: 3_600_000 } });
    await expect(answer).rejects.toMatchObject({ code: 'rate_limited', retry: true, retryAfterMs: 3_600_000, message: 'too many codes' });
    await settle(10_000);
    expect(ws.requests()).toHaveLength(1);
  });

  it('reconnects after a drop, runs the resume hook first, then re-sends kept requests', async () => {
    const order: string[] = [];
    const { conn, states } = connect({
      onConnected: () => {
        order.push('hook');
        conn.notify({ resume: { conversationId: 'c1', afterSeq: '4' } });
      },
    });
    conn.start();
    await settle();
    FakeSocket.last().welcome();
    const kept = conn.request({ sendMessage: { conversationId: 'c1', message: { body: 'a', clientMessageId: 'm1' } } }, { resend: true });
    const lost = conn.request({ addNote: { conversationId: 'c1', body: 'n' } });
    FakeSocket.last().drop(1006);
    await expect(lost).rejects.toMatchObject({ code: 'disconnected' });
    const waiting = states.at(-1);
    expect(waiting).toMatchObject({ kind: 'reconnecting', reason: 'closed' });

    await settle(30_000);
    const ws2 = FakeSocket.last();
    expect(FakeSocket.all).toHaveLength(2);
    ws2.welcome();
    expect(order).toEqual(['hook', 'hook']);
    const kinds = ws2.requests().map((f) => Object.keys(f).find((k) => k !== 'requestId'));
    expect(kinds).toEqual(['resume', 'sendMessage']);
    expect(ws2.requests()[1].sendMessage?.message.clientMessageId).toBe('m1');
    ws2.answer(ws2.sent.indexOf(ws2.requests()[1]), { ack: { conversationId: 'c1', seq: '5' } });
    await expect(kept).resolves.toMatchObject({ ack: { seq: '5' } });
  });

  it('waits longer after each failed attempt, up to the cap, with jitter', async () => {
    const { conn, states } = connect({ backoff: { initialMs: 1000, maxMs: 8000 }, random: () => 0 });
    conn.start();
    const delays: number[] = [];
    for (let i = 0; i < 6; i++) {
      await settle();
      FakeSocket.last().drop(1006);
      const s = states.at(-1);
      if (s?.kind !== 'reconnecting') throw new Error('not reconnecting');
      delays.push(s.retryAtMs - Date.now());
      await settle(s.retryAtMs - Date.now());
    }
    // random() = 0 gives the lower edge: half of each step
    expect(delays).toEqual([500, 1000, 2000, 4000, 4000, 4000]);
  });

  it('stops at close code 4003: signed out, and kept requests fail', async () => {
    const { conn, states } = connect();
    conn.start();
    await settle();
    FakeSocket.last().welcome();
    const kept = conn.request({ sendMessage: { message: { body: 'a', clientMessageId: 'm1' } } }, { resend: true });
    FakeSocket.last().drop(4003);
    await expect(kept).rejects.toMatchObject({ code: 'signed_out' });
    expect(states.at(-1)).toEqual({ kind: 'signed_out' });
    await settle(120_000);
    expect(FakeSocket.all).toHaveLength(1);
  });

  it('fetches a fresh token at once when the token expired (4001)', async () => {
    const { conn, tokens } = connect();
    conn.start();
    await settle();
    FakeSocket.last().welcome();
    FakeSocket.last().drop(4001);
    await settle();
    expect(tokens).toEqual([false, true]);
    expect(FakeSocket.last().url).toContain('access_token=new');
  });

  it('asks the page after a failed handshake: signed out stops, anything else retries', async () => {
    let verdict: 'ok' | 'signed_out' = 'ok';
    const { conn, states } = connect({ auth: { kind: 'cookie' }, checkAuth: async () => verdict });
    conn.start();
    await settle();
    expect(FakeSocket.last().url).toBe('ws://127.0.0.1:1/v1/ws');
    FakeSocket.last().drop(1006);
    await settle();
    expect(states.at(-1)).toMatchObject({ kind: 'reconnecting', reason: 'unreachable' });
    await settle(30_000);
    verdict = 'signed_out';
    FakeSocket.last().drop(1006);
    await settle();
    expect(states.at(-1)).toEqual({ kind: 'signed_out' });
  });

  it('pings every heartbeat, learns the clock offset, and drops a connection whose pongs stopped', async () => {
    const { conn, states } = connect();
    conn.start();
    await settle();
    const ws = FakeSocket.last();
    ws.welcome(10);
    const ping = ws.sent.find((f) => f.ping);
    expect(ping).toBeDefined();
    const sentAt = Number(ping?.ping?.clientTimeMs);
    await settle(100);
    ws.push({ requestId: ping?.requestId, pong: { clientTimeMs: String(sentAt), serverTimeMs: String(sentAt + 60_050) } });
    expect(conn.clock.offsetMs).toBe(60_000);

    await settle(10_000);
    expect(ws.sent.filter((f) => f.ping)).toHaveLength(2);
    await settle(20_000); // no pong for two heartbeats
    expect(ws.closedWith).toBe(4000);
    expect(states.at(-1)).toMatchObject({ kind: 'reconnecting' });
  });

  it('refuses a plain request while disconnected, and passes unanswered frames on', async () => {
    const { conn, frames } = connect();
    await expect(conn.request({ setStatus: { status: 'AVAILABLE' } })).rejects.toMatchObject({ code: 'not_connected' });
    conn.start();
    await settle();
    const ws = FakeSocket.last();
    ws.welcome();
    ws.push({ queuePosition: { conversationId: 'c1', position: 2 } });
    const status = conn.request({ setStatus: { status: 'AVAILABLE' } });
    ws.answer(-1, { agentState: { status: 'AVAILABLE' } });
    await expect(status).resolves.toMatchObject({ agentState: { status: 'AVAILABLE' } });
    expect(frames.map((f) => Object.keys(f).filter((k) => k !== 'requestId')[0])).toEqual(['queuePosition', 'agentState']);
  });
});
