import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { FakeSocket } from '../test/fake_socket';
import { Connection, type ConnectionOptions } from './connection';
import { Outbox, storageOutbox, type OutboxItem } from './outbox';
import type { ClientFrame } from './types';

/** A server's message store: one entry per clientMessageId, as Switchboard keeps them. */
class FakeServer {
  stored: string[] = [];
  private ids = new Map<string, number>();

  /** Stores every message the socket sent; delivers the first `acks` acks (all by default). */
  answer(ws: FakeSocket, acks = Infinity): void {
    let delivered = 0;
    for (const f of ws.requests()) {
      if (!f.sendMessage) continue;
      const ack = this.store(f);
      if (delivered++ < acks) ws.push({ requestId: f.requestId, ack });
    }
  }

  private store(f: ClientFrame) {
    const m = f.sendMessage!.message;
    const id = m.clientMessageId!;
    const known = this.ids.get(id);
    if (known === undefined) {
      this.stored.push(m.body!);
      this.ids.set(id, this.stored.length);
    }
    return { conversationId: 'c1', seq: String(known ?? this.stored.length), duplicate: known !== undefined };
  }
}

function memoryStorage() {
  const map = new Map<string, string>();
  return {
    getItem: (k: string) => map.get(k) ?? null,
    setItem: (k: string, v: string) => void map.set(k, v),
    removeItem: (k: string) => void map.delete(k),
  };
}

function page(storage: ReturnType<typeof memoryStorage>) {
  const conn = new Connection({
    url: 'ws://x/v1/ws',
    auth: { kind: 'cookie' },
    WebSocket: FakeSocket as unknown as ConnectionOptions['WebSocket'],
    random: () => 0.5,
  });
  const acked: string[] = [];
  const outbox = new Outbox({
    send: (body) => conn.request(body, { resend: true }),
    storage: storageOutbox(storage, 'outbox'),
    onAck: (item) => acked.push(item.text),
  });
  return { conn, outbox, acked };
}

const say = (outbox: Outbox, text: string) =>
  outbox.add(text, (clientMessageId) => ({ sendMessage: { conversationId: 'c1', message: { body: text, clientMessageId } } }));

beforeEach(() => {
  vi.useFakeTimers();
  FakeSocket.all = [];
});
afterEach(() => vi.useRealTimers());

describe('Outbox', () => {
  it('re-sends unacknowledged messages after a reconnect with the same ids: none lost, none twice', async () => {
    const server = new FakeServer();
    const { conn, outbox, acked } = page(memoryStorage());
    conn.start();
    await vi.advanceTimersByTimeAsync(0);
    const ws1 = FakeSocket.last();
    ws1.welcome();
    say(outbox, 'one');
    say(outbox, 'two');
    say(outbox, 'three');
    // The server stored all three but only the first ack made it before the drop.
    server.answer(ws1, 1);
    await vi.advanceTimersByTimeAsync(0);
    expect(acked).toEqual(['one']);
    ws1.drop(1006);
    await vi.advanceTimersByTimeAsync(30_000);
    const ws2 = FakeSocket.last();
    ws2.welcome();
    expect(ws2.requests().map((f) => f.sendMessage?.message.body)).toEqual(['two', 'three']);
    server.answer(ws2);
    await vi.advanceTimersByTimeAsync(0);
    expect(server.stored).toEqual(['one', 'two', 'three']);
    expect(acked).toEqual(['one', 'two', 'three']);
    expect(outbox.items).toHaveLength(0);
  });

  it('survives a page reload through its storage, sending in the original order', async () => {
    const server = new FakeServer();
    const storage = memoryStorage();
    const first = page(storage);
    first.conn.start();
    await vi.advanceTimersByTimeAsync(0);
    const ws1 = FakeSocket.last();
    ws1.welcome();
    const one = say(first.outbox, 'one');
    say(first.outbox, 'two');
    server.answer(ws1, 0); // stored, but the page goes away before the acks are read
    first.conn.stop();

    const second = page(storage);
    second.outbox.restore();
    expect(second.outbox.items.map((i) => i.text)).toEqual(['one', 'two']);
    expect(second.outbox.items[0].clientMessageId).toBe(one.clientMessageId);
    second.conn.start();
    await vi.advanceTimersByTimeAsync(0);
    const ws2 = FakeSocket.last();
    ws2.welcome();
    expect(ws2.requests().map((f) => f.sendMessage?.message.body)).toEqual(['one', 'two']);
    server.answer(ws2);
    await vi.advanceTimersByTimeAsync(0);
    expect(server.stored).toEqual(['one', 'two']);
    expect(second.outbox.items).toHaveLength(0);
    expect(storage.getItem('outbox')).toBeNull();
  });

  it('marks a refused message failed, keeps it, and sends it again on retry', async () => {
    const { conn, outbox } = page(memoryStorage());
    conn.start();
    await vi.advanceTimersByTimeAsync(0);
    const ws = FakeSocket.last();
    ws.welcome();
    const item = say(outbox, 'too long');
    ws.answer(-1, { error: { code: 'frame_too_large', message: 'over 64 KiB' } });
    await vi.advanceTimersByTimeAsync(0);
    expect(outbox.items[0]).toMatchObject<Partial<OutboxItem>>({ status: 'failed', error: { code: 'frame_too_large', message: 'over 64 KiB' } });
    outbox.retry(item.clientMessageId);
    expect(ws.requests().at(-1)?.sendMessage?.message.clientMessageId).toBe(item.clientMessageId);
    outbox.discard(item.clientMessageId);
    expect(outbox.items).toHaveLength(0);
  });

  it('reads a broken stored entry as empty', () => {
    const storage = memoryStorage();
    storage.setItem('outbox', '{not json');
    expect(storageOutbox(storage, 'outbox').load()).toEqual([]);
  });
});
