// The message box: Enter sends, Shift+Enter is a new line; it grows with its text up to a few
// lines. Typing is reported (debounced by the chat's TypingSender).
import { useRef, useState } from 'preact/hooks';
import type { RefObject } from 'preact';
import { SendIcon } from './icons';

interface ComposerProps {
  onSend: (text: string) => void;
  onKeystroke: () => void;
  inputRef: RefObject<HTMLTextAreaElement | null>;
  placeholder?: string;
}

export function Composer({ onSend, onKeystroke, inputRef, placeholder = 'Write a message…' }: ComposerProps) {
  const [text, setText] = useState('');
  const form = useRef<HTMLFormElement>(null);

  const send = () => {
    if (!text.trim()) return;
    onSend(text);
    setText('');
    const el = inputRef.current;
    if (el) el.style.height = '';
  };

  return (
    <form class="composer" ref={form} onSubmit={(e) => (e.preventDefault(), send())}>
      <label class="sr-only" for="sb-message">Message</label>
      <textarea
        id="sb-message"
        ref={inputRef}
        rows={1}
        value={text}
        placeholder={placeholder}
        maxLength={4000}
        aria-describedby="sb-composer-hint"
        onInput={(e) => {
          const el = e.currentTarget;
          setText(el.value);
          el.style.height = '';
          el.style.height = `${Math.min(el.scrollHeight, 120)}px`;
          onKeystroke();
        }}
        onKeyDown={(e) => {
          if (e.key === 'Enter' && !e.shiftKey && !e.isComposing) {
            e.preventDefault();
            send();
          }
        }}
      />
      <span id="sb-composer-hint" class="sr-only">Enter sends, Shift and Enter starts a new line.</span>
      <button type="submit" class="send" aria-label="Send" disabled={!text.trim()}>
        <SendIcon />
      </button>
    </form>
  );
}
