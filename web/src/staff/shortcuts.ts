// The keyboard shortcuts of the desk (and the console's desk): one table, shown in the UI ("?")
// and read by `matchShortcut`, so what is listed is what works. Keys are matched on `code`
// (KeyA, Digit1), not `key`: Alt+A types "å" on a Mac keyboard.

export type ShortcutAction =
  | { kind: 'accept' }
  | { kind: 'decline' }
  | { kind: 'send' }
  | { kind: 'noteMode' }
  | { kind: 'resolve' }
  | { kind: 'transfer' }
  | { kind: 'escalate' }
  | { kind: 'focus'; index: number }
  | { kind: 'help' }
  | { kind: 'close' };

export interface ShortcutInfo {
  keys: string;
  what: string;
}

/** What the help dialog lists, in order. */
export const shortcutList: readonly ShortcutInfo[] = [
  { keys: 'Alt+A', what: 'Accept the offer' },
  { keys: 'Alt+D', what: 'Decline the offer' },
  { keys: 'Enter or Ctrl+Enter', what: 'Send (Shift+Enter: new line)' },
  { keys: 'Alt+N', what: 'Switch between reply and internal note' },
  { keys: 'Alt+R', what: 'Resolve the conversation' },
  { keys: 'Alt+T', what: 'Transfer the conversation' },
  { keys: 'Alt+E', what: 'Escalate to a lead' },
  { keys: 'Alt+1 … Alt+9', what: 'Go to conversation 1 … 9' },
  { keys: '/', what: 'Canned replies (in the composer)' },
  { keys: '?', what: 'Show these shortcuts' },
  { keys: 'Esc', what: 'Close a form or this list' },
];

export interface KeyLike {
  key: string;
  code: string;
  altKey: boolean;
  ctrlKey: boolean;
  metaKey: boolean;
  shiftKey: boolean;
}

const altLetters: Record<string, ShortcutAction> = {
  KeyA: { kind: 'accept' },
  KeyD: { kind: 'decline' },
  KeyN: { kind: 'noteMode' },
  KeyR: { kind: 'resolve' },
  KeyT: { kind: 'transfer' },
  KeyE: { kind: 'escalate' },
};

/**
 * The action a key press asks for, or null. `inField`: the focus is in a text field, where "?"
 * is just a character (Alt and Ctrl combinations still count).
 */
export function matchShortcut(e: KeyLike, inField: boolean): ShortcutAction | null {
  const alt = e.altKey && !e.ctrlKey && !e.metaKey;
  if (alt && altLetters[e.code]) return altLetters[e.code];
  if (alt && /^Digit[1-9]$/.test(e.code)) return { kind: 'focus', index: Number(e.code.slice(5)) - 1 };
  if ((e.ctrlKey || e.metaKey) && !e.altKey && e.key === 'Enter') return { kind: 'send' };
  if (e.key === 'Escape' && !e.altKey && !e.ctrlKey && !e.metaKey) return { kind: 'close' };
  if (!inField && e.key === '?' && !e.altKey && !e.ctrlKey && !e.metaKey) return { kind: 'help' };
  return null;
}

/**
 * A key press that types a character into the composer (and so tells the customer the agent is
 * typing): one character, not a shortcut, not a Ctrl or Cmd combination (Ctrl+Alt is AltGr, which
 * types "@" or "€" on many layouts; Alt alone types on a Mac, but not the shortcuts' keys).
 */
export function typesCharacter(e: KeyLike): boolean {
  if ([...e.key].length !== 1) return false;
  if (e.metaKey || (e.ctrlKey && !e.altKey)) return false;
  return matchShortcut(e, true) === null;
}
