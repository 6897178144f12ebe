// The frame every staff page shares: a top bar with the page's name, who is signed in and a
// sign-out button, above the page's content. The desk and the console render inside it.
import type { ComponentChildren } from 'preact';
import { SignOutButton } from './sign_in';
import type { StaffSession } from './types';

export interface StaffFrameProps {
  title: string;
  session: StaffSession;
  onSignOut: () => Promise<void>;
  children: ComponentChildren;
}

export function StaffFrame({ title, session, onSignOut, children }: StaffFrameProps) {
  const who = session.displayName || session.user;
  return (
    <>
      <header class="staff-bar">
        <h1>{title}</h1>
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
