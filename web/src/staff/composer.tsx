// The composer of a conversation: a reply (or, for a lead watching someone else's conversation, a
// whisper or a barge-in) or an internal note, sent with Enter or Ctrl+Enter. Typing "/" opens the
// canned replies of the agent's teams, searched as one types; Enter puts the chosen body in, its
// variables filled. What was typed survives switching conversations (kept per conversation).
import { useEffect, useMemo, useRef, useState } from 'preact/hooks';
import { applyCanned, type CannedTrigger, cannedTrigger, fillCanned, repliesForTeams, searchCanned } from './canned';
import type { Conv } from './conv';
import type { LeadWorkspace } from './lead_workspace';
import { typesCharacter } from './shortcuts';
import type { Workspace } from './workspace';

export type Mode = 'reply' | 'note' | 'whisper' | 'barge';

const modeWords: Record<Mode, { tab: string; send: string; label: string }> = {
  reply: { tab: 'Reply', send: 'Send', label: 'Reply to the customer' },
  note: { tab: 'Internal note', send: 'Add note', label: 'Internal note (staff only)' },
  whisper: { tab: 'Whisper', send: 'Send whisper', label: 'Whisper to the agent (staff only)' },
  barge: { tab: 'Barge in', send: 'Send to customer', label: 'Message to the customer, as you' },
};

/** What was typed in each conversation's composer, kept while the page lives. */
const typed = new Map<string, string>();

export interface ComposerProps {
  ws: Workspace;
  lead?: LeadWorkspace;
  conv: Conv;
  modes: Mode[];
  /** Bumped by the page's shortcuts: toggles the note mode / focuses the field. */
  toggleNote: number;
  focusNow: number;
}

export function Composer({ ws, lead, conv, modes, toggleNote, focusNow }: ComposerProps) {
  const [mode, setMode] = useState<Mode>(modes[0]);
  const [text, setText] = useState(() => typed.get(conv.id) ?? '');
  const [trigger, setTrigger] = useState<CannedTrigger | null>(null);
  const [active, setActive] = useState(0);
  const field = useRef<HTMLTextAreaElement>(null);
  const current = modes.includes(mode) ? mode : modes[0];
  const canned = useMemo(() => repliesForTeams(ws.canned, ws.session.teams ?? []), [ws.canned, ws.session.teams]);
  const matches = trigger ? searchCanned(canned, trigger.query).slice(0, 8) : [];
  const open = !!trigger && matches.length > 0;
  const listId = `canned-${conv.id}`;

  useEffect(() => {
    if (toggleNote) setMode((m) => (m === 'note' ? modes[0] : 'note'));
  }, [toggleNote]);
  useEffect(() => {
    if (focusNow || toggleNote) field.current?.focus();
  }, [focusNow, toggleNote]);

  const update = (value: string, caret: number) => {
    setText(value);
    typed.set(conv.id, value);
    setTrigger(cannedTrigger(value, caret));
    setActive(0);
  };

  const send = () => {
    const body = text.trim();
    if (!body) return;
    if (current === 'reply') ws.reply(conv.id, body);
    else if (current === 'note') ws.note(conv.id, body);
    else if (current === 'whisper') lead?.whisper(conv.id, body);
    else lead?.barge(conv.id, body);
    update('', 0);
  };

  // What the variables are here: the list previews each reply as it will be inserted.
  const vars = {
    'customer.name': conv.customer?.displayName ?? '',
    'customer.email': conv.customer?.attributes?.email ?? '',
    'agent.name': ws.session.displayName || ws.name(ws.self),
    queue: conv.queue,
  };
  const insert = (index: number) => {
    const reply = matches[index];
    if (!reply || !trigger) return;
    const filled = fillCanned(reply.body, vars);
    const next = applyCanned(text, trigger, filled);
    update(next.text, next.caret);
    setTrigger(null);
    requestAnimationFrame(() => field.current?.setSelectionRange(next.caret, next.caret));
  };

  const onKeyDown = (e: KeyboardEvent) => {
    if (open) {
      if (e.key === 'ArrowDown' || e.key === 'ArrowUp') {
        e.preventDefault();
        const step = e.key === 'ArrowDown' ? 1 : -1;
        setActive((a) => (a + step + matches.length) % matches.length);
        return;
      }
      if ((e.key === 'Enter' && !e.shiftKey && !e.ctrlKey && !e.metaKey) || e.key === 'Tab') {
        e.preventDefault();
        insert(active);
        return;
      }
      if (e.key === 'Escape') {
        e.preventDefault();
        e.stopPropagation();
        setTrigger(null);
        return;
      }
    }
    if (e.key === 'Enter' && !e.shiftKey && !e.altKey) {
      e.preventDefault();
      send();
      return;
    }
    if (current === 'reply' && typesCharacter(e)) ws.keystroke(conv.id); // not Alt+N, Alt+1…: shortcuts are not typing
  };

  const words = modeWords[current];
  return (
    <div class={`composer composer-${current}`}>
      {modes.length > 1 && (
        <div class="composer-modes" role="group" aria-label="Write">
          {modes.map((m) => (
            <button key={m} type="button" class="mode" aria-pressed={m === current} onClick={() => (setMode(m), field.current?.focus())}>
              {modeWords[m].tab}
            </button>
          ))}
        </div>
      )}
      {open && (
        <ul class="canned" id={listId} role="listbox" aria-label="Canned replies">
          {matches.map((r, i) => (
            <li key={r.id} id={`${listId}-${i}`} role="option" aria-selected={i === active} class={i === active ? 'on' : ''}
              onMouseDown={(e) => (e.preventDefault(), insert(i))}>
              <span class="canned-id">/{r.id}</span> <strong>{r.title}</strong>
              <span class="canned-body">{fillCanned(r.body, vars)}</span>
            </li>
          ))}
        </ul>
      )}
      <div class="composer-row">
        <textarea ref={field} rows={2} value={text} aria-label={`${words.label}`} placeholder={placeholder(current, ws.trainee)}
          aria-controls={open ? listId : undefined} aria-activedescendant={open ? `${listId}-${active}` : undefined}
          data-testid="composer"
          onInput={(e) => update(e.currentTarget.value, e.currentTarget.selectionStart ?? e.currentTarget.value.length)}
          onKeyDown={onKeyDown}
          onBlur={() => (ws.stopTyping(conv.id), setTrigger(null))} />
        <button type="button" class="button primary" onClick={send} disabled={!text.trim()}>{words.send}</button>
      </div>
      {current === 'reply' && ws.trainee && <p class="composer-hint">You are in training: a lead approves each reply before the customer sees it.</p>}
    </div>
  );
}

function placeholder(mode: Mode, trainee: boolean): string {
  if (mode === 'note') return 'A note only staff see…';
  if (mode === 'whisper') return 'Coach the agent; the customer never sees this…';
  if (mode === 'barge') return 'Write to the customer yourself…';
  return trainee ? 'Your reply (a lead approves it)… / for canned replies' : 'Reply… type / for canned replies';
}
