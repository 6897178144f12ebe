// Words and numbers for the staff pages: channels, durations, clock times, short conversation ids
// and refusals in plain language. Plain functions, shared by the desk and the console.
import { attachmentsWords } from '../lib/attachments';
import { ApiError } from '../lib/errors';
import type { Channel, Message } from '../lib/types';

const channelNames: Record<string, string> = {
  CHANNEL_WEB: 'Web',
  CHANNEL_EMAIL: 'Email',
  CHANNEL_WHATSAPP: 'WhatsApp',
  CHANNEL_MESSENGER: 'Messenger',
  CHANNEL_INSTAGRAM: 'Instagram',
  CHANNEL_TELEGRAM: 'Telegram',
  CHANNEL_SMS: 'SMS',
};

/** "CHANNEL_WHATSAPP" → "WhatsApp"; unknown or unset → "". */
export function channelName(channel: Channel | string | undefined): string {
  return channel ? (channelNames[channel] ?? channel.replace(/^CHANNEL_/, '').toLowerCase()) : '';
}

/** The CSS modifier of a channel's badge: "web", "whatsapp"… */
export function channelSlug(channel: Channel | string | undefined): string {
  return (channel ?? '').replace(/^CHANNEL_/, '').toLowerCase() || 'unknown';
}

/** A message in a line (a list row, a notification): its body, else its attachments ("Image: a.png"). */
export function messagePreview(m: Message): string {
  return m.body || attachmentsWords(m.attachments);
}

/** A duration in short words: "45 s", "3 min", "2 h 5 min", "3 d". */
export function durationWords(seconds: number): string {
  const s = Math.max(0, Math.round(seconds));
  if (s < 60) return `${s} s`;
  const m = Math.floor(s / 60);
  if (m < 60) return `${m} min`;
  const h = Math.floor(m / 60);
  if (h < 48) return m % 60 ? `${h} h ${m % 60} min` : `${h} h`;
  return `${Math.floor(h / 24)} d`;
}

/** A countdown's "0:07" / "1:05". */
export function clockWords(seconds: number): string {
  const s = Math.max(0, Math.ceil(seconds));
  return `${Math.floor(s / 60)}:${String(s % 60).padStart(2, '0')}`;
}

const timeFormat = new Intl.DateTimeFormat(undefined, { hour: '2-digit', minute: '2-digit' });
const dayFormat = new Intl.DateTimeFormat(undefined, { day: 'numeric', month: 'short' });

/** "14:05", or "3 Dec 14:05" when not today. */
export function timeWords(atMs: number, nowMs = Date.now()): string {
  if (!atMs) return '';
  const at = new Date(atMs);
  const sameDay = at.toDateString() === new Date(nowMs).toDateString();
  return sameDay ? timeFormat.format(at) : `${dayFormat.format(at)} ${timeFormat.format(at)}`;
}

/** The tail of a conversation id, enough to tell them apart on screen: "…MF45DD4-225". */
export function shortId(id: string): string {
  return id.length > 12 ? `…${id.slice(-12)}` : id;
}

/** An id as a name until a display name is known: "ana" → "Ana". */
export function personName(id: string, names?: ReadonlyMap<string, string>): string {
  if (!id) return '';
  const known = names?.get(id);
  if (known) return known;
  return id.charAt(0).toUpperCase() + id.slice(1);
}

/** A percentage from a 0–1 rate: "80 %". */
export function percent(rate: number): string {
  return `${Math.round(rate * 100)} %`;
}

const refusals: Record<string, string> = {
  offer_unavailable: 'That offer is no longer available (it expired, or someone else took it).',
  not_owner: 'This conversation is no longer yours.',
  no_escalation_queue: 'Your team has no escalation queue.',
  resolved: 'The conversation is already resolved.',
  not_found: 'Not found (or not one of your teams’ conversations).',
  forbidden: 'You may not do that.',
  conflict: 'The conversation changed meanwhile; look again and retry.',
  rate_limited: 'Too fast: wait a moment and try again.',
  not_connected: 'Not connected: wait for the connection to come back.',
  disconnected: 'The connection dropped before the server answered; try again.',
  timeout: 'The server did not answer in time; try again.',
  network: 'Cannot reach the server.',
  outbox_full: 'Too many messages are waiting to be sent.',
  frame_too_large: 'That is too long.',
};

/** A refusal in plain words: the server's message for bad requests, ours for the rest. */
export function errorWords(e: unknown): string {
  if (!(e instanceof ApiError)) return e instanceof Error ? e.message : String(e);
  if (e.code === 'bad_request' && e.message) return e.message;
  return refusals[e.code] ?? (e.message || e.code);
}
