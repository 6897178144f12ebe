// A staff member's browser session: POST /v1/session signs in (the server sets an HttpOnly
// cookie and returns the CSRF token), GET tells who is signed in, DELETE signs out (and the
// server closes that session's sockets with 4003). The CSRF token is handed to the RestClient.
import { isApiError } from './errors';
import type { RestClient } from './rest';
import type { StaffSession } from './types';

/** Who is signed in, or null (401). */
export async function getSession(rest: RestClient): Promise<StaffSession | null> {
  try {
    const session = await rest.get<StaffSession>('/v1/session');
    rest.csrfToken = session.csrfToken;
    return session;
  } catch (e) {
    if (isApiError(e) && e.status === 401) return null;
    throw e;
  }
}

/**
 * Signs in. Refusals are ApiErrors: status 401 "bad_credentials", status 429
 * "too_many_attempts" with retryAfterMs.
 */
export async function signIn(rest: RestClient, user: string, password: string): Promise<StaffSession> {
  const session = await rest.post<StaffSession>('/v1/session', { user, password });
  rest.csrfToken = session.csrfToken;
  return session;
}

/** Signs out; being signed out already (401) counts as done. */
export async function signOut(rest: RestClient): Promise<void> {
  try {
    await rest.delete<void>('/v1/session');
  } catch (e) {
    if (!(isApiError(e) && e.status === 401)) throw e;
  } finally {
    rest.csrfToken = '';
  }
}

/** For Connection's `checkAuth` on a staff page: a failed handshake while signed out means so. */
export async function staffAuthCheck(rest: RestClient): Promise<'ok' | 'signed_out'> {
  return (await getSession(rest)) ? 'ok' : 'signed_out';
}
