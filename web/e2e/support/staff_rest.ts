// REST calls as a signed-in staff page makes them (its session cookie; the CSRF token for a
// change), and the lead's profile changes the tests need (making Ana a trainee).
import { expect, type Page } from '@playwright/test';

/**
 * A REST call from a staff page, as the page makes it: its session cookie, and the CSRF token for
 * a change. The body is parsed as JSON when it is JSON, else given as text.
 */
export async function staffFetch<T>(page: Page, method: string, path: string, body?: unknown): Promise<{ status: number; body: T; text: string }> {
  return page.evaluate(
    async ({ method, path, body }) => {
      const headers: Record<string, string> = { Accept: 'application/json' };
      if (method !== 'GET') {
        const session = (await (await fetch('/v1/session')).json()) as { csrfToken: string };
        headers['X-CSRF-Token'] = session.csrfToken;
        headers['Content-Type'] = 'application/json';
      }
      const r = await fetch(path, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
      const text = await r.text();
      let parsed: unknown = null;
      try {
        parsed = text ? JSON.parse(text) : null;
      } catch {
        parsed = null;
      }
      return { status: r.status, body: parsed as T, text };
    },
    { method, path, body },
  );
}

/** Changes an agent's profile as the lead (GET, then PUT /v1/agents/{id} with the change). */
export async function changeProfile(lead: Page, id: string, change: (profile: Record<string, unknown>) => Record<string, unknown>): Promise<Record<string, unknown>> {
  const got = await staffFetch<Record<string, unknown>>(lead, 'GET', `/v1/agents/${id}`);
  expect(got.status).toBe(200);
  const { id: _id, connections: _c, status: _s, statusSinceMs: _t, ...profile } = got.body;
  const put = await staffFetch<unknown>(lead, 'PUT', `/v1/agents/${id}`, change(profile));
  expect(put.status, JSON.stringify(put.body)).toBe(200);
  return (await staffFetch<Record<string, unknown>>(lead, 'GET', `/v1/agents/${id}`)).body;
}

/** Makes Ana a trainee, or not, as the lead. */
export async function setTrainee(lead: Page, trainee: boolean): Promise<void> {
  const after = await changeProfile(lead, 'ana', (p) => ({ ...p, trainee }));
  expect(after.trainee ?? false).toBe(trainee);
}
