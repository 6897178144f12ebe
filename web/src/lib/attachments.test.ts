import { describe, expect, it } from 'vitest';
import { attachmentKind, attachmentsWords, blobHref, isStoredBlob, showsAsImage, sizeWords, storedAttachment } from './attachments';

describe('sizeWords', () => {
  it('says a size in binary units, one decimal under ten', () => {
    expect(sizeWords(0)).toBe('0 B');
    expect(sizeWords(1023)).toBe('1023 B');
    expect(sizeWords(1024)).toBe('1 KB');
    expect(sizeWords(1536)).toBe('1.5 KB');
    expect(sizeWords(12_345)).toBe('12 KB');
    expect(sizeWords(1.2 * 1024 * 1024)).toBe('1.2 MB');
    expect(sizeWords(20 * 1024 * 1024)).toBe('20 MB');
    expect(sizeWords(1024 * 1024 - 10)).toBe('1 MB'); // 1023.99 KB
    expect(sizeWords(3 * 1024 ** 3)).toBe('3 GB');
    expect(sizeWords(-1)).toBe('');
    expect(sizeWords(Number.NaN)).toBe('');
  });
});

describe('attachments', () => {
  it('tells stored blobs from provider references, which are never loaded', () => {
    expect(isStoredBlob('/v1/blobs/ab12?type=image%2Fpng&name=a.png&sig=9f')).toBe(true);
    expect(isStoredBlob('whatsapp-media:1234')).toBe(false);
    expect(isStoredBlob('telegram-file:AgAD')).toBe(false);
    expect(isStoredBlob('https://lookaside.fbsbx.com/x')).toBe(false);
    expect(isStoredBlob('//evil.example/v1/blobs/x')).toBe(false);
    expect(isStoredBlob(undefined)).toBe(false);
  });

  it('names the kind from the content type, and shows as pictures only what the server serves inline', () => {
    expect(['image/png', 'video/mp4', 'audio/ogg; codecs=opus', 'application/pdf', '', undefined].map(attachmentKind))
      .toEqual(['image', 'video', 'audio', 'file', 'file', 'file']);
    expect(['image/png', 'image/jpeg', 'image/gif', 'image/webp', 'IMAGE/PNG'].every(showsAsImage)).toBe(true);
    expect(['image/svg+xml', 'image/heic', 'application/pdf'].some(showsAsImage)).toBe(false);
  });

  it('reads an Attachment with defaults, and says it in a few words', () => {
    expect(storedAttachment({ url: '/v1/blobs/ab', sizeBytes: '2048' }))
      .toEqual({ state: 'stored', url: '/v1/blobs/ab', contentType: 'application/octet-stream', fileName: '', sizeBytes: 2048, kind: 'file' });
    expect(attachmentsWords([{ contentType: 'image/jpeg', fileName: 'a.jpg' }])).toBe('Image: a.jpg');
    expect(attachmentsWords([{ contentType: 'application/pdf' }, { contentType: 'image/png' }])).toBe('File (+1)');
    expect(attachmentsWords([])).toBe('');
  });
});

describe('blobHref', () => {
  const url = '/v1/blobs/ab12?type=image%2Fpng&name=a.png&sig=9f';
  it("prefixes the widget's server (the page is the customer's site); the desk's own origin is ''", () => {
    expect(blobHref('https://switchboard.example', url)).toBe(`https://switchboard.example${url}`);
    expect(blobHref('https://switchboard.example/', url)).toBe(`https://switchboard.example${url}`);
    expect(blobHref('', url)).toBe(url);
  });
  it('never makes a URL of anything not in the blob store', () => {
    expect(blobHref('https://switchboard.example', 'whatsapp-media:1')).toBe('');
    expect(blobHref('https://switchboard.example', 'https://evil.example/x.png')).toBe('');
    expect(blobHref('', undefined)).toBe('');
  });
});
