import { describe, expect, it } from 'vitest';
import { ApiError } from '../lib/errors';
import { RestClient } from '../lib/rest';
import { uploadAttachment, uploadErrorWords } from './upload';

type Call = { url: string; init: RequestInit };

function server(answer: Response) {
  const calls: Call[] = [];
  const rest = new RestClient('', (async (url: string, init: RequestInit) => {
    calls.push({ url, init });
    return answer;
  }) as unknown as typeof fetch);
  rest.csrfToken = 'csrf1';
  return { calls, rest };
}

const json = (status: number, body: unknown) => new Response(JSON.stringify(body), { status, headers: { 'Content-Type': 'application/json' } });
const file = (name: string, type: string, bytes = 'hello') => new File([bytes], name, { type });

describe('uploadAttachment', () => {
  it("POSTs the file's bytes with its type and the session's CSRF token, and gives the server's Attachment as is", async () => {
    const answer = { url: '/v1/blobs/ab?type=text%2Fplain&name=notes%20%231.txt&sig=ff', contentType: 'text/plain', fileName: 'notes #1.txt', sizeBytes: '5', sha256: 'ab' };
    const { calls, rest } = server(json(201, answer));
    await expect(uploadAttachment(rest, file('notes #1.txt', 'text/plain'))).resolves.toEqual(answer);
    expect(calls[0].url).toBe('/v1/blobs?name=notes%20%231.txt');
    expect(calls[0].init.method).toBe('POST');
    expect(calls[0].init.headers).toMatchObject({ 'Content-Type': 'text/plain', 'X-CSRF-Token': 'csrf1' });
    expect(calls[0].init.credentials).toBe('same-origin');
    expect(await new Response(calls[0].init.body as Blob).text()).toBe('hello');
  });

  it('sends a file of no known type as application/octet-stream', async () => {
    const { calls, rest } = server(json(201, { url: '/v1/blobs/cd?sig=1' }));
    await uploadAttachment(rest, file('data.bin', ''));
    expect((calls[0].init.headers as Record<string, string>)['Content-Type']).toBe('application/octet-stream');
  });

  it("rejects with the server's reason for a file too large (413) or of a type not allowed (415)", async () => {
    const big = server(json(413, { code: 'payload_too_large', message: 'the file is larger than the limit of 20 MiB' }));
    const tooBig = await uploadAttachment(big.rest, file('movie.mp4', 'video/mp4')).catch((e: unknown) => e);
    expect(tooBig).toBeInstanceOf(ApiError);
    expect(tooBig).toMatchObject({ code: 'payload_too_large', status: 413 });
    expect(uploadErrorWords('movie.mp4', tooBig)).toBe('Could not attach movie.mp4: the file is larger than the limit of 20 MiB');

    // The same, nested as {error: {code, message}}.
    const odd = server(json(415, { error: { code: 'unsupported_media_type', message: 'allowed: image/*, application/pdf, text/plain' } }));
    const refused = await uploadAttachment(odd.rest, file('page.html', 'text/html')).catch((e: unknown) => e);
    expect(refused).toMatchObject({ code: 'unsupported_media_type', status: 415 });
    expect(uploadErrorWords('page.html', refused)).toBe('Could not attach page.html: allowed: image/*, application/pdf, text/plain');
  });

  it('says so when the server cannot be reached, or answers without a blob URL', async () => {
    const rest = new RestClient('', (async () => { throw new TypeError('Failed to fetch'); }) as unknown as typeof fetch);
    expect(uploadErrorWords('a.png', await uploadAttachment(rest, file('a.png', 'image/png')).catch((e: unknown) => e))).toBe('Could not attach a.png: cannot reach the server');
    const { rest: odd } = server(json(201, { url: 'https://elsewhere/a.png' }));
    await expect(uploadAttachment(odd, file('a.png', 'image/png'))).rejects.toMatchObject({ code: 'internal' });
  });
});
