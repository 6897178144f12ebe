// The client's own messages until the server acknowledged them. Each has a clientMessageId chosen
// once, when it is written; a re-send (after a reconnect, or a page reload) carries the same id,
// so the server stores it once (a repeat is acknowledged with `duplicate: true`): nothing is lost,
// nothing is doubled. Items are sent in the order written, over a connection that keeps them
// across drops (`resend: true`), and can be kept in storage (the widget: localStorage).
import { ApiError } from './errors';
import { randomId } from './ids';
import type { Ack, ClientFrameBody, ServerFrame } from './types';

export interface OutboxItem {
  clientMessageId: string;
  /** The frame to send, ids included: sent again unchanged. */
  body: ClientFrameBody;
  /** What the person wrote, to show while it is on its way. */
  text: string;
  createdAtMs: number;
  status: 'sending' | 'failed';
  /** Why it failed (a refusal that a re-send would not change). */
  error?: { code: string; message: string };
}

/** Where items are kept between page loads. */
export interface OutboxStorage {
  load(): OutboxItem[];
  save(items: readonly OutboxItem[]): void;
}

export interface OutboxOptions {
  /** Sends one frame and resolves with its answer: `connection.request(body, { resend: true })`. */
  send: (body: ClientFrameBody) => Promise<ServerFrame>;
  storage?: OutboxStorage;
  /** The items changed (added, acknowledged, failed). */
  onChange?: (items: readonly OutboxItem[]) => void;
  /** The server stored it (or had already: `ack.duplicate`). */
  onAck?: (item: OutboxItem, ack: Ack) => void;
  /** Items at most; beyond, `add` throws "outbox_full". */
  maxItems?: number;
}

const defaultMaxItems = 100;

export class Outbox {
  private items_: OutboxItem[] = [];

  constructor(private readonly options: OutboxOptions) {}

  get items(): readonly OutboxItem[] {
    return this.items_;
  }

  /** Takes the stored items (after a page load) and sends those still waiting, in order. */
  restore(): void {
    const saved = this.options.storage?.load() ?? [];
    this.items_ = saved.filter((i) => i && typeof i.clientMessageId === 'string' && i.body);
    for (const item of this.items_) if (item.status === 'sending') this.dispatch(item);
    this.changed();
  }

  /** Makes the frame for a new clientMessageId (`build`), keeps it and sends it. */
  add(text: string, build: (clientMessageId: string) => ClientFrameBody): OutboxItem {
    if (this.items_.length >= (this.options.maxItems ?? defaultMaxItems)) {
      throw new ApiError('outbox_full', 'too many messages waiting to be sent');
    }
    const clientMessageId = randomId('m');
    const item: OutboxItem = { clientMessageId, body: build(clientMessageId), text, createdAtMs: Date.now(), status: 'sending' };
    this.items_.push(item);
    this.changed();
    this.dispatch(item);
    return item;
  }

  /** Sends a failed item again, with the same id. */
  retry(clientMessageId: string): void {
    const item = this.items_.find((i) => i.clientMessageId === clientMessageId);
    if (!item || item.status !== 'failed') return;
    item.status = 'sending';
    item.error = undefined;
    this.changed();
    this.dispatch(item);
  }

  /** Gives up on an item (a failed one the person dismissed). */
  discard(clientMessageId: string): void {
    this.items_ = this.items_.filter((i) => i.clientMessageId !== clientMessageId);
    this.changed();
  }

  private dispatch(item: OutboxItem): void {
    this.options.send(item.body).then(
      (frame) => this.acked(item, frame.ack ?? {}),
      (error: unknown) => this.failed(item, error),
    );
  }

  private acked(item: OutboxItem, ack: Ack): void {
    if (!this.items_.includes(item)) return;
    this.items_ = this.items_.filter((i) => i !== item);
    this.changed();
    this.options.onAck?.(item, ack);
  }

  private failed(item: OutboxItem, error: unknown): void {
    if (!this.items_.includes(item)) return;
    const e = error instanceof ApiError ? error : new ApiError('internal', String(error));
    item.status = 'failed';
    item.error = { code: e.code, message: e.message };
    this.changed();
  }

  private changed(): void {
    this.options.storage?.save(this.items_);
    this.options.onChange?.(this.items_);
  }
}

/** OutboxStorage in localStorage (or any Storage) under `key`; a broken entry reads as empty. */
export function storageOutbox(storage: Pick<Storage, 'getItem' | 'setItem' | 'removeItem'>, key: string): OutboxStorage {
  return {
    load() {
      try {
        const parsed: unknown = JSON.parse(storage.getItem(key) ?? '[]');
        return Array.isArray(parsed) ? (parsed as OutboxItem[]) : [];
      } catch {
        return [];
      }
    },
    save(items) {
      try {
        if (items.length === 0) storage.removeItem(key);
        else storage.setItem(key, JSON.stringify(items));
      } catch {
        // storage full or disabled (private mode): the items live as long as the page
      }
    },
  };
}
