import { describe, expect, it } from 'vitest';
import { matchShortcut, shortcutList, typesCharacter } from './shortcuts';

const key = (code: string, key: string, mods: Partial<{ altKey: boolean; ctrlKey: boolean; metaKey: boolean; shiftKey: boolean }> = {}) => ({
  code, key, altKey: false, ctrlKey: false, metaKey: false, shiftKey: false, ...mods,
});

describe('matchShortcut', () => {
  it('maps Alt+letters by code, whatever character the layout types', () => {
    expect(matchShortcut(key('KeyA', 'å', { altKey: true }), true)).toEqual({ kind: 'accept' });
    expect(matchShortcut(key('KeyD', '∂', { altKey: true }), false)).toEqual({ kind: 'decline' });
    expect(matchShortcut(key('KeyN', 'n', { altKey: true }), true)).toEqual({ kind: 'noteMode' });
    expect(matchShortcut(key('KeyR', 'r', { altKey: true }), true)).toEqual({ kind: 'resolve' });
    expect(matchShortcut(key('KeyT', 't', { altKey: true }), true)).toEqual({ kind: 'transfer' });
    expect(matchShortcut(key('KeyE', 'e', { altKey: true }), true)).toEqual({ kind: 'escalate' });
  });
  it('maps Alt+1…9 to conversation 0…8', () => {
    expect(matchShortcut(key('Digit1', '1', { altKey: true }), true)).toEqual({ kind: 'focus', index: 0 });
    expect(matchShortcut(key('Digit9', '9', { altKey: true }), false)).toEqual({ kind: 'focus', index: 8 });
    expect(matchShortcut(key('Digit0', '0', { altKey: true }), false)).toBeNull();
  });
  it('sends on Ctrl+Enter or Cmd+Enter', () => {
    expect(matchShortcut(key('Enter', 'Enter', { ctrlKey: true }), true)).toEqual({ kind: 'send' });
    expect(matchShortcut(key('Enter', 'Enter', { metaKey: true }), true)).toEqual({ kind: 'send' });
    expect(matchShortcut(key('Enter', 'Enter'), true)).toBeNull();
  });
  it('opens the help with ? only outside text fields', () => {
    expect(matchShortcut(key('Slash', '?', { shiftKey: true }), false)).toEqual({ kind: 'help' });
    expect(matchShortcut(key('Slash', '?', { shiftKey: true }), true)).toBeNull();
  });
  it('does not take Ctrl+Alt (AltGr) combinations or plain letters', () => {
    expect(matchShortcut(key('KeyA', 'a', { altKey: true, ctrlKey: true }), false)).toBeNull();
    expect(matchShortcut(key('KeyA', 'a'), false)).toBeNull();
  });
  it('lists every shortcut it knows', () => {
    const keys = shortcutList.map((s) => s.keys).join(' ');
    for (const k of ['Alt+A', 'Alt+D', 'Ctrl+Enter', 'Alt+N', 'Alt+R', 'Alt+T', 'Alt+E', 'Alt+1', '?']) expect(keys).toContain(k);
  });
});

describe('typesCharacter', () => {
  it('counts plain characters, Shift, AltGr and a Mac\'s Alt characters as typing', () => {
    expect(typesCharacter(key('KeyH', 'h'))).toBe(true);
    expect(typesCharacter(key('Slash', '?', { shiftKey: true }))).toBe(true);
    expect(typesCharacter(key('KeyQ', '@', { ctrlKey: true, altKey: true }))).toBe(true);
    expect(typesCharacter(key('KeyS', 'ß', { altKey: true }))).toBe(true);
  });
  it('does not count the shortcuts (Alt+N, Alt+1…, Alt+A typing "å") as typing', () => {
    expect(typesCharacter(key('KeyN', 'n', { altKey: true }))).toBe(false);
    expect(typesCharacter(key('Digit2', '2', { altKey: true }))).toBe(false);
    expect(typesCharacter(key('KeyA', 'å', { altKey: true }))).toBe(false);
    expect(typesCharacter(key('KeyR', 'r', { altKey: true }))).toBe(false);
  });
  it('does not count Ctrl or Cmd combinations or named keys', () => {
    expect(typesCharacter(key('KeyC', 'c', { ctrlKey: true }))).toBe(false);
    expect(typesCharacter(key('KeyV', 'v', { metaKey: true }))).toBe(false);
    expect(typesCharacter(key('Enter', 'Enter'))).toBe(false);
    expect(typesCharacter(key('ArrowLeft', 'ArrowLeft'))).toBe(false);
    expect(typesCharacter(key('Escape', 'Escape'))).toBe(false);
  });
});
