// The development sign-ins, as a table with the passwords (only a development server lists any).
import { useState } from 'preact/hooks';
import type { DevUser } from '../lib/types';

const where: Record<string, string> = { agent: '/desk/', lead: '/console/', admin: '/console/' };

export function DevUsers({ users }: { users: DevUser[] }) {
  return (
    <>
      <h2 id="dev-title">Development sign-ins</h2>
      <p class="dev-note">This server runs with development accounts. Use them on the desk and the console; a
        production server lists none.</p>
      <div class="table-wrap">
        <table>
          <thead>
            <tr><th scope="col">Name</th><th scope="col">Role</th><th scope="col">Teams</th><th scope="col">User</th><th scope="col">Password</th><th scope="col"><span class="sr-only">Open</span></th></tr>
          </thead>
          <tbody>
            {users.map((u) => (
              <tr key={u.id}>
                <th scope="row">{u.displayName || u.id}</th>
                <td><span class={`role role-${u.role}`}>{u.role}</span></td>
                <td>{(u.teams ?? []).join(', ') || '—'}</td>
                <td><code>{u.id}</code></td>
                <td>{u.password ? <Secret value={u.password} label={`Copy ${u.id}'s password`} /> : '—'}</td>
                <td><a href={where[u.role] ?? '/desk/'}>Open {u.role === 'agent' ? 'desk' : 'console'}</a></td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
    </>
  );
}

function Secret({ value, label }: { value: string; label: string }) {
  const [copied, setCopied] = useState(false);
  const copy = () =>
    navigator.clipboard?.writeText(value).then(() => {
      setCopied(true);
      setTimeout(() => setCopied(false), 1500);
    }, () => undefined);
  return (
    <span class="secret">
      <code>{value}</code>
      {navigator.clipboard && (
        <button type="button" class="copy" aria-label={label} onClick={copy}>{copied ? 'Copied' : 'Copy'}</button>
      )}
      <span class="sr-only" aria-live="polite">{copied ? 'Copied' : ''}</span>
    </span>
  );
}
