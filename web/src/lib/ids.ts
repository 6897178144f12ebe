// Small readers and makers of ids and numbers on the wire.
import type { Int64 } from './types';

/** An int64 of the wire (a string, or a number from a lenient encoder) as a number; 0 when unset. */
export function int(value: Int64 | number | undefined | null): number {
  if (value === undefined || value === null || value === '') return 0;
  const n = typeof value === 'number' ? value : Number(value);
  return Number.isFinite(n) ? n : 0;
}

/**
 * A random id for clientMessageId and actionId: 128 bits, base 36. Uses getRandomValues, which
 * (unlike randomUUID) also works on plain-http pages of a customer's site.
 */
export function randomId(prefix = ''): string {
  const words = new Uint32Array(4);
  crypto.getRandomValues(words);
  return prefix + Array.from(words, (w) => w.toString(36).padStart(7, '0')).join('');
}
