// The customers' profiles (GET /v1/customers/{id}: name, email, identities), each fetched once
// per page life (and again after a change the page saw: a proof) and shared by every conversation
// of that customer. A failed fetch is forgotten so the next use asks again.
import type { RestClient } from '../lib/rest';
import type { CustomerProfile } from './api';

export class CustomerDirectory {
  private readonly known_ = new Map<string, Promise<CustomerProfile | null>>();

  constructor(
    private readonly rest: RestClient,
    private readonly onLoaded: () => void = () => undefined,
  ) {}

  /** The profile, or null when it cannot be read (not found, or the server is away). */
  get(id: string): Promise<CustomerProfile | null> {
    let p = this.known_.get(id);
    if (!p) {
      p = this.rest.get<{ customer?: CustomerProfile }>(`/v1/customers/${encodeURIComponent(id)}`).then(
        (r) => {
          this.onLoaded();
          return r.customer ?? null;
        },
        () => {
          this.known_.delete(id);
          return null;
        },
      );
      this.known_.set(id, p);
    }
    return p;
  }

  /**
   * Reads the profile again (it changed: the customer proved a number). `apply` gets the new one
   * before the page is told; on failure the one held stays.
   */
  async refresh(id: string, apply: (c: CustomerProfile) => void): Promise<void> {
    try {
      const r = await this.rest.get<{ customer?: CustomerProfile }>(`/v1/customers/${encodeURIComponent(id)}`);
      if (!r.customer) return;
      this.known_.set(id, Promise.resolve(r.customer));
      apply(r.customer);
      this.onLoaded();
    } catch {
      // the panels keep the profile they had
    }
  }
}
