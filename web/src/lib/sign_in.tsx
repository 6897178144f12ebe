// The staff pages' sign-in: a user + password form (POST /v1/session) and `StaffGate`, which shows
// the form until someone is signed in, then renders the page with the session and a sign-out.
// Accessible: labelled fields, focus on the first field, errors announced (role="alert").
import type { ComponentChildren, TargetedSubmitEvent } from 'preact';
import { useEffect, useRef, useState } from 'preact/hooks';
import { ApiError, isApiError } from './errors';
import { useNow } from './hooks';
import type { RestClient } from './rest';
import { getSession, signIn, signOut } from './session';
import type { StaffSession } from './types';

export interface SignInFormProps {
  rest: RestClient;
  /** The page's name, e.g. "Agent desk". */
  title: string;
  /** Shown above the form, e.g. "You were signed out." */
  notice?: string;
  onSignedIn: (session: StaffSession) => void;
}

/** A wait in words: "40 s", "15 min". */
export function waitWords(ms: number): string {
  const seconds = Math.max(1, Math.ceil(ms / 1000));
  return seconds < 120 ? `${seconds} s` : `${Math.ceil(seconds / 60)} min`;
}

/** The words for a refused sign-in. */
export function signInError(e: unknown): string {
  if (isApiError(e, 'bad_credentials') || (isApiError(e) && e.status === 401)) return 'Wrong user or password.';
  if (isApiError(e) && e.status === 429) return `Too many attempts, try again in ${waitWords(e.retryAfterMs || 1000)}.`;
  if (isApiError(e, 'network')) return 'Cannot reach the server. Check the connection and try again.';
  return `Sign-in failed: ${e instanceof Error ? e.message : String(e)}`;
}

export function SignInForm({ rest, title, notice, onSignedIn }: SignInFormProps) {
  const [user, setUser] = useState('');
  const [password, setPassword] = useState('');
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>(null);
  const [retryAtMs, setRetryAtMs] = useState(0);
  const now = useNow(1000, retryAtMs > Date.now());
  const userField = useRef<HTMLInputElement>(null);
  const passwordField = useRef<HTMLInputElement>(null);
  const waiting = retryAtMs > now;

  useEffect(() => userField.current?.focus(), []);

  async function submit(e: TargetedSubmitEvent<HTMLFormElement>) {
    e.preventDefault();
    if (busy || waiting) return;
    setBusy(true);
    setError(null);
    try {
      onSignedIn(await signIn(rest, user.trim(), password));
    } catch (err) {
      setError(err);
      setRetryAtMs(err instanceof ApiError && err.status === 429 ? Date.now() + (err.retryAfterMs || 1000) : 0);
      setPassword('');
      passwordField.current?.focus();
    } finally {
      setBusy(false);
    }
  }

  // The alert is said once, when the refusal comes; the button counts the wait down.
  const throttled = isApiError(error) && error.status === 429;
  const message = !error || (throttled && !waiting) ? '' : signInError(error);
  return (
    <main class="signin">
      <form class="signin-card" onSubmit={submit} aria-describedby={message ? 'signin-error' : undefined} noValidate>
        <h1>{title}</h1>
        <p class="signin-sub">Sign in to Switchboard</p>
        {notice && <p class="signin-notice">{notice}</p>}
        <label for="signin-user">User</label>
        <input id="signin-user" ref={userField} name="username" autocomplete="username" required
          value={user} onInput={(e) => setUser(e.currentTarget.value)} />
        <label for="signin-password">Password</label>
        <input id="signin-password" ref={passwordField} name="password" type="password" autocomplete="current-password" required
          value={password} onInput={(e) => setPassword(e.currentTarget.value)} />
        <div id="signin-error" class="signin-error" role="alert">{message}</div>
        <button type="submit" class="button primary" disabled={busy || waiting || !user.trim() || !password}>
          {busy ? 'Signing in…' : waiting ? `Sign in (in ${waitWords(retryAtMs - now)})` : 'Sign in'}
        </button>
      </form>
    </main>
  );
}

export interface StaffGateProps {
  rest: RestClient;
  title: string;
  /** The page, once signed in. `lost()` is for a socket closed with 4003: back to the form. */
  children: (session: StaffSession, actions: { signOut: () => Promise<void>; lost: () => void }) => ComponentChildren;
}

/** Checks GET /v1/session; shows the sign-in form until signed in, then the page. */
export function StaffGate({ rest, title, children }: StaffGateProps) {
  const [session, setSession] = useState<StaffSession | null | undefined>(undefined);
  const [notice, setNotice] = useState('');
  // Set while this tab signs out: the server's 4003 to the page's socket (it may come before the
  // page has stopped its connection) is then the sign-out itself, not a loss to announce.
  const signingOut = useRef(false);

  useEffect(() => {
    getSession(rest).then(setSession, () => {
      setNotice('Cannot reach the server right now.');
      setSession(null);
    });
  }, [rest]);

  if (session === undefined) return <p class="staff-loading" role="status">Loading…</p>;
  if (session === null) {
    const signedIn = (s: StaffSession) => {
      signingOut.current = false;
      setNotice('');
      setSession(s);
    };
    return <SignInForm rest={rest} title={title} notice={notice} onSignedIn={signedIn} />;
  }
  const actions = {
    signOut: async () => {
      signingOut.current = true;
      try {
        await signOut(rest);
      } catch (e) {
        signingOut.current = false;
        throw e;
      }
      setNotice('You signed out.');
      setSession(null);
    },
    lost: () => {
      if (signingOut.current) return;
      rest.csrfToken = '';
      setNotice('You were signed out. Sign in again to go on.');
      setSession(null);
    },
  };
  return <>{children(session, actions)}</>;
}

/** A sign-out button for a staff page's header. */
export function SignOutButton({ onSignOut }: { onSignOut: () => Promise<void> }) {
  const [busy, setBusy] = useState(false);
  return (
    <button type="button" class="button" disabled={busy} onClick={() => {
      setBusy(true);
      onSignOut().catch(() => setBusy(false));
    }}>
      {busy ? 'Signing out…' : 'Sign out'}
    </button>
  );
}
