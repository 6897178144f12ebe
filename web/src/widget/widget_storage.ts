// What the widget keeps in the host site's localStorage, under one prefix per Switchboard server:
// the visitor token, the current conversation, and (through lib/outbox) the unsent messages. So a
// page reload or another page of the site picks the conversation up where it was. Storage that
// is full or disabled (private windows) is survived: the widget then lives as long as the page.
import { storageOutbox, type OutboxStorage } from '../lib/outbox';
import type { Visitor } from './visitor';

type KeyValue = Pick<Storage, 'getItem' | 'setItem' | 'removeItem'>;

export interface SavedConversation {
  conversationId: string;
  /** The customer ended it (the leave frame). */
  left?: boolean;
  /** Highest seq the customer sent a read receipt for. */
  readUpTo?: number;
}

function memory(): KeyValue {
  const map = new Map<string, string>();
  return {
    getItem: (k) => map.get(k) ?? null,
    setItem: (k, v) => void map.set(k, v),
    removeItem: (k) => void map.delete(k),
  };
}

/** localStorage when it works here, else a map for this page's life. */
export function pickStorage(): KeyValue {
  try {
    const probe = '__switchboard_probe__';
    localStorage.setItem(probe, '1');
    localStorage.removeItem(probe);
    return localStorage;
  } catch {
    return memory();
  }
}

export class WidgetStorage {
  private readonly prefix: string;

  constructor(
    server: string,
    private readonly store: KeyValue = pickStorage(),
  ) {
    this.prefix = `switchboard:${server}:`;
  }

  visitor(): Visitor | null {
    return this.read<Visitor>('visitor');
  }

  setVisitor(v: Visitor): void {
    this.write('visitor', v);
  }

  conversation(): SavedConversation | null {
    return this.read<SavedConversation>('conversation');
  }

  setConversation(c: SavedConversation | null): void {
    this.write('conversation', c);
  }

  outbox(): OutboxStorage {
    return storageOutbox(this.store, this.prefix + 'outbox');
  }

  private read<T>(key: string): T | null {
    try {
      const raw = this.store.getItem(this.prefix + key);
      return raw ? (JSON.parse(raw) as T) : null;
    } catch {
      return null;
    }
  }

  private write(key: string, value: unknown): void {
    try {
      if (value === null) this.store.removeItem(this.prefix + key);
      else this.store.setItem(this.prefix + key, JSON.stringify(value));
    } catch {
      // full or disabled: kept for this page only (the controller holds it in memory too)
    }
  }
}
