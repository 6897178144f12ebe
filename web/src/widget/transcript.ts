// What the customer sees, worked out from the conversation's events and the outbox: the state
// of the conversation (waiting, with an agent, resolved, rated, about to close for inactivity)
// and the transcript's lines (an agent's attachments with them: those in the server's blob store
// only). Plain functions of plain data, so the UI only draws.
import { isStoredBlob, type ShownAttachment, storedAttachment } from '../lib/attachments';
import type { LoggedEvent } from '../lib/conversation_log';
import { int } from '../lib/ids';
import type { OutboxItem } from '../lib/outbox';
import { provedWords } from './identity';

export interface ConversationStatus {
  /** Resolved, and the customer has not written since. */
  resolved: boolean;
  disposition: string;
  /** Rated since it was last resolved. */
  rated: boolean;
  /** A member of staff has written. */
  answered: boolean;
  /** Who wrote last from the team (an id). */
  agentId: string;
  /** Their name as the customer sees it (agentName). */
  agentName: string;
  /** The router's warning, while it applies: no message from the customer since. */
  inactivity: { atMs: number; resolvesInSeconds: number } | null;
}

export function conversationStatus(events: readonly LoggedEvent[], outbox: readonly OutboxItem[]): ConversationStatus {
  const status: ConversationStatus = { resolved: false, disposition: '', rated: false, answered: false, agentId: '', agentName: agentName(''), inactivity: null };
  for (const e of events) {
    if (e.message?.direction === 'DIRECTION_INBOUND') {
      status.resolved = false;
      status.inactivity = null;
    } else if (e.message?.direction === 'DIRECTION_OUTBOUND') {
      status.answered = true;
      const id = e.message.authorId || e.actor || '';
      if (id || e.message.authorName) {
        status.agentId = id;
        status.agentName = agentName(id, e.message.authorName);
      }
    } else if (e.statusChange) {
      status.resolved = e.statusChange.to === 'RESOLVED';
      status.disposition = e.statusChange.disposition ?? '';
      status.rated = false;
      status.inactivity = null;
    } else if (e.rating) {
      status.rated = true;
    } else if (e.inactivityWarning) {
      status.inactivity = { atMs: int(e.atMs), resolvesInSeconds: e.inactivityWarning.resolvesInSeconds ?? 0 };
    }
  }
  if (outbox.length > 0) {
    status.resolved = false; // a message on its way reopens it (or starts the next)
    status.inactivity = null;
  }
  return status;
}

/**
 * A member of staff as the customer sees them: the name from their sign-in (`authorName`,
 * `typing.name`) when the server sent one, else the id capitalised ("ana" → "Ana").
 */
export function agentName(id: string, name?: string): string {
  const shown = name?.trim();
  if (shown) return shown;
  return id ? id.charAt(0).toUpperCase() + id.slice(1) : 'Support';
}

export type Line =
  | {
      kind: 'message';
      key: string;
      mine: boolean;
      text: string;
      /** Files sent with it (URLs relative to the server: the view prefixes its origin). */
      attachments: ShownAttachment[];
      author: string;
      atMs: number;
      state: 'sent' | 'sending' | 'failed';
      clientMessageId: string;
      error: string;
      read: boolean;
      /** First of a run of messages by the same side (shows the author). */
      first: boolean;
    }
  | { kind: 'system'; key: string; text: string };

function systemText(e: LoggedEvent): string {
  if (e.statusChange?.to === 'RESOLVED') {
    const why = e.statusChange.disposition;
    if (why === 'abandoned') return 'The chat was closed because no one was waiting any more.';
    if (why === 'inactive') return 'The chat was closed after a while without messages.';
    return 'The chat has ended.';
  }
  if (e.statusChange?.to === 'QUEUED') return 'Your agent had to leave. We are finding someone else to help you.';
  if (e.rating) return `You rated this chat ${e.rating.score ?? 0} out of 5. Thank you!`;
  if (e.identityProved) return provedWords(e.identityProved);
  return ''; // a kind the customer needs no line for, or one this widget does not know yet
}

/** The transcript: messages and the events worth a line, then the messages still on their way. */
export function transcriptLines(events: readonly LoggedEvent[], outbox: readonly OutboxItem[], readByStaff: number): Line[] {
  const lines: Line[] = [];
  let lastReadMine = -1;
  for (const e of events) {
    const m = e.message;
    if (m && (m.direction === 'DIRECTION_INBOUND' || m.direction === 'DIRECTION_OUTBOUND')) {
      const mine = m.direction === 'DIRECTION_INBOUND';
      if (mine && int(e.seq) <= readByStaff) lastReadMine = lines.length;
      lines.push({
        kind: 'message',
        key: messageKey(mine, m.clientMessageId, e.seq),
        mine,
        text: m.body ?? '',
        attachments: (m.attachments ?? []).filter((a) => isStoredBlob(a.url)).map(storedAttachment),
        author: mine ? 'You' : agentName(m.authorId || e.actor || '', m.authorName),
        atMs: int(e.atMs),
        state: 'sent',
        clientMessageId: m.clientMessageId ?? '',
        error: '',
        read: false,
        first: false,
      });
      continue;
    }
    const text = systemText(e);
    if (text) lines.push({ kind: 'system', key: `s${e.seq}`, text });
  }
  if (lastReadMine >= 0) (lines[lastReadMine] as Extract<Line, { kind: 'message' }>).read = true;
  // A message whose event came before the server's acknowledgement is shown once, as the event.
  const logged = new Set(lines.map((l) => l.key));
  for (const item of outbox) {
    if (logged.has(messageKey(true, item.clientMessageId, ''))) continue;
    lines.push({
      kind: 'message',
      key: messageKey(true, item.clientMessageId, ''),
      mine: true,
      text: item.text,
      attachments: [],
      author: 'You',
      atMs: item.createdAtMs,
      state: item.status,
      clientMessageId: item.clientMessageId,
      error: item.error?.message ?? '',
      read: false,
      first: false,
    });
  }
  markRuns(lines);
  return lines;
}

/** One key from the outbox to the log, so a sent message keeps its element (and is not re-announced). */
function messageKey(mine: boolean, clientMessageId: string | undefined, seq: string | undefined): string {
  return clientMessageId ? `${mine ? 'c' : 'a'}:${clientMessageId}` : `s${seq}`;
}

function markRuns(lines: Line[]): void {
  let previous: Line | undefined;
  for (const line of lines) {
    if (line.kind === 'message') {
      line.first = !(previous?.kind === 'message' && previous.mine === line.mine && previous.author === line.author);
    }
    previous = line;
  }
}
