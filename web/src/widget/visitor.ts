// The widget's identity: a visitor token from POST /v1/visitors (cross-origin from the host page;
// the server answers CORS), kept in localStorage until shortly before its expiresAt so that a
// reload or another page of the site is the same customer, in the same conversation.
import { ApiError } from '../lib/errors';
import type { VisitorToken } from '../lib/types';
import type { WidgetStorage } from './widget_storage';

/** A token this close to its expiry is renewed rather than used. */
const renewBeforeMs = 5 * 60_000;

export interface Visitor {
  token: string;
  visitorId: string;
  expiresAtMs: number;
}

export class VisitorTokens {
  constructor(
    private readonly server: string,
    private readonly storage: WidgetStorage,
    /** A new visitor was made: whatever the old one had (its conversation) is not ours any more. */
    private readonly onNewVisitor: () => void,
  ) {}

  /** The stored token if still good (and not `fresh`), else a new one. */
  async token(fresh: boolean): Promise<string> {
    const kept = this.storage.visitor();
    if (!fresh && kept && kept.expiresAtMs - Date.now() > renewBeforeMs) return kept.token;
    const visitor = await this.mint();
    this.storage.setVisitor(visitor);
    if (kept?.visitorId !== visitor.visitorId) this.onNewVisitor();
    return visitor.token;
  }

  /** Whether the stored token is still good: a failed handshake with a good one is an outage. */
  valid(): boolean {
    const kept = this.storage.visitor();
    return !!kept && kept.expiresAtMs > Date.now();
  }

  private async mint(): Promise<Visitor> {
    let response: Response;
    try {
      response = await fetch(`${this.server}/v1/visitors`, {
        method: 'POST',
        headers: { 'Content-Type': 'application/json' },
        body: '{}',
        credentials: 'omit',
        mode: 'cors',
      });
    } catch (e) {
      throw new ApiError('network', String(e), { retry: true });
    }
    if (!response.ok) {
      const seconds = Number(response.headers.get('Retry-After'));
      throw new ApiError(`http_${response.status}`, 'no visitor token', {
        status: response.status,
        retry: response.status === 429 || response.status >= 500,
        retryAfterMs: seconds > 0 ? seconds * 1000 : 0,
      });
    }
    const body = (await response.json()) as VisitorToken;
    const expiresAt = Number(body.expiresAt ?? 0);
    return { token: body.token, visitorId: body.visitorId ?? '', expiresAtMs: expiresAt > 0 ? expiresAt * 1000 : Date.now() + 3_600_000 };
  }
}
