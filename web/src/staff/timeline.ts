// What a member of staff sees of a conversation, worked out from its events: the timeline's items
// (messages, internal notes and whispers, trainee drafts with their outcome, state changes), the
// summary a header or list row shows (current channel, presence, inactivity warning, what the
// customer has read, priority, who monitors), and which events end an agent's hold on it.
// Plain functions of plain data, so the views only draw.
import type { ShownAttachment } from '../lib/attachments';
import type { LoggedEvent } from '../lib/conversation_log';
import { int } from '../lib/ids';
import type { OutboxItem } from '../lib/outbox';
import type { Channel, DeliveryState, Event } from '../lib/types';
import { channelName, messagePreview, personName } from './format';
import { mediaStored, shownAttachments } from './media';

export type SendStatus = 'sent' | 'sending' | 'failed';

export type Item =
  | {
      kind: 'message';
      key: string;
      seq: number;
      atMs: number;
      /** From the customer, or from staff to the customer. */
      side: 'customer' | 'staff';
      author: string;
      body: string;
      /** Its attachments: shown, or being fetched from the customer's provider, or why not. */
      attachments: ShownAttachment[];
      channel: Channel | '';
      status: SendStatus;
      error: string;
      clientMessageId: string;
      /** The customer has read up to here (the last such staff message only). */
      seen: boolean;
      /** A trainee's draft a lead let through: as written, or their edit. */
      review?: { edited: boolean; by: string };
      /** A reply on a messaging channel: where it is on its way (QUEUED until the outbox says). */
      delivery?: { state: DeliveryState; reason: string };
      /** What the customer did to it since on their channel, in words, oldest first. */
      changes?: string[];
      /** An email's subject, and its quoted history and signature (shown folded). */
      subject?: string;
      quoted?: string;
    }
  | {
      kind: 'internal';
      key: string;
      variant: 'note' | 'whisper';
      atMs: number;
      author: string;
      body: string;
      status: SendStatus;
      error: string;
      clientMessageId: string;
    }
  | {
      kind: 'draft';
      key: string;
      seq: number;
      atMs: number;
      author: string;
      body: string;
      attachments: ShownAttachment[];
      outcome: 'pending' | 'rejected';
      by: string;
      reason: string;
    }
  | { kind: 'event'; key: string; atMs: number; text: string; tone: 'info' | 'warn' }
  | { kind: 'divider'; key: string; text: string };

export interface TimelineContext {
  /** The customer's id (whose `read` events are the customer's). */
  customerId: string;
  /** What to call the customer ("Carla"); "Customer" when unknown. */
  customerName?: string;
  /** Display names of staff by id. */
  names?: ReadonlyMap<string, string>;
  /** Show offers and routing decisions too. */
  routing?: boolean;
}

/** The timeline of one conversation, then the messages on their way (the outbox's). */
export function timelineItems(events: readonly LoggedEvent[], outbox: readonly OutboxItem[], ctx: TimelineContext): Item[] {
  const items: Item[] = [];
  const name = (id: string) => personName(id, ctx.names);
  const sent = sentDrafts(events);
  const rejected = rejectedDrafts(events);
  const readUpTo = customerReadUpTo(events, ctx.customerId);
  const delivered = deliveries(events);
  const changed = messageChanges(events);
  const media = mediaStored(events);
  let lastSeen = -1;
  for (const e of events) {
    const seq = int(e.seq);
    const m = e.message;
    if (m && m.direction !== 'DIRECTION_INTERNAL') {
      const side = m.direction === 'DIRECTION_INBOUND' ? 'customer' : 'staff';
      const draft = m.clientMessageId ? sent.get(m.clientMessageId) : undefined;
      if (side === 'staff' && seq <= readUpTo && !e.local) lastSeen = items.length;
      items.push({
        kind: 'message',
        key: m.clientMessageId ? `c:${m.clientMessageId}` : `s${seq}`,
        seq,
        atMs: int(e.atMs),
        side,
        author: side === 'customer' ? ctx.customerName || 'Customer' : automatic(e) ? 'Automatic message' : name(m.authorId || e.actor || ''),
        body: m.body ?? '',
        attachments: shownAttachments(e, m.attachments, media),
        channel: m.channel ?? '',
        status: 'sent',
        error: '',
        clientMessageId: m.clientMessageId ?? '',
        seen: false,
        review: draft && { edited: draft.body !== (m.body ?? ''), by: name(e.actor ?? '') },
        delivery: side === 'staff' && sentByOutbox(m.channel) && !e.local ? delivered.get(`${e.conversationId ?? ''}:${seq}`) ?? { state: 'QUEUED', reason: '' } : undefined,
        changes: changed.get(`${e.conversationId ?? ''}:${seq}`),
        subject: m.subject || undefined,
        quoted: m.quotedText || undefined,
      });
    } else if (e.note || e.whisper) {
      const n = (e.note ?? e.whisper)!;
      items.push({
        kind: 'internal', key: n.clientMessageId ? `c:${n.clientMessageId}` : `s${seq}`, variant: e.note ? 'note' : 'whisper',
        atMs: int(e.atMs), author: name(n.authorId || e.actor || ''), body: n.body ?? '', status: 'sent', error: '',
        clientMessageId: n.clientMessageId ?? '',
      });
    } else if (e.draft) {
      if (e.draft.clientMessageId && sent.has(e.draft.clientMessageId)) continue; // shown as the message it became
      const review = rejected.get(seq);
      items.push({
        kind: 'draft', key: `d${seq}`, seq, atMs: int(e.atMs), author: name(e.draft.authorId || e.actor || ''),
        body: e.draft.body ?? '', attachments: shownAttachments(e, e.draft.attachments, media), outcome: review ? 'rejected' : 'pending', by: review ? name(review.reviewerId ?? '') : '',
        reason: review?.reason ?? '',
      });
    } else {
      const text = eventText(e, name, ctx.routing ?? false);
      if (text) items.push({ kind: 'event', key: `s${seq}`, atMs: int(e.atMs), text, tone: eventTone(e) });
    }
  }
  if (lastSeen >= 0) (items[lastSeen] as Extract<Item, { kind: 'message' }>).seen = true;
  // A line whose event came before the server's acknowledgement is shown once, as the event.
  const logged = new Set(items.map((i) => i.key));
  for (const item of outbox) if (!logged.has(`c:${item.clientMessageId}`)) items.push(pendingItem(item));
  return items;
}

const deliveryRank: Record<DeliveryState, number> = { QUEUED: 0, SENT: 1, DELIVERED: 2, READ: 3, FAILED: 4 };

/** Channels whose replies leave through the server's outbox (not a live socket). */
export function sentByOutbox(channel: Channel | undefined): boolean {
  return channel === 'CHANNEL_WHATSAPP' || channel === 'CHANNEL_MESSENGER' || channel === 'CHANNEL_INSTAGRAM' ||
    channel === 'CHANNEL_TELEGRAM' || channel === 'CHANNEL_SMS' || channel === 'CHANNEL_EMAIL';
}

/**
 * Each reply's furthest delivery state, by "<conversation id>:<seq>" (a pane holds several
 * conversations of the customer; states only go forward, and start over after a lead's retry).
 */
export function deliveries(events: readonly Event[]): Map<string, { state: DeliveryState; reason: string }> {
  const out = new Map<string, { state: DeliveryState; reason: string }>();
  for (const e of events) {
    const d = e.delivery;
    if (!d?.state) continue;
    const key = `${e.conversationId ?? ''}:${int(d.messageSeq)}`;
    const had = out.get(key);
    // QUEUED is a lead's retry of a FAILED reply: its states start over.
    if (!had || d.state === 'QUEUED' || deliveryRank[d.state] > deliveryRank[had.state]) out.set(key, { state: d.state, reason: d.reason ?? '' });
  }
  return out;
}

/**
 * What the customer did to each message on their channel since, in words ("Reacted 👍", "Edited:
 * “…”", "Deleted by the customer"), by "<conversation id>:<seq>" (a pane holds several
 * conversations of the customer). The message itself is never changed: these go under it.
 */
export function messageChanges(events: readonly Event[]): Map<string, string[]> {
  const out = new Map<string, string[]>();
  for (const e of events) {
    const c = e.messageChange;
    if (!c?.kind) continue;
    const words = c.kind === 'REACTION' ? (c.emoji ? `Reacted ${c.emoji}` : 'Took their reaction back')
      : c.kind === 'EDIT' ? `Edited: “${c.body ?? ''}”` : 'Deleted by the customer';
    const key = `${e.conversationId ?? ''}:${int(c.messageSeq)}`;
    out.set(key, [...(out.get(key) ?? []), words]);
  }
  return out;
}

/** A reply's delivery in words: "Sent to WhatsApp", "Not delivered: …". */
export function deliveryWords(d: { state: DeliveryState; reason: string }, channel: Channel | ''): string {
  const where = channelName(channel) || 'the customer';
  switch (d.state) {
    case 'QUEUED': return `Sending to ${where}…`;
    case 'SENT': return `Sent to ${where}`;
    case 'DELIVERED': return 'Delivered';
    case 'READ': return 'Read by the customer';
    case 'FAILED': return `Not delivered: ${d.reason || 'the provider refused it'}`;
  }
}

/** The bodies of drafts that went out (approved or edited), by their clientMessageId. */
function sentDrafts(events: readonly Event[]): Map<string, { body: string }> {
  const drafts = new Map<string, string>();
  for (const e of events) if (e.draft?.clientMessageId) drafts.set(e.draft.clientMessageId, e.draft.body ?? '');
  const sent = new Map<string, { body: string }>();
  if (drafts.size === 0) return sent;
  for (const e of events) {
    const id = e.message?.clientMessageId;
    if (id && e.message?.direction === 'DIRECTION_OUTBOUND' && drafts.has(id)) sent.set(id, { body: drafts.get(id)! });
  }
  return sent;
}

function rejectedDrafts(events: readonly Event[]): Map<number, NonNullable<Event['draftReview']>> {
  const out = new Map<number, NonNullable<Event['draftReview']>>();
  for (const e of events) if (e.draftReview) out.set(int(e.draftReview.draftSeq), e.draftReview);
  return out;
}

/** An outbox item as the line it will become. */
function pendingItem(item: OutboxItem): Item {
  const status: SendStatus = item.status === 'failed' ? 'failed' : 'sending';
  const common = { atMs: item.createdAtMs, body: item.text, status, error: item.error?.message ?? '', clientMessageId: item.clientMessageId };
  if (item.body.addNote || item.body.whisper) {
    const variant = item.body.addNote ? 'note' : 'whisper';
    return { kind: 'internal', key: `c:${item.clientMessageId}`, variant, author: 'You', ...common };
  }
  const attachments = shownAttachments({}, item.body.sendMessage?.message.attachments, new Map());
  return { kind: 'message', key: `c:${item.clientMessageId}`, seq: 0, side: 'staff', author: 'You', channel: '', seen: false, attachments, ...common };
}

/** The conversation an outbox item belongs to. */
export function outboxConversation(item: OutboxItem): string {
  const b = item.body;
  return b.sendMessage?.conversationId ?? b.addNote?.conversationId ?? b.whisper?.conversationId ?? b.barge?.conversationId ?? '';
}

/** The highest seq the customer said they read. */
export function customerReadUpTo(events: readonly Event[], customerId: string): number {
  let upTo = 0;
  for (const e of events) if (e.read && customerId && e.read.who === customerId) upTo = Math.max(upTo, int(e.read.upToSeq));
  return upTo;
}

function eventTone(e: Event): 'info' | 'warn' {
  if (e.inactivityWarning || e.escalation || e.takeover) return 'warn';
  if (e.customerPresence && !e.customerPresence.present) return 'warn';
  if (e.rating && (e.rating.score ?? 0) <= 2) return 'warn';
  return 'info';
}

/** One line about an event that is not a message; "" for events not worth one. */
export function eventText(e: Event, name: (id: string) => string, routing: boolean): string {
  const with_ = (text: string, why?: string) => (why ? `${text}: “${why}”` : text);
  if (e.statusChange) {
    const s = e.statusChange;
    if (s.to === 'RESOLVED') return with_(`Resolved by ${whoWords(s.actor ?? e.actor ?? '', name)} (${s.disposition || 'solved'})`, s.reason);
    if (s.to === 'QUEUED') return with_('Queued again', s.reason);
    return with_(`Now ${String(s.to ?? '').toLowerCase()}`, s.reason);
  }
  if (e.transfer) {
    const t = e.transfer;
    const to = t.toAgentId ? name(t.toAgentId) : `queue ${t.toQueue ?? ''}`;
    return with_(`${whoWords(t.fromId ?? '', name)} transferred it to ${to}`, t.note);
  }
  if (e.takeover) {
    const t = e.takeover;
    return with_(`${name(t.leadId ?? '')} took it over${t.fromAgentId ? ` from ${name(t.fromAgentId)}` : ''}`, t.reason);
  }
  if (e.escalation) return with_(`${name(e.escalation.agentId ?? '')} escalated it to ${e.escalation.queue ?? 'the leads'}`, e.escalation.reason);
  if (e.priorityChange) {
    const p = e.priorityChange;
    return with_(`${name(p.actor ?? e.actor ?? '')} changed the priority from ${p.from ?? 0} to ${p.to ?? 0}`, p.reason);
  }
  if (e.monitoring) return `${name(e.monitoring.leadId ?? '')} ${e.monitoring.active ? 'started' : 'stopped'} monitoring`;
  if (e.customerPresence) return presenceWords(e.customerPresence.why, e.customerPresence.present);
  if (e.inactivityWarning) return `Customer warned: resolved in ${e.inactivityWarning.resolvesInSeconds ?? 0} s unless they write`;
  if (e.rating) return with_(`Customer rated it ${e.rating.score ?? 0} of 5`, e.rating.comment);
  if (e.identityProved) return provedWords(e.identityProved);
  if (e.offerOutcome) {
    const o = e.offerOutcome;
    if (o.outcome === 'ACCEPTED') return `${name(o.agentId ?? '')} accepted`;
    if (!routing) return '';
    return `Offer to ${name(o.agentId ?? '')} ${o.outcome === 'DECLINED' ? 'declined' : 'timed out'}`;
  }
  if (routing && e.offer) return `Offered to ${name(e.offer.agentId ?? '')}`;
  if (routing && e.decision) return `Routing: ${e.decision.reason ?? e.decision.kind ?? ''}`;
  return '';
}

/** How a proof was made, in words: "by SMS code", "by email code". */
export function proofMethodWords(method: string | undefined): string {
  if (method === 'sms_code') return 'by SMS code';
  if (method === 'email_code') return 'by email code';
  return method ? `by ${method.replace(/_/g, ' ')}` : '';
}

/**
 * "Customer confirmed +34600111222 by SMS code", and, when the proof merged into this customer
 * the customers who had written from that number (or address), that those conversations join this
 * timeline (the server says which customers, not which of SMS and WhatsApp each wrote on).
 */
function provedWords(p: NonNullable<Event['identityProved']>): string {
  const email = p.channel === 'CHANNEL_EMAIL' || p.method === 'email_code';
  const how = proofMethodWords(p.method);
  const text = `Customer confirmed ${p.address || (email ? 'an email address' : 'a phone number')}${how ? ` ${how}` : ''}`;
  if (!p.mergedCustomerIds?.length) return text;
  if (email) return `${text} — their email conversations from this address are now in this timeline`;
  return `${text} — their conversations from this number (SMS, WhatsApp) are now in this timeline`;
}

function whoWords(id: string, name: (id: string) => string): string {
  return id === 'router' ? 'the router' : name(id);
}

export function presenceWords(why: string | undefined, present: boolean | undefined): string {
  if (present) return 'Customer is back';
  return why === 'left' ? 'Customer left the chat' : 'Customer disconnected';
}

/** What a conversation's header and list row show. */
export interface Summary {
  /** Where a reply goes: the channel the customer last wrote from. */
  channel: Channel | '';
  /** The latest message, for the list. */
  last: { body: string; side: 'customer' | 'staff'; atMs: number; authorId: string } | null;
  /** The customer's latest presence change, when it says they are gone. */
  away: { why: string; atMs: number } | null;
  /** An inactivity warning still in force: when it resolves (ms). */
  resolvesAtMs: number;
  /** The customer's oldest message not answered yet (0: none waiting). */
  waitingSinceMs: number;
  priority: number;
  /** Leads monitoring it now. */
  monitors: string[];
  /** The seq of the customer's latest message (what a `read` may acknowledge). */
  lastInboundSeq: number;
  /** When the customer last wrote on WhatsApp (0: never here): WhatsApp's 24-hour window starts. */
  whatsappAtMs: number;
}

/** The router's own message (a waiting customer told their place, docs/CHANNELS.md): nobody answered. */
function automatic(e: Event): boolean {
  return e.actor === 'router' && e.message?.direction === 'DIRECTION_OUTBOUND';
}

export function summarize(events: readonly Event[]): Summary {
  const s: Summary = { channel: '', last: null, away: null, resolvesAtMs: 0, waitingSinceMs: 0, priority: 0, monitors: [], lastInboundSeq: 0, whatsappAtMs: 0 };
  const monitors = new Set<string>();
  for (const e of events) {
    const m = e.message;
    const at = int(e.atMs);
    if (m && m.direction === 'DIRECTION_INBOUND') {
      s.channel = m.channel ?? s.channel;
      s.last = { body: messagePreview(m), side: 'customer', atMs: at, authorId: '' };
      s.away = null;
      s.resolvesAtMs = 0;
      if (!s.waitingSinceMs) s.waitingSinceMs = at;
      if (!(e as LoggedEvent).local) s.lastInboundSeq = Math.max(s.lastInboundSeq, int(e.seq));
      // WhatsApp's window counts from when the customer sent it (never later than it was stored).
      if (m.channel === 'CHANNEL_WHATSAPP') s.whatsappAtMs = Math.min(at, int(m.sentAtMs) || at);
    } else if (m && m.direction === 'DIRECTION_OUTBOUND' && !automatic(e)) {
      s.last = { body: messagePreview(m), side: 'staff', atMs: at, authorId: m.authorId || e.actor || '' };
      s.waitingSinceMs = 0;
    } else if (e.customerPresence) {
      s.away = e.customerPresence.present ? null : { why: e.customerPresence.why ?? '', atMs: at };
    } else if (e.inactivityWarning) {
      s.resolvesAtMs = at + (e.inactivityWarning.resolvesInSeconds ?? 0) * 1000;
    } else if (e.statusChange) {
      s.resolvesAtMs = 0;
    } else if (e.priorityChange) {
      s.priority = e.priorityChange.to ?? 0;
    } else if (e.monitoring?.leadId) {
      if (e.monitoring.active) monitors.add(e.monitoring.leadId);
      else monitors.delete(e.monitoring.leadId);
    }
  }
  s.monitors = [...monitors];
  return s;
}

/**
 * Whether this event ends `self`'s hold on the conversation, and why in words; null when it does
 * not. An owner stops following after a transfer, an escalation, a takeover by someone else, or
 * a resolve or requeue (docs/PROTOCOL.md, "the events after which an agent's desk stops
 * following"). A monitoring lead follows until they stop, or it is resolved.
 */
export function closingWords(e: Event, self: string, role: 'owner' | 'monitor', name: (id: string) => string): string | null {
  if (e.statusChange?.to === 'RESOLVED') return `Resolved (${e.statusChange.disposition || 'solved'})`;
  if (role === 'monitor') return null;
  if (e.statusChange?.to === 'QUEUED') return 'Queued again';
  if (e.transfer) return e.transfer.toAgentId ? `Transferred to ${name(e.transfer.toAgentId)}` : `Transferred to ${e.transfer.toQueue ?? 'a queue'}`;
  if (e.escalation) return 'Escalated to a lead';
  if (e.takeover && e.takeover.leadId !== self) return `Taken over by ${name(e.takeover.leadId ?? '')}`;
  return null;
}
