// The composer of a conversation: a reply (or, for a lead watching someone else's conversation, a
// whisper or a barge-in) or an internal note, sent with Enter or Ctrl+Enter. Typing "/" opens the
// canned replies of the agent's teams, searched as one types; Enter puts the chosen body in, its
// variables filled. A reply may carry one file ("Attach a file", attach.tsx), its body then
// optional. What was typed survives switching conversations (kept per conversation).
import { useEffect, useMemo, useRef, useState } from 'preact/hooks';
import { AttachButton, AttachmentChip, useAttachment } from './attach';
import type { CannedReply } from './api';
import { applyCanned, type CannedTrigger, cannedTrigger, type CannedVariables, fillCanned, repliesForTeams, searchCanned } from './canned';
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
  const attach = useAttachment(ws.rest, conv.id);
  const current = modes.includes(mode) ? mode : modes[0];
  const canned = useMemo(() => repliesForTeams(ws.canned, ws.session.teams ?? []), [ws.canned, ws.session.teams]);
  const matches = trigger ? searchCanned(canned, trigger.query).slice(0, 8) : [];
  const open = !!trigger && matches.length > 0;
  const listId = `canned-${conv.id}`;
  // A reply waits for its file's upload; the file goes with a reply only (not a note).
  const file = current === 'reply' ? attach.ready : undefined;
  const canSend = (!!text.trim() || !!file) && !(current === 'reply' && attach.uploading);

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
    if (!canSend) return;
    if (current === 'reply') ws.reply(conv.id, body, { attachments: file && [file] });
    else if (current === 'note') ws.note(conv.id, body);
    else if (current === 'whisper') lead?.whisper(conv.id, body);
    else lead?.barge(conv.id, body);
    if (file) attach.clear();
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
    const next = applyCanned(text, trigger, fillCanned(reply.body, vars));
    update(next.text, next.caret);
    setTrigger(null);
    requestAnimationFrame(() => field.current?.setSelectionRange(next.caret, next.caret));
  };
  const onKeyDown = keyHandler({ open, count: matches.length, setActive, insert: () => insert(active), close: () => setTrigger(null), send,
    typed: () => current === 'reply' && ws.keystroke(conv.id) });

  const words = modeWords[current];
  return (
    <div class={`composer composer-${current}`}>
      {modes.length > 1 && <ModeTabs modes={modes} current={current} onMode={(m) => (setMode(m), field.current?.focus())} />}
      {open && <CannedList id={listId} matches={matches} active={active} vars={vars} onPick={insert} />}
      {current === 'reply' && <AttachmentChip slot={attach} />}
      <div class="composer-row">
        {current === 'reply' && <AttachButton onPick={attach.pick} />}
        <textarea ref={field} rows={2} value={text} aria-label={`${words.label}`} placeholder={placeholder(current, ws.trainee)}
          aria-controls={open ? listId : undefined} aria-activedescendant={open ? `${listId}-${active}` : undefined}
          data-testid="composer"
          onInput={(e) => update(e.currentTarget.value, e.currentTarget.selectionStart ?? e.currentTarget.value.length)}
          onKeyDown={onKeyDown}
          onBlur={() => (ws.stopTyping(conv.id), setTrigger(null))} />
        <button type="button" class="button primary" onClick={send} disabled={!canSend}>{words.send}</button>
      </div>
      {current === 'reply' && ws.trainee && <p class="composer-hint">You are in training: a lead approves each reply before the customer sees it.</p>}
    </div>
  );
}

/** The field's keys: the canned list's (arrows, Enter or Tab to insert, Escape), Enter to send. */
function keyHandler(k: {
  open: boolean; count: number; setActive: (f: (a: number) => number) => void; insert: () => void; close: () => void; send: () => void; typed: () => void;
}) {
  return (e: KeyboardEvent) => {
    if (k.open) {
      if (e.key === 'ArrowDown' || e.key === 'ArrowUp') {
        e.preventDefault();
        const step = e.key === 'ArrowDown' ? 1 : -1;
        k.setActive((a) => (a + step + k.count) % k.count);
        return;
      }
      if ((e.key === 'Enter' && !e.shiftKey && !e.ctrlKey && !e.metaKey) || e.key === 'Tab') {
        e.preventDefault();
        k.insert();
        return;
      }
      if (e.key === 'Escape') {
        e.preventDefault();
        e.stopPropagation();
        k.close();
        return;
      }
    }
    if (e.key === 'Enter' && !e.shiftKey && !e.altKey) {
      e.preventDefault();
      k.send();
      return;
    }
    if (typesCharacter(e)) k.typed(); // not Alt+N, Alt+1…: shortcuts are not typing
  };
}

function ModeTabs({ modes, current, onMode }: { modes: Mode[]; current: Mode; onMode: (m: Mode) => void }) {
  return (
    <div class="composer-modes" role="group" aria-label="Write">
      {modes.map((m) => (
        <button key={m} type="button" class="mode" aria-pressed={m === current} onClick={() => onMode(m)}>{modeWords[m].tab}</button>
      ))}
    </div>
  );
}

function CannedList({ id, matches, active, vars, onPick }: {
  id: string; matches: CannedReply[]; active: number; vars: CannedVariables; onPick: (index: number) => void;
}) {
  return (
    <ul class="canned" id={id} role="listbox" aria-label="Canned replies">
      {matches.map((r, i) => (
        <li key={r.id} id={`${id}-${i}`} role="option" aria-selected={i === active} class={i === active ? 'on' : ''}
          onMouseDown={(e) => (e.preventDefault(), onPick(i))}>
          <span class="canned-id">/{r.id}</span> <strong>{r.title}</strong>
          <span class="canned-body">{fillCanned(r.body, vars)}</span>
        </li>
      ))}
    </ul>
  );
}

function placeholder(mode: Mode, trainee: boolean): string {
  if (mode === 'note') return 'A note only staff see…';
  if (mode === 'whisper') return 'Coach the agent; the customer never sees this…';
  if (mode === 'barge') return 'Write to the customer yourself…';
  return trainee ? 'Your reply (a lead approves it)… / for canned replies' : 'Reply… type / for canned replies';
}
