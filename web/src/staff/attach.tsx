// The composer's attachment: one file per reply (a messaging provider takes one medium per
// message), picked with "Attach a file" (a real file input, reached with Tab, opened with Enter or
// Space), uploaded at once to the blob store, shown under the field with its size and a Remove
// button until the reply goes; a refusal says the server's reason. Kept per conversation while the
// page lives, as the typed text is, so switching conversations loses nothing.
import { useState } from 'preact/hooks';
import { sizeWords } from '../lib/attachments';
import { int } from '../lib/ids';
import type { RestClient } from '../lib/rest';
import type { Attachment } from '../lib/types';
import { type FileLike, uploadAttachment, uploadErrorWords } from './upload';

export type AttachState =
  | { kind: 'none' }
  | { kind: 'uploading'; fileName: string; n: number }
  | { kind: 'ready'; attachment: Attachment }
  | { kind: 'error'; words: string };

const none: AttachState = { kind: 'none' };
/** Each conversation's attachment, by conversation id. */
const attached = new Map<string, AttachState>();
let uploads = 0;

export interface AttachmentSlot {
  state: AttachState;
  /** The attachment ready to go with the reply. */
  ready: Attachment | undefined;
  uploading: boolean;
  pick: (file: FileLike) => void;
  clear: () => void;
}

export function useAttachment(rest: RestClient, conversationId: string): AttachmentSlot {
  const [state, setState] = useState<AttachState>(() => attached.get(conversationId) ?? none);
  const set = (next: AttachState) => {
    if (next.kind === 'none') attached.delete(conversationId);
    else attached.set(conversationId, next);
    setState(next);
  };
  // Only the latest pick's answer counts (a second file picked while the first uploads wins).
  const latest = (n: number) => {
    const now = attached.get(conversationId);
    return now?.kind === 'uploading' && now.n === n;
  };
  const pick = (file: FileLike) => {
    const n = ++uploads;
    set({ kind: 'uploading', fileName: file.name, n });
    uploadAttachment(rest, file).then(
      (attachment) => latest(n) && set({ kind: 'ready', attachment }),
      (e: unknown) => latest(n) && set({ kind: 'error', words: uploadErrorWords(file.name, e) }),
    );
  };
  return {
    state,
    ready: state.kind === 'ready' ? state.attachment : undefined,
    uploading: state.kind === 'uploading',
    pick,
    clear: () => set(none),
  };
}

/** "Attach a file": a file input inside a label drawn as a button (the input keeps the focus ring). */
export function AttachButton({ onPick, disabled }: { onPick: (file: File) => void; disabled?: boolean }) {
  return (
    <label class={`button attach${disabled ? ' disabled' : ''}`} title="Attach a file">
      <input type="file" class="attach-input" aria-label="Attach a file" disabled={disabled} data-testid="attach"
        onChange={(e) => {
          const file = e.currentTarget.files?.[0];
          e.currentTarget.value = ''; // the same file can be picked again after a Remove
          if (file) onPick(file);
        }} />
      <svg viewBox="0 0 16 16" width="16" height="16" aria-hidden="true" focusable="false">
        <path d="M10.5 4.5 5.6 9.4a1.4 1.4 0 0 0 2 2l5.1-5.1a2.8 2.8 0 0 0-4-4L3.6 7.4a4.2 4.2 0 0 0 6 6l4-4"
          fill="none" stroke="currentColor" stroke-width="1.4" stroke-linecap="round" />
      </svg>
    </label>
  );
}

/** What is attached: uploading, ready (name · size, Remove), or why it could not be. */
export function AttachmentChip({ slot }: { slot: AttachmentSlot }) {
  const s = slot.state;
  if (s.kind === 'none') return null;
  if (s.kind === 'uploading') return <p class="attached" role="status">Uploading {s.fileName}…</p>;
  if (s.kind === 'error') {
    return (
      <p class="attached attached-error" role="alert">
        {s.words}{' '}
        <button type="button" class="link" onClick={slot.clear}>Dismiss</button>
      </p>
    );
  }
  const name = s.attachment.fileName || 'attachment';
  const size = sizeWords(int(s.attachment.sizeBytes));
  return (
    <p class="attached" data-testid="attached">
      <span>Attached: {name}{size && ` · ${size}`}</span>{' '}
      <button type="button" class="link" aria-label={`Remove the attachment ${name}`} onClick={slot.clear}>Remove</button>
    </p>
  );
}
