import { describe, expect, it } from 'vitest';
import type { Attachment, Event } from '../lib/types';
import { timelineItems } from './timeline';

const cust = 'CUST1';
const stored = (name: string, type: string, size: number): Attachment =>
  ({ url: `/v1/blobs/${'a'.repeat(64)}?type=${encodeURIComponent(type)}&name=${name}&sig=ff`, contentType: type, fileName: name, sizeBytes: String(size), sha256: 'a'.repeat(64) });
const inConv = (conversationId: string, seq: number, rest: Partial<Event>): Event => ({ conversationId, seq: String(seq), atMs: String(seq * 1000), ...rest });
const waImage = (conversationId: string, seq: number, attachments: Attachment[]) =>
  inConv(conversationId, seq, { actor: cust, message: { direction: 'DIRECTION_INBOUND', channel: 'CHANNEL_WHATSAPP', body: '', attachments } });
const media = (conversationId: string, seq: number, of: number, index: number, outcome: { attachment?: Attachment; error?: string }) =>
  inConv(conversationId, seq, { actor: 'media', mediaStored: { messageSeq: String(of), ...(index ? { index } : {}), ...outcome } });
const shown = (events: Event[]) =>
  timelineItems(events, [], { customerId: cust }).flatMap((i) => (i.kind === 'message' ? [i.attachments] : []));

describe('mediaStored', () => {
  const photo = { url: 'whatsapp-media:111', contentType: 'image/jpeg' };
  const voice = { url: 'whatsapp-media:222', contentType: 'audio/ogg' };

  it('shows a provider reference as being fetched, then the stored copy, never the reference itself', () => {
    const message = waImage('c1', 1, [photo]);
    expect(shown([message])).toEqual([[{ state: 'fetching', kind: 'image' }]]);
    const copy = stored('photo.jpg', 'image/jpeg', 1234);
    expect(shown([message, media('c1', 2, 1, 0, { attachment: copy })])).toEqual([[
      { state: 'stored', url: copy.url, contentType: 'image/jpeg', fileName: 'photo.jpg', sizeBytes: 1234, kind: 'image' },
    ]]);
  });

  it("says why one could not be fetched, each attachment by its index; the message's own line adds nothing else", () => {
    const events = [waImage('c1', 1, [photo, voice]), media('c1', 2, 1, 1, { error: 'larger than 20 MiB' })];
    expect(shown(events)).toEqual([[{ state: 'fetching', kind: 'image' }, { state: 'failed', kind: 'audio', error: 'larger than 20 MiB' }]]);
    expect(timelineItems(events, [], { customerId: cust })).toHaveLength(1);
  });

  it("keeps each conversation's messages apart (an earlier conversation's seq 1 is not this one's)", () => {
    const old = stored('old.jpg', 'image/jpeg', 10);
    const events = [waImage('old', 1, [photo]), media('old', 2, 1, 0, { attachment: old }), waImage('new', 1, [photo])];
    const [then, now] = shown(events);
    expect(then).toMatchObject([{ state: 'stored', fileName: 'old.jpg' }]);
    expect(now).toEqual([{ state: 'fetching', kind: 'image' }]);
    expect(shown([...events, media('new', 2, 1, 0, { error: 'the provider answered 404' })])[1])
      .toEqual([{ state: 'failed', kind: 'image', error: 'the provider answered 404' }]);
  });

  it("keeps the provider's file name when the stored copy has none, and ignores a stored URL outside the blob store", () => {
    const doc = { url: 'telegram-file:AgAD', contentType: 'application/pdf', fileName: 'invoice.pdf' };
    const copy = { ...stored('', 'application/pdf', 2048), fileName: '' };
    expect(shown([waImage('c1', 1, [doc]), media('c1', 2, 1, 0, { attachment: copy })])[0]).toMatchObject([{ state: 'stored', fileName: 'invoice.pdf', sizeBytes: 2048 }]);
    expect(shown([waImage('c1', 1, [doc]), media('c1', 2, 1, 0, { attachment: { ...copy, url: 'https://elsewhere/x' } })])[0])
      .toEqual([{ state: 'fetching', kind: 'file' }]);
  });

  it("shows an agent's upload at once: it is in the blob store already", () => {
    const file = stored('report.pdf', 'application/pdf', 1_258_291);
    const reply = inConv('c1', 3, { actor: 'ana', message: { direction: 'DIRECTION_OUTBOUND', channel: 'CHANNEL_WEB', body: '', attachments: [file], authorId: 'ana' } });
    expect(shown([reply])).toEqual([[{ state: 'stored', url: file.url, contentType: 'application/pdf', fileName: 'report.pdf', sizeBytes: 1_258_291, kind: 'file' }]]);
  });
});
