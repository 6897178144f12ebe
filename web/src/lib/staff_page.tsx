// The frame every staff page shares: a top bar with the page's name, the connection's state,
// who is signed in and a sign-out button, above the page's content. The desk and the console
// render inside it.
import type { ComponentChildren } from 'preact';
import { connectionWords, type ConnectionState } from './connection';
import { useNow } from './hooks';
import { SignOutButton } from './sign_in';
import type { StaffSession } from './types';

export interface StaffFrameProps {
  title: string;
  session: StaffSession;
  onSignOut: () => Promise<void>;
  /** The page's socket, when it has one. */
  connection?: ConnectionState;
  children: ComponentChildren;
}

export function StaffFrame({ title, session, onSignOut, connection, children }: StaffFrameProps) {
  const who = session.displayName || session.user;
  return (
    <>
      <header class="staff-bar">
        <h1>{title}</h1>
        {connection && <ConnectionStatus state={connection} />}
        <span class="staff-who">
          {who} · {session.role}
          {session.teams?.length ? ` · ${session.teams.join(', ')}` : ''}
        </span>
        <SignOutButton onSignOut={onSignOut} />
      </header>
      <main class="staff-main" id="main">{children}</main>
    </>
  );
}

/** The socket's state as a line that counts a reconnect down; announced politely. */
export function ConnectionStatus({ state }: { state: ConnectionState }) {
  const now = useNow(1000, state.kind === 'reconnecting');
  return (
    <span class={`staff-conn staff-conn-${state.kind}`} role="status">
      {connectionWords(state, now)}
    </span>
  );
}
