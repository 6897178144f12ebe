// "Confirm your phone number" and "Confirm your email address", under the composer: quiet links
// while a conversation is open (each while the server offers it and it is not confirmed yet), side
// by side. Either opens a small form in their place — the number or address, "Send code", then the
// code from the SMS or the mail and "Confirm" — so the chat above stays usable. Refusals show in
// the server's words (an alert); Escape or Cancel closes the form and gives focus back to its link
// (to the composer when that link went); once confirmed the form closes (the transcript says so)
// and focus goes to the composer. The steps and the words: identity.ts.
import type { RefObject } from 'preact';
import { useEffect, useReducer, useRef, useState } from 'preact/hooks';
import type { Chat } from './chat';
import { emptyProofForm, type ProofKind, proofKindInfo, proofStep } from './identity';

interface IdentityProofProps {
  chat: Chat;
  /** The kinds offered now, in the links' order (an open conversation, not confirmed yet, a server that sends codes). */
  offered: readonly ProofKind[];
  /** The kinds confirmed: their form has nothing left to do. */
  proven: Readonly<Record<ProofKind, boolean>>;
  composerRef: RefObject<HTMLTextAreaElement | null>;
}

/** The input's attributes for each kind: the keyboard and autofill a phone shows. */
const inputs = {
  phone: { type: 'tel', autocomplete: 'tel', inputMode: 'tel', maxLength: 32 },
  email: { type: 'email', autocomplete: 'email', inputMode: 'email', maxLength: 254 },
} as const satisfies Record<ProofKind, object>;

export function IdentityProof({ chat, offered, proven, composerRef }: IdentityProofProps) {
  const [open, setOpen] = useState<ProofKind | null>(null);
  const links = useRef<Partial<Record<ProofKind, HTMLButtonElement | null>>>({});
  /** The link focus goes back to once the form closed (unless confirmed). */
  const backTo = useRef<ProofKind | null>(null);

  useEffect(() => {
    if (open || !backTo.current) return;
    const kind = backTo.current;
    backTo.current = null;
    (links.current[kind] ?? composerRef.current)?.focus();
  }, [open]);

  const close = (kind: ProofKind, confirmed: boolean) => {
    backTo.current = confirmed ? null : kind;
    setOpen(null);
    if (confirmed) composerRef.current?.focus();
  };

  if (open && !proven[open]) return <ProofFormView key={open} kind={open} chat={chat} onClose={(confirmed) => close(open, confirmed)} />;
  if (offered.length === 0) return null;
  return (
    <div class="footer proof-links">
      {offered.map((kind) => (
        <button key={kind} ref={(el) => void (links.current[kind] = el)} type="button" class="link-button" onClick={() => setOpen(kind)}>
          {proofKindInfo[kind].title}
        </button>
      ))}
    </div>
  );
}

function ProofFormView({ kind, chat, onClose }: { kind: ProofKind; chat: Chat; onClose: (confirmed: boolean) => void }) {
  const [f, dispatch] = useReducer(proofStep, kind, emptyProofForm);
  const addressInput = useRef<HTMLInputElement>(null);
  const codeInput = useRef<HTMLInputElement>(null);
  const words = proofKindInfo[kind];

  useEffect(() => (f.step === 'address' ? addressInput : codeInput).current?.focus(), [f.step]);

  const send = () => {
    dispatch({ kind: 'send' });
    chat.proveIdentity(f.address, kind).then(
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
    if (f.step === 'address' || f.needNewCode) send();
    else confirm();
  };
  const onKeyDown = (e: KeyboardEvent) => {
    if (e.key !== 'Escape') return;
    e.stopPropagation(); // the form closes, not the chat
    onClose(false);
  };

  return (
    <form class="proof" onSubmit={submit} onKeyDown={onKeyDown} aria-labelledby="sb-proof-title" noValidate>
      <h3 id="sb-proof-title">{words.title}</h3>
      {f.step === 'address' ? (
        <>
          <p id="sb-proof-hint">{words.hint}</p>
          <div class="field">
            <label for={`sb-proof-${kind}`}>{words.label}</label>
            <input id={`sb-proof-${kind}`} ref={addressInput} {...inputs[kind]} placeholder={words.placeholder}
              value={f.address} aria-invalid={f.error ? 'true' : undefined} aria-describedby="sb-proof-hint sb-proof-error"
              onInput={(e) => dispatch({ kind: 'address', value: e.currentTarget.value })} />
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
        {f.step === 'code' && <button type="button" class="link-button" onClick={() => dispatch({ kind: 'change' })}>{words.change}</button>}
        <button type="button" class="button" onClick={() => onClose(false)}>Cancel</button>
        {!f.unavailable && (
          <button type="submit" class="button primary" disabled={f.busy}>
            {f.step === 'address' ? 'Send code' : f.needNewCode ? 'Send a new code' : 'Confirm'}
          </button>
        )}
      </div>
    </form>
  );
}
