import { describe, expect, it } from 'vitest';
import { ApiError } from './errors';
import { RestClient } from './rest';
import { getSession, signIn, signOut } from './session';

type Call = { url: string; init: RequestInit };

function server(answers: Response[]) {
  const calls: Call[] = [];
  const fetcher = (async (url: string, init: RequestInit) => {
    calls.push({ url, init });
    const next = answers.shift();
    if (!next) throw new TypeError('Failed to fetch');
    return next;
  }) as unknown as typeof fetch;
  return { calls, rest: new RestClient('', fetcher) };
}

const json = (status: number, body: unknown, headers: Record<string, string> = {}) =>
  new Response(body === undefined ? null : JSON.stringify(body), { status, headers });

describe('RestClient and the session', () => {
  it('signs in, then sends the CSRF token on writes only, with the cookie', async () => {
    const session = { user: 'ana', role: 'agent', csrfToken: 'tok', displayName: 'Ana' };
    const { calls, rest } = server([json(200, session), json(200, { agents: [] }), json(204, undefined)]);
    await expect(signIn(rest, 'ana', 'pw')).resolves.toMatchObject({ user: 'ana' });
    expect(JSON.parse(String(calls[0].init.body))).toEqual({ user: 'ana', password: 'pw' });
    await rest.get('/v1/agents');
    await signOut(rest);
    const headers = calls.map((c) => (c.init.headers as Record<string, string>)['X-CSRF-Token']);
    expect(headers).toEqual([undefined, undefined, 'tok']);
    expect(calls.every((c) => c.init.credentials === 'same-origin')).toBe(true);
    expect(calls[2].init.method).toBe('DELETE');
    expect(rest.csrfToken).toBe('');
  });

  it('turns refusals into ApiErrors with the status and Retry-After', async () => {
    const { rest } = server([
      json(401, { code: 'bad_credentials', message: 'no' }),
      json(429, { code: 'too_many_attempts' }, { 'Retry-After': '30' }),
      new Response('<html>bad gateway</html>', { status: 502 }),
    ]);
    await expect(signIn(rest, 'ana', 'x')).rejects.toMatchObject({ code: 'bad_credentials', status: 401 });
    const throttled = await signIn(rest, 'ana', 'x').catch((e: unknown) => e);
    expect(throttled).toBeInstanceOf(ApiError);
    expect(throttled).toMatchObject({ code: 'too_many_attempts', status: 429, retryAfterMs: 30_000, retry: true });
    await expect(rest.get('/v1/queues')).rejects.toMatchObject({ code: 'http_502', status: 502 });
    await expect(rest.get('/v1/queues')).rejects.toMatchObject({ code: 'network', retry: true });
  });

  it('reads "not signed in" as null', async () => {
    const { rest } = server([json(401, { code: 'unauthorized' })]);
    await expect(getSession(rest)).resolves.toBeNull();
  });
});
