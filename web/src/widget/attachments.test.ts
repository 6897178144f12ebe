import { describe, expect, it } from 'vitest';
import { blobHref } from '../lib/attachments';
import type { LoggedEvent } from '../lib/conversation_log';
import { readSettings } from './settings';
import { transcriptLines } from './transcript';

const blob = '/v1/blobs/0f?type=image%2Fpng&name=a.png&sig=aa';
const reply = (seq: number, body: string, attachments: NonNullable<LoggedEvent['message']>['attachments']): LoggedEvent => ({
  seq: String(seq), actor: 'ana', message: { direction: 'DIRECTION_OUTBOUND', body, authorId: 'ana', clientMessageId: `a${seq}`, attachments },
});

describe("the widget's attachments", () => {
  it("shows an agent's stored files with the message, body or not, and nothing that is not in the blob store", () => {
    const lines = transcriptLines([
      reply(1, '', [{ url: blob, contentType: 'image/png', fileName: 'a.png', sizeBytes: '67' }]),
      reply(2, 'the form', [{ url: 'https://elsewhere.example/f.pdf', contentType: 'application/pdf' }]),
    ], [], 0);
    expect(lines.map((l) => (l.kind === 'message' ? [l.text, l.attachments] : []))).toEqual([
      ['', [{ state: 'stored', url: blob, contentType: 'image/png', fileName: 'a.png', sizeBytes: 67, kind: 'image' }]],
      ['the form', []],
    ]);
  });

  it('loads them from its Switchboard, not from the site it is embedded in', () => {
    const script = { dataset: { server: 'https://chat.example.com/some/path' }, src: 'https://cdn.example.net/widget.js' } as unknown as HTMLScriptElement;
    const onShop = readSettings(script, 'https://shop.example.org/cart');
    expect(blobHref(onShop.server, blob)).toBe(`https://chat.example.com${blob}`);
    const loadedFrom = { dataset: {}, src: 'https://chat.example.com/widget.js' } as unknown as HTMLScriptElement;
    expect(blobHref(readSettings(loadedFrom, 'https://shop.example.org/').server, blob)).toBe(`https://chat.example.com${blob}`);
  });
});
