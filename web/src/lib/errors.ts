// One error type for everything the server refuses, over the WebSocket (an `error` frame) or REST
// (a JSON body {code, message} with an HTTP status), plus the client's own failures
// ("disconnected", "timeout", "signed_out", "network"), so a page handles them in one place.
import type { ErrorBody } from './types';

export class ApiError extends Error {
  /** Stable code: the server's (docs/PROTOCOL.md "Errors") or the client's own. */
  readonly code: string;
  /** The same request may be sent again later. */
  readonly retry: boolean;
  /** When to send it again (rate_limited, or an HTTP Retry-After), in ms; 0 when not said. */
  readonly retryAfterMs: number;
  /** The HTTP status for REST errors; 0 on the WebSocket. */
  readonly status: number;

  constructor(code: string, message: string, options: { retry?: boolean; retryAfterMs?: number; status?: number } = {}) {
    super(message || code);
    this.name = 'ApiError';
    this.code = code;
    this.retry = options.retry ?? false;
    this.retryAfterMs = options.retryAfterMs ?? 0;
    this.status = options.status ?? 0;
  }

  static fromFrame(error: ErrorBody): ApiError {
    const code = error.code ?? 'internal';
    return new ApiError(code, error.message ?? '', {
      retry: error.retry ?? (code === 'rate_limited' || code === 'retry'),
      retryAfterMs: error.retryAfterMs ?? 0,
    });
  }
}

/** Whether `e` is an ApiError with that code. */
export function isApiError(e: unknown, code?: string): e is ApiError {
  return e instanceof ApiError && (code === undefined || e.code === code);
}
