// A conversation's timeline on screen: the customer's earlier conversations (any channel) above a
// divider, then this one — messages with their channel badge (an email with its subject, its
// quoted history folded), internal notes and whispers marked as internal, trainee drafts with
// their outcome, state changes as quiet lines — and the lines still on their way with Retry /
// Remove when they failed; a message's attachments under its bubble (a picture, a file's link, a customer's medium being fetched or why it could not be).
// Kept scrolled to the end unless the reader scrolled up (also as pictures load). A log region:
// new lines are announced politely.
import type { ComponentChildren } from 'preact';
import { AttachmentList } from '../lib/attachment_view';
import { useStickToBottom } from '../lib/hooks';
import type { Channel } from '../lib/types';
import { channelName, channelSlug, timeWords } from './format';
import { deliveryWords, type Item } from './timeline';

export function ChannelBadge({ channel, prefix = '' }: { channel: Channel | string | undefined; prefix?: string }) {
  const name = channelName(channel);
  if (!name) return null;
  return <span class={`chan chan-${channelSlug(channel)}`} data-testid="channel-badge">{prefix}{name}</span>;
}

interface TimelineViewProps {
  label: string;
  /** The customer's earlier conversations, each as its items. */
  earlier: { conversationId: string; title: string; items: Item[] }[];
  items: Item[];
  onRetry: (clientMessageId: string) => void;
  onDiscard: (clientMessageId: string) => void;
  /** Above everything: "Load more history", a loading line… */
  top?: ComponentChildren;
  /** Above this conversation's items: "Show earlier messages of this conversation". */
  before?: ComponentChildren;
  /** Below everything: who is typing. */
  bottom?: ComponentChildren;
}

export function TimelineView({ label, earlier, items, onRetry, onDiscard, top, before, bottom }: TimelineViewProps) {
  const { ref: box, onScroll } = useStickToBottom(48);
  return (
    <div class="tl" ref={box} onScroll={onScroll} role="log" aria-label={label} tabIndex={0}>
      {top}
      {earlier.map((g) => (
        <section key={g.conversationId} class="tl-earlier" aria-label={g.title}>
          <div class="tl-divider" role="separator">{g.title}</div>
          {g.items.map((i) => <ItemView key={i.key} item={i} onRetry={onRetry} onDiscard={onDiscard} />)}
        </section>
      ))}
      {earlier.length > 0 && <div class="tl-divider tl-now" role="separator">This conversation</div>}
      {before}
      {items.map((i) => <ItemView key={i.key} item={i} onRetry={onRetry} onDiscard={onDiscard} />)}
      {bottom}
    </div>
  );
}

function ItemView({ item, onRetry, onDiscard }: { item: Item; onRetry: (id: string) => void; onDiscard: (id: string) => void }) {
  switch (item.kind) {
    case 'divider':
      return <div class="tl-divider" role="separator">{item.text}</div>;
    case 'event':
      return <p class={`tl-event tone-${item.tone}`}>{item.text}<time>{timeWords(item.atMs)}</time></p>;
    case 'draft':
      return (
        <div class={`msg msg-staff msg-draft draft-${item.outcome}`} data-testid="draft">
          <div class="msg-head">
            <span class="msg-author">{item.author}</span>
            <span class="tag tag-draft">{item.outcome === 'pending' ? 'Draft · awaiting approval' : `Draft rejected by ${item.by}`}</span>
            <time>{timeWords(item.atMs)}</time>
          </div>
          <Bubble item={item} />
          {item.outcome === 'rejected' && item.reason && <p class="msg-meta">Lead’s reason: {item.reason}</p>}
        </div>
      );
    case 'internal':
      return (
        <div class={`msg msg-internal msg-${item.variant}`} data-testid={item.variant}>
          <div class="msg-head">
            <span class="msg-author">{item.author}</span>
            <span class="tag tag-internal">{item.variant === 'note' ? 'Internal note' : 'Whisper · staff only'}</span>
            <time>{timeWords(item.atMs)}</time>
          </div>
          <div class="bubble">{item.body}</div>
          <SendState item={item} onRetry={onRetry} onDiscard={onDiscard} />
        </div>
      );
    case 'message':
      return (
        <div class={`msg msg-${item.side}`} data-testid="message">
          <div class="msg-head">
            <span class="msg-author">{item.author}</span>
            <ChannelBadge channel={item.channel} />
            {item.review && <span class="tag tag-review">{item.review.edited ? `Edited by ${item.review.by}` : `Approved by ${item.review.by}`}</span>}
            <time>{timeWords(item.atMs)}</time>
          </div>
          {item.subject && <p class="msg-subject" data-testid="subject">{item.subject}</p>}
          <Bubble item={item} />
          {item.quoted && (
            <details class="msg-quoted">
              <summary>Quoted text and signature</summary>
              <div class="bubble" data-testid="quoted">{item.quoted}</div>
            </details>
          )}
          <SendState item={item} onRetry={onRetry} onDiscard={onDiscard} />
          {item.delivery && (
            <p class={`msg-meta msg-delivery${item.delivery.state === 'FAILED' ? ' msg-failed' : ''}`} data-testid="delivery">
              {deliveryWords(item.delivery, item.channel)}
            </p>
          )}
          {item.changes?.map((words, i) => <p key={i} class="msg-meta msg-change" data-testid="message-change">{words}</p>)}
          {item.seen && <p class="msg-meta msg-seen">Seen by the customer</p>}
        </div>
      );
  }
}

/** The body (left out when empty beside an attachment), then the attachments. */
function Bubble({ item }: { item: Extract<Item, { kind: 'message' | 'draft' }> }) {
  return (
    <>
      {(item.body || item.attachments.length === 0) && <div class="bubble">{item.body}</div>}
      <AttachmentList items={item.attachments} />
    </>
  );
}

function SendState({ item, onRetry, onDiscard }: {
  item: Extract<Item, { kind: 'message' | 'internal' }>;
  onRetry: (id: string) => void;
  onDiscard: (id: string) => void;
}) {
  if (item.status === 'sending') return <p class="msg-meta">Sending…</p>;
  if (item.status !== 'failed') return null;
  return (
    <p class="msg-meta msg-failed" role="alert">
      Not sent{item.error ? `: ${item.error}` : ''}.{' '}
      <button type="button" class="link" onClick={() => onRetry(item.clientMessageId)}>Retry</button>{' '}
      <button type="button" class="link" onClick={() => onDiscard(item.clientMessageId)}>Remove</button>
    </p>
  );
}
