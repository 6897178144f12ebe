import { describe, expect, it } from 'vitest';
import type { LoggedEvent } from '../lib/conversation_log';
import { ApiError } from '../lib/errors';
import { emptyProofForm, offersProof, type ProofAction, type ProofForm, proofErrorWords, proofStep, provedNumber } from './identity';

const run = (...actions: ProofAction[]): ProofForm => actions.reduce(proofStep, emptyProofForm);
const refusal = (code: string, message: string) => ({ kind: 'refused', error: new ApiError(code, message) }) as const;

describe('the phone number form', () => {
  it('goes from the number to the code once the code was sent', () => {
    const sending = run({ kind: 'phone', value: '+34 600 111 222 ' }, { kind: 'send' });
    expect(sending).toMatchObject({ step: 'phone', busy: true, error: '' });
    const sent = proofStep(sending, { kind: 'sent' });
    expect(sent).toMatchObject({ step: 'code', sentTo: '+34 600 111 222', code: '', busy: false, needNewCode: false });
    expect(proofStep(sent, { kind: 'code', value: '12 34-5678' }).code).toBe('123456');
  });

  it("shows the server's refusals in its words and stays on the step", () => {
    const bad = run({ kind: 'phone', value: '600111222' }, { kind: 'send' }, refusal('bad_request', 'phone: a number with its country code, like +34 600 111 222'));
    expect(bad).toMatchObject({ step: 'phone', busy: false, error: 'Phone: a number with its country code, like +34 600 111 222', needNewCode: false });
    const wrong = run({ kind: 'phone', value: '+34600111222' }, { kind: 'send' }, { kind: 'sent' }, { kind: 'code', value: '000000' }, { kind: 'confirm' },
      refusal('wrong_code', 'wrong code: 4 tries left'));
    expect(wrong).toMatchObject({ step: 'code', busy: false, error: 'Wrong code: 4 tries left', needNewCode: false, code: '000000' });
    // Changing the code answers the refusal; so does changing the number.
    expect(proofStep(wrong, { kind: 'code', value: '123456' })).toMatchObject({ code: '123456', error: '' });
    expect(proofStep(bad, { kind: 'phone', value: '+34600111222' })).toMatchObject({ error: '' });
  });

  it('offers "Send a new code" once the code is spent, and a new code starts the step over', () => {
    const atCode = run({ kind: 'phone', value: '+34600111222' }, { kind: 'send' }, { kind: 'sent' }, { kind: 'code', value: '111111' }, { kind: 'confirm' });
    const none = proofStep(atCode, refusal('wrong_code', 'wrong code, and no tries left: ask for a new one'));
    expect(none).toMatchObject({ needNewCode: true, error: 'Wrong code, and no tries left: ask for a new one' });
    expect(proofStep(none, { kind: 'code', value: '2' }).error).toBe(none.error); // still true: it needs a new code
    const expired = proofStep(atCode, refusal('code_expired', 'no code is waiting (they last 10 minutes): ask for a new one'));
    expect(expired).toMatchObject({ needNewCode: true, error: 'No code is waiting (they last 10 minutes): ask for a new one' });
    const again = proofStep(proofStep(expired, { kind: 'send' }), { kind: 'sent' });
    expect(again).toMatchObject({ step: 'code', code: '', error: '', needNewCode: false });
  });

  it('knows when the server sends no codes, and goes back to the number on request', () => {
    const off = run({ kind: 'phone', value: '+34600111222' }, { kind: 'send' }, refusal('not_available', 'confirming a phone number is not set up here (no SMS account)'));
    expect(off).toMatchObject({ unavailable: true, error: 'Confirming a phone number is not set up here (no SMS account)' });
    const back = run({ kind: 'phone', value: '+34600111222' }, { kind: 'send' }, { kind: 'sent' }, { kind: 'change' });
    expect(back).toEqual({ ...emptyProofForm, phone: '+34600111222' });
  });

  it('says a dropped connection in its own words', () => {
    expect(proofErrorWords(new ApiError('disconnected', 'the connection dropped before the answer'))).toBe('The chat is not connected just now. Try again in a moment.');
    expect(proofErrorWords(new Error('x'))).toBe('Something went wrong. Please try again.');
    expect(proofErrorWords(new ApiError('rate_limited', 'too many codes in the last hour; try again later'))).toBe('Too many codes in the last hour; try again later');
  });
});

describe('offering to confirm a phone number', () => {
  const proved: LoggedEvent = { seq: '4', identityProved: { channel: 'CHANNEL_SMS', address: '+34600111222', method: 'sms_code' } };
  const open = { conversationId: 'c1', resolved: false, proofUnavailable: false, events: [{ seq: '1' }] as LoggedEvent[] };

  it('in an open conversation, until the number is confirmed', () => {
    expect(offersProof(open)).toBe(true);
    expect(offersProof({ ...open, conversationId: '' })).toBe(false);
    expect(offersProof({ ...open, resolved: true })).toBe(false);
    expect(offersProof({ ...open, proofUnavailable: true })).toBe(false);
    expect(offersProof({ ...open, events: [...open.events, proved] })).toBe(false);
    expect(provedNumber([...open.events, proved])).toBe('+34600111222');
  });
});
