// The chat panel: a header that says where the conversation stands, banners (connection,
// inactivity, errors), the transcript with its rating card, who is typing, and the composer (or
// the pre-chat form before the first message), with "Confirm your phone number" and "Confirm your
// email address" under it.
import type { RefObject } from 'preact';
import { useEffect, useMemo, useState } from 'preact/hooks';
import { connectionWords, type ConnectionState } from '../lib/connection';
import { useNow } from '../lib/hooks';
import type { Chat, ChatSnapshot } from './chat';
import { Composer } from './composer';
import { CloseIcon } from './icons';
import { offeredProofs, provedAddress } from './identity';
import { IdentityProof } from './identity_proof';
import { Prechat } from './prechat';
import { Rating } from './rating';
import type { WidgetSettings } from './settings';
import { conversationStatus, type ConversationStatus, transcriptLines } from './transcript';
import { TranscriptView } from './transcript_view';

interface PanelProps {
  chat: Chat;
  snap: ChatSnapshot;
  settings: WidgetSettings;
  onClose: () => void;
  composerRef: RefObject<HTMLTextAreaElement | null>;
  prechatRef: RefObject<HTMLInputElement | null>;
}

export function Panel({ chat, snap, settings, onClose, composerRef, prechatRef }: PanelProps) {
  const status = conversationStatus(snap.events, snap.outbox);
  const lines = transcriptLines(snap.events, snap.outbox, snap.readByStaff);
  const earlier = useMemo(() => transcriptLines(snap.earlier, [], 0), [snap.earlier]);
  const [skipped, setSkipped] = useState('');
  const now = useNow(1000, snap.connection.kind === 'reconnecting' || !!status.inactivity);
  const started = !!snap.conversationId || snap.outbox.length > 0 || earlier.length > 0;
  const showPrechat = !started && settings.prechat.length > 0;
  const rateKey = `${snap.conversationId}:${snap.events.length}`;
  const askRating = status.resolved && status.answered && !status.rated && skipped !== snap.conversationId;

  // Seen means shown: the panel is open and the page is in front.
  useEffect(() => {
    const seen = () => document.visibilityState === 'visible' && chat.markRead();
    seen();
    document.addEventListener('visibilitychange', seen);
    return () => document.removeEventListener('visibilitychange', seen);
  }, [snap.events.length, chat]);

  return (
    <section class="panel" role="dialog" aria-modal="false" aria-labelledby="sb-title" aria-describedby="sb-status">
      <div class="header">
        <div class="header-text">
          <h2 id="sb-title">{settings.title}</h2>
          <p id="sb-status" aria-live="polite">{headline(snap, status)}</p>
        </div>
        {snap.conversationId && !status.resolved && !snap.left && (
          <button type="button" class="end-button" onClick={() => void chat.leave()}>End chat</button>
        )}
        <button type="button" class="icon-button" aria-label="Close chat" onClick={onClose}>
          <CloseIcon />
        </button>
      </div>
      <Banners chat={chat} snap={snap} status={status} now={now} />
      <TranscriptView lines={lines} earlier={earlier} greeting={settings.greeting} server={settings.server} onRetry={(id) => chat.retry(id)} onDiscard={(id) => chat.discard(id)}>
        {snap.left && !status.resolved && <p class="system">You ended the chat. Write again any time to pick it up.</p>}
        {showPrechat && <Prechat fields={settings.prechat} firstRef={prechatRef} onStart={(text, customer) => chat.send(text, customer)} />}
        {askRating && <Rating key={rateKey} onRate={(s, c) => chat.rate(s, c)} onSkip={() => setSkipped(snap.conversationId)} />}
      </TranscriptView>
      <div class="typing" aria-live="polite">
        {snap.typing.length > 0 && (
          <>
            <span class="dots" aria-hidden="true"><i /><i /><i /></span>
            {snap.typing.join(', ')} {snap.typing.length > 1 ? 'are' : 'is'} typing…
          </>
        )}
      </div>
      {!showPrechat && (
        <Composer inputRef={composerRef} onSend={(t) => chat.send(t)} onKeystroke={() => chat.keystroke()}
          placeholder={status.resolved ? 'Write to start a new chat…' : undefined} />
      )}
      {!showPrechat && (
        <IdentityProof chat={chat} composerRef={composerRef}
          proven={{ phone: !!provedAddress(snap.events, 'phone'), email: !!provedAddress(snap.events, 'email') }}
          offered={offeredProofs({ ...snap, resolved: status.resolved })} />
      )}
    </section>
  );
}

function headline(snap: ChatSnapshot, status: ConversationStatus): string {
  if (status.resolved) return 'This chat has ended';
  if (snap.left) return 'You ended this chat';
  if (!snap.conversationId && snap.outbox.length === 0) return 'We usually answer within a few minutes';
  if (status.answered) return `Chatting with ${status.agentName}`;
  const q = snap.queue;
  if (q && (q.position ?? 0) > 0) {
    const wait = q.estimatedWaitSeconds ? ` · about ${minutes(q.estimatedWaitSeconds)}` : '';
    return `You are number ${q.position} in line${wait}`;
  }
  return 'Waiting for an agent…';
}

function minutes(seconds: number): string {
  const m = Math.max(1, Math.round(seconds / 60));
  return m === 1 ? '1 minute' : `${m} minutes`;
}

interface BannerProps {
  chat: Chat;
  snap: ChatSnapshot;
  status: ConversationStatus;
  now: number;
}

function Banners({ chat, snap, status, now }: BannerProps) {
  const conn = connectionLine(snap.connection, now);
  const inactivity = status.inactivity;
  let closesIn = 0;
  if (inactivity) closesIn = Math.max(0, Math.ceil(inactivity.resolvesInSeconds - (chat.clock.now() - inactivity.atMs) / 1000));
  return (
    <>
      <div role="status">
        {conn && (
          <div class="banner info">
            {conn}
            {snap.connection.kind === 'reconnecting' && <button type="button" onClick={() => chat.reconnectNow()}>Retry now</button>}
          </div>
        )}
      </div>
      {inactivity && closesIn > 0 && (
        <div class="banner warn" role="alert">
          Are you still there? This chat closes in {closesIn >= 60 ? minutes(closesIn) : `${closesIn} s`} unless you write.
        </div>
      )}
      {snap.notice && <div class="banner error" role="alert">{snap.notice}</div>}
    </>
  );
}

function connectionLine(state: ConnectionState, now: number): string {
  if (state.kind === 'reconnecting') return connectionWords(state, now);
  if (state.kind === 'signed_out') return 'This chat is no longer available. Reload the page to start again.';
  return '';
}
