// The attachments of a message as the desk shows them. A customer's medium from a messaging
// channel arrives as the provider's reference (`whatsapp-media:<id>`, `telegram-file:<id>`, a
// provider URL), never loaded here; a `mediaStored` event (staff only) follows once the server
// fetched it into its blob store, or says why it could not. An agent's upload is stored already.
// Plain functions of the events, keyed as the delivery lines are: "<conversation id>:<seq>" (a
// pane holds the customer's earlier conversations too), and the attachment's index.
import { attachmentKind, isStoredBlob, type ShownAttachment, storedAttachment } from '../lib/attachments';
import { int } from '../lib/ids';
import type { Attachment, Event } from '../lib/types';

export type MediaOutcome = { attachment: Attachment } | { error: string };

/** Each fetched (or failed) attachment by "<conversation id>:<message seq>:<index>"; the latest word wins. */
export function mediaStored(events: readonly Event[]): Map<string, MediaOutcome> {
  const out = new Map<string, MediaOutcome>();
  for (const e of events) {
    const m = e.mediaStored;
    if (!m) continue;
    const key = `${e.conversationId ?? ''}:${int(m.messageSeq)}:${m.index ?? 0}`;
    if (m.attachment && isStoredBlob(m.attachment.url)) out.set(key, { attachment: m.attachment });
    else if (m.error) out.set(key, { error: m.error });
  }
  return out;
}

/** The attachments of the message event `e`, each stored, still being fetched, or failed. */
export function shownAttachments(e: Event, attachments: readonly Attachment[] | undefined, stored: ReadonlyMap<string, MediaOutcome>): ShownAttachment[] {
  if (!attachments?.length) return [];
  return attachments.map((a, index) => {
    if (isStoredBlob(a.url)) return storedAttachment(a);
    const kind = attachmentKind(a.contentType);
    const outcome = stored.get(`${e.conversationId ?? ''}:${int(e.seq)}:${index}`);
    if (!outcome) return { state: 'fetching', kind };
    if ('error' in outcome) return { state: 'failed', kind, error: outcome.error };
    // The provider's name of the file when the stored copy has none.
    return storedAttachment({ ...outcome.attachment, fileName: outcome.attachment.fileName || a.fileName });
  });
}
