// The transcript: a log region (announced politely to screen readers as lines are added), kept
// scrolled to the bottom unless the customer scrolled up to read; an agent's attachments in their
// bubble, loaded from the widget's Switchboard (the page around it is the customer's site).
import type { ComponentChildren } from 'preact';
import { AttachmentList } from '../lib/attachment_view';
import { useStickToBottom } from '../lib/hooks';
import type { Line } from './transcript';

const clock = new Intl.DateTimeFormat(undefined, { hour: '2-digit', minute: '2-digit' });

function when(atMs: number): string {
  return atMs > 0 ? clock.format(new Date(atMs)) : '';
}

interface TranscriptProps {
  lines: Line[];
  /** Lines of earlier conversations (this page's life), above a divider. */
  earlier: Line[];
  greeting: string;
  /** The Switchboard's origin: attachments' URLs are relative to it. */
  server: string;
  onRetry: (clientMessageId: string) => void;
  onDiscard: (clientMessageId: string) => void;
  /** Cards below the lines (the rating). */
  children?: ComponentChildren;
}

export function TranscriptView({ lines, earlier, greeting, server, onRetry, onDiscard, children }: TranscriptProps) {
  const { ref: box, onScroll } = useStickToBottom(40);

  return (
    <div class="transcript" ref={box} onScroll={onScroll} role="log" aria-label="Messages" aria-live="polite" tabIndex={0}>
      <p class="greeting">{greeting}</p>
      {earlier.map((l) => <LineView key={`e${l.key}`} line={l} server={server} onRetry={onRetry} onDiscard={onDiscard} />)}
      {earlier.length > 0 && <div class="divider" role="separator">New conversation</div>}
      {lines.map((l) => <LineView key={l.key} line={l} server={server} onRetry={onRetry} onDiscard={onDiscard} />)}
      {children}
    </div>
  );
}

function LineView({ line, server, onRetry, onDiscard }: { line: Line; server: string; onRetry: (id: string) => void; onDiscard: (id: string) => void }) {
  if (line.kind === 'system') return <p class="system">{line.text}</p>;
  const side = line.mine ? 'mine' : 'theirs';
  return (
    <div class={`line ${side} ${line.state}${line.first ? ' first' : ''}`}>
      {line.first && !line.mine && <span class="author">{line.author}</span>}
      <div class={`bubble${line.text ? '' : ' files-only'}`}>
        <span class="sr-only">{line.mine ? 'You: ' : `${line.author}: `}</span>
        {line.text}
        <AttachmentList items={line.attachments} server={server} />
      </div>
      <Meta line={line} onRetry={onRetry} onDiscard={onDiscard} />
    </div>
  );
}

function Meta({ line, onRetry, onDiscard }: { line: Extract<Line, { kind: 'message' }>; onRetry: (id: string) => void; onDiscard: (id: string) => void }) {
  if (line.state === 'sending') return <span class="meta">Sending…</span>;
  if (line.state === 'failed') {
    return (
      <span class="meta" role="alert">
        Not sent{line.error ? `: ${line.error}` : ''}.
        <button type="button" onClick={() => onRetry(line.clientMessageId)}>Retry</button>
        <button type="button" onClick={() => onDiscard(line.clientMessageId)}>Remove</button>
      </span>
    );
  }
  if (line.read) return <span class="meta">{when(line.atMs)} · Read</span>;
  return null;
}
