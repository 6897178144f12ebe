import { describe, expect, it } from 'vitest';
import type { LoggedEvent } from '../lib/conversation_log';
import { ApiError } from '../lib/errors';
import {
  emptyProofForm, noneUnavailable, offeredProofs, offersProof, type ProofAction, type ProofForm, type ProofKind, proofErrorWords, proofKindOf,
  proofStep, provedAddress, provedWords,
} from './identity';

const runAs = (kind: ProofKind, ...actions: ProofAction[]): ProofForm => actions.reduce(proofStep, emptyProofForm(kind));
const run = (...actions: ProofAction[]): ProofForm => runAs('phone', ...actions);
const refusal = (code: string, message: string) => ({ kind: 'refused', error: new ApiError(code, message) }) as const;

describe('the phone number form', () => {
  it('goes from the number to the code once the code was sent', () => {
    const sending = run({ kind: 'address', value: '+34 600 111 222 ' }, { kind: 'send' });
    expect(sending).toMatchObject({ kind: 'phone', step: 'address', busy: true, error: '' });
    const sent = proofStep(sending, { kind: 'sent' });
    expect(sent).toMatchObject({ step: 'code', sentTo: '+34 600 111 222', code: '', busy: false, needNewCode: false });
    expect(proofStep(sent, { kind: 'code', value: '12 34-5678' }).code).toBe('123456');
  });

  it("shows the server's refusals in its words and stays on the step", () => {
    const bad = run({ kind: 'address', value: '600111222' }, { kind: 'send' }, refusal('bad_request', 'phone: a number with its country code, like +34 600 111 222'));
    expect(bad).toMatchObject({ step: 'address', busy: false, error: 'Phone: a number with its country code, like +34 600 111 222', needNewCode: false });
    const wrong = run({ kind: 'address', value: '+34600111222' }, { kind: 'send' }, { kind: 'sent' }, { kind: 'code', value: '000000' }, { kind: 'confirm' },
      refusal('wrong_code', 'wrong code: 4 tries left'));
    expect(wrong).toMatchObject({ step: 'code', busy: false, error: 'Wrong code: 4 tries left', needNewCode: false, code: '000000' });
    // Changing the code answers the refusal; so does changing the number.
    expect(proofStep(wrong, { kind: 'code', value: '123456' })).toMatchObject({ code: '123456', error: '' });
    expect(proofStep(bad, { kind: 'address', value: '+34600111222' })).toMatchObject({ error: '' });
  });

  it('offers "Send a new code" once the code is spent, and a new code starts the step over', () => {
    const atCode = run({ kind: 'address', value: '+34600111222' }, { kind: 'send' }, { kind: 'sent' }, { kind: 'code', value: '111111' }, { kind: 'confirm' });
    const none = proofStep(atCode, refusal('wrong_code', 'wrong code, and no tries left: ask for a new one'));
    expect(none).toMatchObject({ needNewCode: true, error: 'Wrong code, and no tries left: ask for a new one' });
    expect(proofStep(none, { kind: 'code', value: '2' }).error).toBe(none.error); // still true: it needs a new code
    const expired = proofStep(atCode, refusal('code_expired', 'no code is waiting (they last 10 minutes): ask for a new one'));
    expect(expired).toMatchObject({ needNewCode: true, error: 'No code is waiting (they last 10 minutes): ask for a new one' });
    const again = proofStep(proofStep(expired, { kind: 'send' }), { kind: 'sent' });
    expect(again).toMatchObject({ step: 'code', code: '', error: '', needNewCode: false });
  });

  it('knows when the server sends no codes, and goes back to the number on request', () => {
    const off = run({ kind: 'address', value: '+34600111222' }, { kind: 'send' }, refusal('not_available', 'confirming a phone number is not set up here (no SMS account)'));
    expect(off).toMatchObject({ unavailable: true, error: 'Confirming a phone number is not set up here (no SMS account)' });
    const back = run({ kind: 'address', value: '+34600111222' }, { kind: 'send' }, { kind: 'sent' }, { kind: 'change' });
    expect(back).toEqual({ ...emptyProofForm('phone'), address: '+34600111222' });
  });

  it('says a dropped connection in its own words', () => {
    expect(proofErrorWords(new ApiError('disconnected', 'the connection dropped before the answer'))).toBe('The chat is not connected just now. Try again in a moment.');
    expect(proofErrorWords(new Error('x'))).toBe('Something went wrong. Please try again.');
    expect(proofErrorWords(new ApiError('rate_limited', 'too many codes in the last hour; try again later'))).toBe('Too many codes in the last hour; try again later');
  });
});

describe('the email address form', () => {
  it('keeps its kind through every step, back to the address included', () => {
    const bad = runAs('email', { kind: 'address', value: 'ana@' }, { kind: 'send' }, refusal('bad_request', 'email: an address like ana@example.org'));
    expect(bad).toMatchObject({ kind: 'email', step: 'address', error: 'Email: an address like ana@example.org' });
    const sent = runAs('email', { kind: 'address', value: ' Ana@Example.org ' }, { kind: 'send' }, { kind: 'sent' });
    expect(sent).toMatchObject({ kind: 'email', step: 'code', sentTo: 'Ana@Example.org' });
    expect(proofStep(sent, { kind: 'change' })).toEqual({ ...emptyProofForm('email'), address: ' Ana@Example.org ' });
  });

  it('knows when the server has no mail relay', () => {
    const off = runAs('email', { kind: 'address', value: 'ana@example.org' }, { kind: 'send' },
      refusal('not_available', 'confirming an email address is not set up here (no mail relay)'));
    expect(off).toMatchObject({ kind: 'email', unavailable: true, error: 'Confirming an email address is not set up here (no mail relay)' });
    expect(proofStep(off, { kind: 'address', value: 'bo@example.org' }).error).toBe(off.error); // an edit does not answer that
  });
});

describe('offering to confirm a phone number or an email address', () => {
  const phoneProved: LoggedEvent = { seq: '4', identityProved: { channel: 'CHANNEL_SMS', address: '+34600111222', method: 'sms_code' } };
  const emailProved: LoggedEvent = { seq: '5', identityProved: { channel: 'CHANNEL_EMAIL', address: 'ana@example.org', method: 'email_code' } };
  const open = { conversationId: 'c1', resolved: false, proofUnavailable: noneUnavailable, events: [{ seq: '1' }] as LoggedEvent[] };

  it('in an open conversation, each until it is confirmed', () => {
    for (const kind of ['phone', 'email'] as const) {
      expect(offersProof(open, kind)).toBe(true);
      expect(offersProof({ ...open, conversationId: '' }, kind)).toBe(false);
      expect(offersProof({ ...open, resolved: true }, kind)).toBe(false);
    }
    expect(offeredProofs(open)).toEqual(['phone', 'email']);
    expect(offeredProofs({ ...open, resolved: true })).toEqual([]);
  });

  it('a proof of one kind leaves the other offered', () => {
    const afterPhone = { ...open, events: [...open.events, phoneProved] };
    expect(offeredProofs(afterPhone)).toEqual(['email']);
    expect(provedAddress(afterPhone.events, 'phone')).toBe('+34600111222');
    expect(provedAddress(afterPhone.events, 'email')).toBe('');
    const afterEmail = { ...open, events: [...open.events, emailProved] };
    expect(offeredProofs(afterEmail)).toEqual(['phone']);
    expect(provedAddress(afterEmail.events, 'email')).toBe('ana@example.org');
    expect(provedAddress(afterEmail.events, 'phone')).toBe('');
    expect(offeredProofs({ ...open, events: [...open.events, phoneProved, emailProved] })).toEqual([]);
    // The latest proof of the kind counts.
    const again: LoggedEvent = { seq: '6', identityProved: { channel: 'CHANNEL_EMAIL', address: 'ana.b@example.org', method: 'email_code' } };
    expect(provedAddress([emailProved, phoneProved, again], 'email')).toBe('ana.b@example.org');
  });

  it('a server without one of the two offers only the other', () => {
    expect(offeredProofs({ ...open, proofUnavailable: { phone: true, email: false } })).toEqual(['email']); // no SMS account
    expect(offeredProofs({ ...open, proofUnavailable: { phone: false, email: true } })).toEqual(['phone']); // no mail relay
    expect(offeredProofs({ ...open, proofUnavailable: { phone: true, email: true } })).toEqual([]);
  });

  it('tells the kind by the channel, else by the method', () => {
    expect(proofKindOf({ channel: 'CHANNEL_SMS', method: 'sms_code' })).toBe('phone');
    expect(proofKindOf({ channel: 'CHANNEL_EMAIL', method: 'email_code' })).toBe('email');
    expect(proofKindOf({ method: 'email_code' })).toBe('email');
    expect(proofKindOf({ method: 'sms_code' })).toBe('phone');
    expect(proofKindOf({ channel: 'CHANNEL_WHATSAPP', method: 'sms_code' })).toBeNull();
  });

  it("words the transcript's line by the kind", () => {
    expect(provedWords(phoneProved.identityProved!)).toBe('Your phone number +34600111222 is confirmed.');
    expect(provedWords(emailProved.identityProved!)).toBe('Your email address ana@example.org is confirmed.');
  });
});
