// "Confirm your phone number", under the composer: a quiet link while a conversation is open,
// which opens a small form in its place — the number, "Send code", then the code from the SMS and
// "Confirm" — so the chat above stays usable. Refusals show in the server's words (an alert);
// Escape or Cancel closes the form and gives focus back to the link; once confirmed the form
// closes (the transcript says so) and focus goes to the composer. The steps: identity.ts.
import type { RefObject } from 'preact';
import { useEffect, useReducer, useRef, useState } from 'preact/hooks';
import type { Chat } from './chat';
import { emptyProofForm, proofStep } from './identity';

interface PhoneProofProps {
  chat: Chat;
  /** The link is offered (an open conversation, not confirmed yet, a server that sends codes). */
  offered: boolean;
  /** The number is confirmed: the form has nothing left to do. */
  proven: boolean;
  composerRef: RefObject<HTMLTextAreaElement | null>;
}

export function PhoneProof({ chat, offered, proven, composerRef }: PhoneProofProps) {
  const [open, setOpen] = useState(false);
  const link = useRef<HTMLButtonElement>(null);
  const backToLink = useRef(false);

  useEffect(() => {
    if (open || !backToLink.current) return;
    backToLink.current = false;
    (link.current ?? composerRef.current)?.focus();
  }, [open]);

  const close = (confirmed: boolean) => {
    backToLink.current = !confirmed;
    setOpen(false);
    if (confirmed) composerRef.current?.focus();
  };

  if (open && !proven) return <ProofFormView chat={chat} onClose={close} />;
  if (!offered) return null;
  return (
    <div class="footer">
      <button ref={link} type="button" class="link-button" onClick={() => setOpen(true)}>Confirm your phone number</button>
    </div>
  );
}

function ProofFormView({ chat, onClose }: { chat: Chat; onClose: (confirmed: boolean) => void }) {
  const [f, dispatch] = useReducer(proofStep, emptyProofForm);
  const phoneInput = useRef<HTMLInputElement>(null);
  const codeInput = useRef<HTMLInputElement>(null);

  useEffect(() => (f.step === 'phone' ? phoneInput : codeInput).current?.focus(), [f.step]);

  const send = () => {
    dispatch({ kind: 'send' });
    chat.proveIdentity(f.phone).then(
      () => {
        dispatch({ kind: 'sent' });
        codeInput.current?.focus(); // a new code: the field is there already (the first: below)
      },
      (error: unknown) => dispatch({ kind: 'refused', error }),
    );
  };
  const confirm = () => {
    dispatch({ kind: 'confirm' });
    chat.confirmIdentity(f.code).then(() => onClose(true), (error: unknown) => dispatch({ kind: 'refused', error }));
  };
  const submit = (e: Event) => {
    e.preventDefault();
    if (f.busy) return;
    if (f.step === 'phone' || f.needNewCode) send();
    else confirm();
  };
  const onKeyDown = (e: KeyboardEvent) => {
    if (e.key !== 'Escape') return;
    e.stopPropagation(); // the form closes, not the chat
    onClose(false);
  };

  return (
    <form class="proof" onSubmit={submit} onKeyDown={onKeyDown} aria-labelledby="sb-proof-title" noValidate>
      <h3 id="sb-proof-title">Confirm your phone number</h3>
      {f.step === 'phone' ? (
        <>
          <p id="sb-proof-hint">We send a 6-digit code to it by SMS.</p>
          <div class="field">
            <label for="sb-phone">Phone number, with its country code</label>
            <input id="sb-phone" ref={phoneInput} type="tel" autocomplete="tel" inputMode="tel" placeholder="+34 600 111 222" maxLength={32}
              value={f.phone} aria-invalid={f.error ? 'true' : undefined} aria-describedby="sb-proof-hint sb-proof-error"
              onInput={(e) => dispatch({ kind: 'phone', value: e.currentTarget.value })} />
          </div>
        </>
      ) : (
        <>
          <p role="status">We sent a code to {f.sentTo}.</p>
          <div class="field">
            <label for="sb-code">The 6-digit code from the message</label>
            <input id="sb-code" ref={codeInput} inputMode="numeric" autocomplete="one-time-code" maxLength={6}
              value={f.code} aria-invalid={f.error ? 'true' : undefined} aria-describedby="sb-proof-error"
              onInput={(e) => dispatch({ kind: 'code', value: e.currentTarget.value })} />
          </div>
        </>
      )}
      <p id="sb-proof-error" role="alert" class="field-error">{f.error}</p>
      <div class="actions">
        {f.step === 'code' && <button type="button" class="link-button" onClick={() => dispatch({ kind: 'change' })}>Use another number</button>}
        <button type="button" class="button" onClick={() => onClose(false)}>Cancel</button>
        {!f.unavailable && (
          <button type="submit" class="button primary" disabled={f.busy}>
            {f.step === 'phone' ? 'Send code' : f.needNewCode ? 'Send a new code' : 'Confirm'}
          </button>
        )}
      </div>
    </form>
  );
}
