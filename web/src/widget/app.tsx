// The widget: a launcher button and the chat panel. Opening moves focus into the panel, Escape
// or the close button closes it and gives focus back to the launcher; replies the customer has
// not seen (the panel was closed) are counted on the launcher's badge.
import { useEffect, useRef, useState } from 'preact/hooks';
import { int } from '../lib/ids';
import type { Chat } from './chat';
import { ChatIcon, ChevronDownIcon } from './icons';
import { Panel } from './panel';
import type { WidgetSettings } from './settings';

export function Widget({ chat, settings }: { chat: Chat; settings: WidgetSettings }) {
  const snap = useChat(chat);
  const [open, setOpen] = useState(false);
  const launcher = useRef<HTMLButtonElement>(null);
  const composer = useRef<HTMLTextAreaElement>(null);
  const prechat = useRef<HTMLInputElement>(null);
  const returnFocus = useRef(false);

  const unread = open ? 0 : snap.events.filter((e) => e.message?.direction === 'DIRECTION_OUTBOUND' && int(e.seq) > snap.seenUpTo).length;

  useEffect(() => {
    if (open) {
      chat.connect();
      (prechat.current ?? composer.current)?.focus();
    } else if (returnFocus.current) {
      // After the render: on a phone the launcher is hidden while the panel is open.
      returnFocus.current = false;
      launcher.current?.focus();
    }
  }, [open, chat]);

  const close = () => {
    returnFocus.current = true;
    setOpen(false);
  };

  return (
    <div class={open ? 'panel-open' : ''} onKeyDown={(e) => e.key === 'Escape' && open && (e.stopPropagation(), close())}>
      {open && <Panel chat={chat} snap={snap} settings={settings} onClose={close} composerRef={composer} prechatRef={prechat} />}
      <button ref={launcher} type="button" class="launcher" aria-expanded={open ? 'true' : 'false'}
        aria-label={open ? `Close ${settings.title}` : `${settings.title}${unread ? `, ${unread} new` : ''}`}
        onClick={() => (open ? close() : setOpen(true))}>
        {open ? <ChevronDownIcon /> : <ChatIcon />}
        {unread > 0 && <span class="badge" aria-hidden="true">{unread}</span>}
      </button>
    </div>
  );
}

/** The chat's snapshot, re-rendering on each change. */
function useChat(chat: Chat) {
  const [snap, setSnap] = useState(() => chat.snapshot);
  useEffect(() => {
    const stop = chat.subscribe(() => setSnap(chat.snapshot));
    return () => void stop();
  }, [chat]);
  return snap;
}
