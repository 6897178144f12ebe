// "Confirm your phone number" and "Confirm your email address" without their UI: when the widget
// offers each, and the form's steps — the address, "Send code" (a six-digit code goes to it by SMS
// or by mail: proveIdentity), then the code and "Confirm" (confirmIdentity) — with the server's
// refusals in its own words, and "Send a new code" once the code can no longer be used. Plain
// functions of plain data, so the view only draws.
import type { LoggedEvent } from '../lib/conversation_log';
import { ApiError } from '../lib/errors';
import type { Channel, Event } from '../lib/types';

/** What the customer proves: a phone number (a code by SMS) or an email address (a code by mail). */
export type ProofKind = 'phone' | 'email';

/** In the order the widget offers them. */
export const proofKinds: readonly ProofKind[] = ['phone', 'email'];

/** Each kind's words, and the channel its `identityProved` event names. */
export const proofKindInfo: Record<ProofKind, {
  channel: Channel;
  /** The link, and the form's title (its accessible name). */
  title: string;
  label: string;
  hint: string;
  placeholder: string;
  /** "Use another number": back to the first step. */
  change: string;
  /** The transcript's noun: "Your phone number … is confirmed." */
  noun: string;
}> = {
  phone: {
    channel: 'CHANNEL_SMS',
    title: 'Confirm your phone number',
    label: 'Phone number, with its country code',
    hint: 'We send a 6-digit code to it by SMS.',
    placeholder: '+34 600 111 222',
    change: 'Use another number',
    noun: 'phone number',
  },
  email: {
    channel: 'CHANNEL_EMAIL',
    title: 'Confirm your email address',
    label: 'Email address',
    hint: 'We send a 6-digit code to it by mail.',
    placeholder: 'ana@example.org',
    change: 'Use another address',
    noun: 'email address',
  },
};

export interface ProofForm {
  kind: ProofKind;
  step: 'address' | 'code';
  /** The number or address as the customer typed it. */
  address: string;
  /** Where the code went, as typed ("We sent a code to …"). */
  sentTo: string;
  /** Digits only, at most six. */
  code: string;
  /** A request on its way: its button waits. */
  busy: boolean;
  /** What went wrong, in the server's words (first letter capitalised). */
  error: string;
  /** The code can no longer be used (expired, or no tries left): offer "Send a new code". */
  needNewCode: boolean;
  /** This server sends no codes of this kind (no SMS account, no mail relay): the widget stops offering it. */
  unavailable: boolean;
}

export type ProofAction =
  | { kind: 'address'; value: string }
  | { kind: 'code'; value: string }
  /** "Send code" or "Send a new code" pressed. */
  | { kind: 'send' }
  /** The server sent the code. */
  | { kind: 'sent' }
  /** "Confirm" pressed. */
  | { kind: 'confirm' }
  | { kind: 'refused'; error: unknown }
  /** "Use another number" (or address): back to the first step. */
  | { kind: 'change' };

export function emptyProofForm(kind: ProofKind): ProofForm {
  return { kind, step: 'address', address: '', sentTo: '', code: '', busy: false, error: '', needNewCode: false, unavailable: false };
}

export function proofStep(f: ProofForm, a: ProofAction): ProofForm {
  switch (a.kind) {
    case 'address': // an edit answers the refusal: it goes until the next try
      return { ...f, address: a.value, error: f.unavailable ? f.error : '' };
    case 'code':
      return { ...f, code: a.value.replace(/\D/g, '').slice(0, 6), error: f.needNewCode ? f.error : '' };
    case 'send':
    case 'confirm':
      return { ...f, busy: true, error: '' };
    case 'sent':
      return { ...f, step: 'code', sentTo: f.address.trim(), code: '', busy: false, error: '', needNewCode: false };
    case 'refused':
      return refused(f, a.error);
    case 'change':
      return { ...emptyProofForm(f.kind), address: f.address, unavailable: f.unavailable };
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

/**
 * What a proof confirmed: its channel says (CHANNEL_SMS a phone number, CHANNEL_EMAIL an email
 * address); without one, its method ("sms_code", "email_code"); else null.
 */
export function proofKindOf(p: NonNullable<Event['identityProved']>): ProofKind | null {
  for (const kind of proofKinds) if (p.channel === proofKindInfo[kind].channel) return kind;
  if (!p.channel || p.channel === 'CHANNEL_UNSPECIFIED') {
    if (p.method === 'sms_code') return 'phone';
    if (p.method === 'email_code') return 'email';
  }
  return null;
}

/** The number or address of this kind the customer confirmed in this conversation (its latest `identityProved`), or "". */
export function provedAddress(events: readonly LoggedEvent[], kind: ProofKind): string {
  let address = '';
  for (const e of events) if (e.identityProved && proofKindOf(e.identityProved) === kind) address = e.identityProved.address ?? '';
  return address;
}

/** The kinds this server said it cannot confirm (`not_available`). */
export type ProofUnavailable = Readonly<Record<ProofKind, boolean>>;

export const noneUnavailable: ProofUnavailable = { phone: false, email: false };

export interface ProofOffer {
  conversationId: string;
  resolved: boolean;
  proofUnavailable: ProofUnavailable;
  events: readonly LoggedEvent[];
}

/**
 * Whether the widget offers to confirm this kind: in an open conversation (started and not
 * ended), not confirmed yet, and not on a server that said it sends no codes of this kind.
 */
export function offersProof(p: ProofOffer, kind: ProofKind): boolean {
  return !!p.conversationId && !p.resolved && !p.proofUnavailable[kind] && !provedAddress(p.events, kind);
}

/** The kinds offered now, in the order of the links. */
export function offeredProofs(p: ProofOffer): ProofKind[] {
  return proofKinds.filter((kind) => offersProof(p, kind));
}

/** The transcript's line for a proof: "Your email address ana@example.org is confirmed." */
export function provedWords(p: NonNullable<Event['identityProved']>): string {
  const kind = proofKindOf(p) ?? 'phone'; // a proof of another kind: the words the widget always had
  return `Your ${proofKindInfo[kind].noun} ${p.address ?? ''} is confirmed.`;
}
