// JSON over HTTP for staff pages: the session cookie goes along (same origin), PUT/POST/DELETE
// carry the session's CSRF token in X-CSRF-Token, and a refusal ({code, message} with a status,
// also read when nested as {error: {code, message}}) becomes an ApiError with the status, and
// with Retry-After as retryAfterMs (429, 503). `upload` POSTs raw bytes (a file) the same way.
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
  call<T>(method: Method, path: string, body?: unknown): Promise<T> {
    if (body === undefined) return this.send<T>(method, path);
    return this.send<T>(method, path, JSON.stringify(body), 'application/json');
  }

  /** POSTs `data` as is (a file's bytes) with its Content-Type; resolves with the JSON answer. */
  upload<T>(path: string, data: Blob, contentType: string): Promise<T> {
    return this.send<T>('POST', path, data, contentType || 'application/octet-stream');
  }

  private async send<T>(method: Method, path: string, body?: BodyInit, contentType?: string): Promise<T> {
    const headers: Record<string, string> = { Accept: 'application/json' };
    if (contentType) headers['Content-Type'] = contentType;
    if (method !== 'GET' && this.csrfToken) headers['X-CSRF-Token'] = this.csrfToken;
    let response: Response;
    try {
      response = await this.fetcher(this.base + path, { method, headers, credentials: 'same-origin', body });
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
    const parsed = JSON.parse(text) as { code?: string; message?: string; error?: { code?: string; message?: string } };
    const said = typeof parsed.error === 'object' && parsed.error ? parsed.error : parsed;
    code = said.code ?? code;
    message = said.message ?? message;
  } catch {
    // not JSON (a proxy's error page): keep the status
  }
  const seconds = Number(response.headers.get('Retry-After'));
  const retryAfterMs = Number.isFinite(seconds) && seconds > 0 ? seconds * 1000 : 0;
  const retry = response.status === 429 || response.status === 503;
  return new ApiError(code, message, { status: response.status, retry, retryAfterMs });
}
