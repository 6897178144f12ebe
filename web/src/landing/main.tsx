// The landing page is plain HTML (index.html); this adds the development sign-ins when the server
// has any (GET /v1/dev-users: an empty list, or no such endpoint, in production: then nothing).
import { render } from 'preact';
import '../styles/base.css';
import './landing.css';
import type { DevUser } from '../lib/types';
import { DevUsers } from './dev_users';

async function devUsers(): Promise<DevUser[]> {
  try {
    const response = await fetch('/v1/dev-users', { credentials: 'same-origin', headers: { Accept: 'application/json' } });
    if (!response.ok) return [];
    const body = (await response.json()) as { users?: DevUser[] };
    return Array.isArray(body.users) ? body.users : [];
  } catch {
    return [];
  }
}

const section = document.getElementById('dev-users');
if (section) {
  void devUsers().then((users) => {
    if (users.length === 0) return;
    render(<DevUsers users={users} />, section);
    section.hidden = false;
  });
}
