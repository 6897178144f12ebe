// "Confirm your phone number" without its UI: when the widget offers it, and the form's steps —
// the number, "Send code" (a six-digit code goes to it by SMS: proveIdentity), then the code and
// "Confirm" (confirmIdentity) — with the server's refusals in its own words, and "Send a new code"
// once the code can no longer be used. Plain functions of plain data, so the view only draws.
import type { LoggedEvent } from '../lib/conversation_log';
import { ApiError } from '../lib/errors';

export interface ProofForm {
  step: 'phone' | 'code';
  /** The number as the customer typed it. */
  phone: string;
  /** The number the code went to, as typed ("We sent a code to …"). */
  sentTo: string;
  /** Digits only, at most six. */
  code: string;
  /** A request on its way: its button waits. */
  busy: boolean;
  /** What went wrong, in the server's words (first letter capitalised). */
  error: string;
  /** The code can no longer be used (expired, or no tries left): offer "Send a new code". */
  needNewCode: boolean;
  /** This server sends no codes (no SMS account): the widget stops offering it. */
  unavailable: boolean;
}

export type ProofAction =
  | { kind: 'phone'; value: string }
  | { kind: 'code'; value: string }
  /** "Send code" or "Send a new code" pressed. */
  | { kind: 'send' }
  /** The server sent the code. */
  | { kind: 'sent' }
  /** "Confirm" pressed. */
  | { kind: 'confirm' }
  | { kind: 'refused'; error: unknown }
  /** "Use another number": back to the number. */
  | { kind: 'change' };

export const emptyProofForm: ProofForm = { step: 'phone', phone: '', sentTo: '', code: '', busy: false, error: '', needNewCode: false, unavailable: false };

export function proofStep(f: ProofForm, a: ProofAction): ProofForm {
  switch (a.kind) {
    case 'phone': // an edit answers the refusal: it goes until the next try
      return { ...f, phone: a.value, error: f.unavailable ? f.error : '' };
    case 'code':
      return { ...f, code: a.value.replace(/\D/g, '').slice(0, 6), error: f.needNewCode ? f.error : '' };
    case 'send':
    case 'confirm':
      return { ...f, busy: true, error: '' };
    case 'sent':
      return { ...f, step: 'code', sentTo: f.phone.trim(), code: '', busy: false, error: '', needNewCode: false };
    case 'refused':
      return refused(f, a.error);
    case 'change':
      return { ...emptyProofForm, phone: f.phone, unavailable: f.unavailable };
  }
}

function refused(f: ProofForm, e: unknown): ProofForm {
  const code = e instanceof ApiError ? e.code : '';
  const next = { ...f, busy: false, error: proofErrorWords(e) };
  if (code === 'not_available') next.unavailable = true;
  const spent = code === 'code_expired' || (code === 'wrong_code' && /no tries left/i.test((e as ApiError).message));
  if (f.step === 'code' && spent) next.needNewCode = true;
  return next;
}

/** A refusal in the server's words ("Wrong code: 4 tries left"); the client's own failures in ours. */
export function proofErrorWords(e: unknown): string {
  if (!(e instanceof ApiError)) return 'Something went wrong. Please try again.';
  switch (e.code) {
    case 'not_connected':
    case 'disconnected':
    case 'timeout':
    case 'queue_full':
      return 'The chat is not connected just now. Try again in a moment.';
    case 'not_found':
      return 'This conversation is no longer available.';
  }
  const words = e.message.trim();
  return words ? words.charAt(0).toUpperCase() + words.slice(1) : 'Something went wrong. Please try again.';
}

/** The number the customer confirmed in this conversation (its latest `identityProved`), or "". */
export function provedNumber(events: readonly LoggedEvent[]): string {
  let address = '';
  for (const e of events) if (e.identityProved) address = e.identityProved.address ?? '';
  return address;
}

/**
 * Whether the widget offers "Confirm your phone number": in an open conversation (started and not
 * ended), not confirmed yet, and not on a server that said it sends no codes.
 */
export function offersProof(p: { conversationId: string; resolved: boolean; proofUnavailable: boolean; events: readonly LoggedEvent[] }): boolean {
  return !!p.conversationId && !p.resolved && !p.proofUnavailable && !provedNumber(p.events);
}
