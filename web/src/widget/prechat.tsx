// Before the first message: the fields the site asked for (data-prechat: name, email) and the
// message, in one form. The fields are optional; what is filled goes with the first message.
import { useState } from 'preact/hooks';
import type { RefObject } from 'preact';
import type { CustomerDetails } from '../lib/types';
import type { PrechatField } from './settings';

interface PrechatProps {
  fields: PrechatField[];
  onStart: (text: string, customer: CustomerDetails | undefined) => void;
  firstRef: RefObject<HTMLInputElement | null>;
}

export function Prechat({ fields, onStart, firstRef }: PrechatProps) {
  const [name, setName] = useState('');
  const [email, setEmail] = useState('');
  const [text, setText] = useState('');
  const [problem, setProblem] = useState('');

  const submit = (e: Event) => {
    e.preventDefault();
    if (email.trim() && !/^[^\s@]+@[^\s@]+\.[^\s@]+$/.test(email.trim())) return setProblem('Please check the email address.');
    if (!text.trim()) return setProblem('Please write your question.');
    const customer: CustomerDetails = {};
    if (name.trim()) customer.displayName = name.trim();
    if (email.trim()) customer.email = email.trim();
    onStart(text, Object.keys(customer).length > 0 ? customer : undefined);
  };

  return (
    <form class="card" onSubmit={submit} aria-labelledby="sb-prechat-title" noValidate>
      <h3 id="sb-prechat-title">Start a chat</h3>
      <p>Tell us a little about you, and what we can help with.</p>
      {fields.includes('name') && (
        <div class="field">
          <label for="sb-name">Your name (optional)</label>
          <input id="sb-name" ref={firstRef} autocomplete="name" value={name} maxLength={200} onInput={(e) => setName(e.currentTarget.value)} />
        </div>
      )}
      {fields.includes('email') && (
        <div class="field">
          <label for="sb-email">Email (optional)</label>
          <input id="sb-email" ref={fields[0] === 'email' ? firstRef : undefined} type="email" autocomplete="email" value={email} maxLength={320}
            aria-invalid={problem.startsWith('Please check') ? 'true' : undefined} onInput={(e) => setEmail(e.currentTarget.value)} />
        </div>
      )}
      <div class="field">
        <label for="sb-first">Your question</label>
        <textarea id="sb-first" rows={3} value={text} maxLength={4000} onInput={(e) => setText(e.currentTarget.value)}
          onKeyDown={(e) => e.key === 'Enter' && !e.shiftKey && !e.isComposing && submit(e)} />
      </div>
      <p role="alert" class="field-error">{problem}</p>
      <div class="actions">
        <button type="submit" class="button primary">Start chat</button>
      </div>
    </form>
  );
}
