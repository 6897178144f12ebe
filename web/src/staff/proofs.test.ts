import { describe, expect, it, vi } from 'vitest';
import type { Event } from '../lib/types';
import type { CustomerProfile } from './api';
import { Conv } from './conv';
import { timeWords } from './format';
import { proofDetails, type ProofRefresher, refreshAfterProof, unseenProof } from './proofs';

const at = Date.UTC(2025, 11, 2, 9, 30);
const proved = (seq: number, merged: string[] = []): Event => ({
  conversationId: 'c1', seq: String(seq), atMs: String(at), eventId: `e${seq}`, actor: 'CUST',
  identityProved: { channel: 'CHANNEL_SMS', address: '+34600111222', method: 'sms_code', mergedCustomerIds: merged },
});
const before: CustomerProfile = { id: 'CUST', identities: [{ channel: 'CHANNEL_WEB', address: 'v-1' }] };
const after: CustomerProfile = {
  id: 'CUST',
  identities: [...before.identities!, { channel: 'CHANNEL_SMS', address: '+34600111222', proof: { method: 'sms_code', atMs: String(at), conversationId: 'c1' } }],
};

describe('proofDetails', () => {
  it('says how and when, and whether it was in this conversation', () => {
    const sms = after.identities![1];
    expect(proofDetails(sms, 'c1', at)).toBe(`by SMS code on ${timeWords(at, at)}, in this conversation`);
    expect(proofDetails(sms, 'c2', at)).toBe(`by SMS code on ${timeWords(at, at)}`);
    expect(proofDetails(before.identities![0], 'c1')).toBe('');
    const email = { channel: 'CHANNEL_EMAIL' as const, address: 'ana@example.org', proof: { method: 'email_code', atMs: String(at), conversationId: 'c1' } };
    expect(proofDetails(email, 'c1', at)).toBe(`by email code on ${timeWords(at, at)}, in this conversation`);
  });
});

describe('unseenProof', () => {
  it('is the proof the profile was read before', () => {
    expect(unseenProof([proved(3)], before)?.seq).toBe('3');
    expect(unseenProof([proved(3)], after)).toBeNull();
    expect(unseenProof([proved(3)], null)).toBeNull(); // the profile is on its way, read after it
    expect(unseenProof([{ seq: '1' }], before)).toBeNull();
  });
});

describe('refreshAfterProof', () => {
  function desk(conv: Conv) {
    const ws: ProofRefresher = {
      convs: new Map([[conv.id, conv]]),
      customers: { refresh: vi.fn(async (_id: string, apply: (c: CustomerProfile) => void) => apply(after)) },
      loadHistory: vi.fn(async () => undefined),
    };
    return ws;
  }
  function paneWith(events: Event[], historyLoaded = true): Conv {
    const conv = new Conv('c1', 'owner', () => undefined);
    conv.customerId = 'CUST';
    conv.customer = before;
    conv.historyLoaded = historyLoaded;
    for (const e of events) conv.log.add(e);
    return conv;
  }

  it('reads the profile again once, and the timeline when customers were merged in', async () => {
    const conv = paneWith([proved(7, ['WA1'])]);
    const ws = desk(conv);
    const version = conv.version;
    refreshAfterProof(ws, conv);
    refreshAfterProof(ws, conv);
    await Promise.resolve();
    expect(ws.customers.refresh).toHaveBeenCalledTimes(1);
    expect(ws.loadHistory).toHaveBeenCalledWith('c1', true);
    expect(conv.customer).toBe(after);
    expect(conv.version).toBeGreaterThan(version);
    refreshAfterProof(ws, conv);
    expect(ws.customers.refresh).toHaveBeenCalledTimes(1);
  });

  it('leaves the timeline alone when nobody was merged in', async () => {
    const conv = paneWith([proved(8)]);
    const ws = desk(conv);
    refreshAfterProof(ws, conv);
    await Promise.resolve();
    expect(ws.customers.refresh).toHaveBeenCalledTimes(1);
    expect(ws.loadHistory).not.toHaveBeenCalled();
  });
});

describe('Conv.addTimeline', () => {
  it('keeps the history in time order when a merged customer brings older events', () => {
    const conv = new Conv('c1', 'owner', () => undefined);
    const e = (id: string, conversationId: string, atMs: number): Event => ({ eventId: id, conversationId, atMs: String(atMs), seq: '1' });
    conv.addTimeline([e('a', 'web0', 2000)]);
    conv.addTimeline([e('w', 'wa1', 1000), e('a', 'web0', 2000), e('b', 'web0', 3000)]);
    expect(conv.history.map((x) => x.eventId)).toEqual(['w', 'a', 'b']);
    expect(conv.historyGroups().map((g) => g.conversationId)).toEqual(['wa1', 'web0']);
  });
});
