// A customer proved a phone number or an email address in the chat (an `identityProved` event):
// the customer panel marks that identity "confirmed" (how and when in its title), and a pane open
// while it happened reads the profile again — and, when the proof merged into the customer those
// who had written from the number or address, their timeline too, so those conversations show
// without a reload.
import type { LoggedEvent } from '../lib/conversation_log';
import { int } from '../lib/ids';
import type { CustomerIdentity, CustomerProfile } from './api';
import type { Conv } from './conv';
import { timeWords } from './format';
import { proofMethodWords } from './timeline';

/** How and when an identity was proven: "by SMS code on 3 Dec 14:05, in this conversation"; "" when not. */
export function proofDetails(identity: CustomerIdentity, conversationId: string, nowMs = Date.now()): string {
  const p = identity.proof;
  if (!p) return '';
  const at = int(p.atMs);
  const parts = [proofMethodWords(p.method), at ? `on ${timeWords(at, nowMs)}` : ''].filter(Boolean).join(' ');
  const where = p.conversationId === conversationId ? 'in this conversation' : '';
  return [parts, where].filter(Boolean).join(', ');
}

/** The latest proof in the events the profile does not show yet (it was read before it), or null. */
export function unseenProof(events: readonly LoggedEvent[], customer: CustomerProfile | null): LoggedEvent | null {
  if (!customer) return null; // the profile, read later, will have it
  for (let i = events.length - 1; i >= 0; i -= 1) {
    const e = events[i];
    if (!e.identityProved || e.local) continue;
    const address = e.identityProved.address ?? '';
    const shown = (customer.identities ?? []).some((id) => id.address === address && id.proof);
    return shown ? null : e;
  }
  return null;
}

/** What a refresh needs of the workspace (its public side). */
export interface ProofRefresher {
  readonly convs: ReadonlyMap<string, Conv>;
  readonly customers: { refresh(id: string, apply: (c: CustomerProfile) => void): Promise<void> };
  loadHistory(id: string, fromStart?: boolean): Promise<void>;
}

const refreshed = new Set<string>();

/**
 * After a proof the pane saw happen: the customer's profile again (every pane of theirs), and
 * their timeline from the start when customers were merged into them. Once per proof.
 */
export function refreshAfterProof(ws: ProofRefresher, conv: Conv): void {
  const proof = unseenProof(conv.log.events, conv.customer);
  const key = proof && `${conv.id}:${proof.seq}`;
  if (!proof || !key || refreshed.has(key) || !conv.customerId) return;
  refreshed.add(key);
  const customerId = conv.customerId;
  void ws.customers.refresh(customerId, (profile) => {
    for (const c of ws.convs.values()) {
      if (c.customerId !== customerId) continue;
      c.customer = profile;
      c.touch();
    }
  });
  if (proof.identityProved?.mergedCustomerIds?.length && conv.historyLoaded) void ws.loadHistory(conv.id, true);
}
