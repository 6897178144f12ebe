// JSON over HTTP for staff pages: the session cookie goes along (same origin), PUT/POST/DELETE
// carry the session's CSRF token in X-CSRF-Token, and a refusal ({code, message} with a status)
// becomes an ApiError with the status, and with Retry-After as retryAfterMs (429, 503).
import { ApiError } from './errors';

export type Method = 'GET' | 'POST' | 'PUT' | 'DELETE';

export class RestClient {
  /** Set by signIn / getSession (session.ts); sent on every state-changing request. */
  csrfToken = '';

  constructor(
    private readonly base = '',
    private readonly fetcher: typeof fetch = (...args) => fetch(...args),
  ) {}

  get<T>(path: string): Promise<T> {
    return this.call<T>('GET', path);
  }

  post<T>(path: string, body?: unknown): Promise<T> {
    return this.call<T>('POST', path, body);
  }

  put<T>(path: string, body?: unknown): Promise<T> {
    return this.call<T>('PUT', path, body);
  }

  delete<T>(path: string): Promise<T> {
    return this.call<T>('DELETE', path);
  }

  /** One request; resolves with the parsed JSON body (undefined for an empty one, as 204). */
  async call<T>(method: Method, path: string, body?: unknown): Promise<T> {
    const headers: Record<string, string> = { Accept: 'application/json' };
    if (body !== undefined) headers['Content-Type'] = 'application/json';
    if (method !== 'GET' && this.csrfToken) headers['X-CSRF-Token'] = this.csrfToken;
    let response: Response;
    try {
      response = await this.fetcher(this.base + path, {
        method,
        headers,
        credentials: 'same-origin',
        body: body === undefined ? undefined : JSON.stringify(body),
      });
    } catch (e) {
      throw new ApiError('network', `cannot reach the server (${String(e)})`, { retry: true });
    }
    const text = await response.text();
    if (!response.ok) throw refusal(response, text);
    return (text ? JSON.parse(text) : undefined) as T;
  }
}

function refusal(response: Response, text: string): ApiError {
  let code = `http_${response.status}`;
  let message = response.statusText;
  try {
    const parsed = JSON.parse(text) as { code?: string; message?: string };
    code = parsed.code ?? code;
    message = parsed.message ?? message;
  } catch {
    // not JSON (a proxy's error page): keep the status
  }
  const seconds = Number(response.headers.get('Retry-After'));
  const retryAfterMs = Number.isFinite(seconds) && seconds > 0 ? seconds * 1000 : 0;
  const retry = response.status === 429 || response.status === 503;
  return new ApiError(code, message, { status: response.status, retry, retryAfterMs });
}
