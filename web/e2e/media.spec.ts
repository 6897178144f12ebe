// Attachments in real browsers against a real Switchboard (issue 13, point 5). Ana attaches a
// picture (a PNG made here) to a reply and sends it with no text, then a text file with a line:
// both show in her desk (a thumbnail opening the full image in a new tab; a link with the name and
// size) and in the widget of a customer on a site of their own (another origin: the widget loads
// them from its Switchboard, never from the site), and both browsers load them. Before that, the
// server's refusals (too large, a type not allowed) show in its own words, and an attachment is
// removed unsent. A WhatsApp customer's photo is fetched by the server from the provider (a local
// fake of the Cloud API's media endpoints that checks the token): "Fetching image…" while the
// provider holds it, then the picture; a medium the provider does not have says why, as the
// server's mediaStored event says. The desk never asks the provider for anything itself.
import { createHash } from 'node:crypto';
import type { APIRequestContext, Locator, Page } from '@playwright/test';
import type { Event } from '../src/lib/types';
import { CustomerSite } from './support/customer_site';
import * as desk from './support/desk';
import { deskOf, eventsOf } from './support/desk_people';
import { FakeGraph } from './support/fake_graph';
import { expect, expectAccessible, screenshot, test, useSwitchboard } from './support/fixtures';
import { bandsPng } from './support/png';
import { postWhatsApp } from './support/whatsapp';
import * as widget from './support/widget';

/** The uploads' limit in this test's config (the default is 20 MiB): a refusal costs little to provoke. */
const maxBytes = 64 * 1024;
const sha256 = (b: Buffer) => createHash('sha256').update(b).digest('hex');
const blobUrl = /^\/v1\/blobs\/[0-9a-f]{64}\?/;

interface FileToSend {
  name: string;
  mimeType: string;
  buffer: Buffer;
}

/** POST /v1/blobs from the desk page itself (its cookie and CSRF token): what the server answers. */
async function uploadAsPage(page: Page, file: FileToSend): Promise<{ status: number; code: string; message: string }> {
  return page.evaluate(async ({ name, mimeType, bytes }) => {
    const session = (await (await fetch('/v1/session')).json()) as { csrfToken: string };
    const r = await fetch(`/v1/blobs?name=${encodeURIComponent(name)}`, {
      method: 'POST', headers: { 'Content-Type': mimeType, 'X-CSRF-Token': session.csrfToken }, body: new Uint8Array(bytes),
    });
    const said = (await r.json().catch(() => ({}))) as { code?: string; message?: string; error?: { code?: string; message?: string } };
    const e = said.error ?? said;
    return { status: r.status, code: e.code ?? '', message: e.message ?? '' };
  }, { name: file.name, mimeType: file.mimeType, bytes: [...file.buffer] });
}

/** Resolves once the picture is decoded: its naturalWidth. */
async function decodedWidth(img: Locator): Promise<number> {
  let width = 0;
  const read = () => img.evaluate((i) => (i instanceof HTMLImageElement && i.complete ? i.naturalWidth : 0));
  await expect.poll(async () => (width = await read())).toBeGreaterThan(0);
  return width;
}

test.describe("an agent's files", () => {
  const sb = useSwitchboard({ name: 'media', edits: [[/^router:/m, `channels:\n  media: {max_bytes: ${maxBytes}}\n\nrouter:`]] });
  let site: CustomerSite | null = null;
  test.beforeAll(async () => {
    site = await CustomerSite.start(sb.server.url);
  });
  test.afterAll(async () => {
    await site?.stop();
  });

  const picture: FileToSend = { name: 'size chart.png', mimeType: 'image/png', buffer: bandsPng(180, 120, [[38, 77, 59], [243, 239, 230], [201, 122, 44]]) };
  const guide: FileToSend = { name: 'care-guide.txt', mimeType: 'text/plain', buffer: Buffer.from('Oil the frame twice a year. Keep dry in winter.\n') };

  test('Ana sends a picture and a file; her desk and the customer on their own site both show and load them', async ({ browser, request }) => {
    test.setTimeout(120_000);
    const ana = await deskOf(browser, sb.server, 'ana');
    const customerContext = await browser.newContext();
    try {
      await desk.setStatus(ana.page, 'Available');
      const customer = await customerContext.newPage();
      await customer.goto(site!.url);
      await widget.open(customer);
      await widget.startChat(customer, 'Do you have a size chart for the hammock?', { name: 'Pia Lindqvist' });
      await desk.offers(ana.page).getByRole('button', { name: 'Accept' }).click();
      const pane = desk.pane(ana.page, 'Pia Lindqvist');
      await expect(desk.messages(pane).first()).toContainText('size chart');

      await refusalsAndRemove(ana.page, pane);
      await sendPicture(pane, customer);
      await sendFile(pane, customer, request);

      // What the pages show is what the server stored; the site was asked for its page only.
      const conversationId = await widget.storedConversationId(customer);
      const sent = (await eventsOf(request, sb.server, conversationId)).filter((e: Event) => e.message?.direction === 'DIRECTION_OUTBOUND');
      expect(sent.map((e) => [e.message!.body ?? '', e.message!.attachments])).toEqual([
        ['', [expect.objectContaining({ url: expect.stringMatching(blobUrl), contentType: 'image/png', fileName: picture.name, sizeBytes: String(picture.buffer.length), sha256: sha256(picture.buffer) })]],
        ['The care guide, as text.', [expect.objectContaining({ url: expect.stringMatching(blobUrl), contentType: expect.stringMatching(/^text\/plain/), fileName: guide.name, sizeBytes: String(guide.buffer.length), sha256: sha256(guide.buffer) })]],
      ]);
      expect(site!.requests.filter((p) => p !== '/')).toEqual([]);

      await screenshot(ana.page, 'desk-attachments');
      await expectAccessible(ana.page, 'desk with attachments');
      await screenshot(customer, 'site-widget-attachments');
      await expectAccessible(customer, 'widget with attachments', [], { include: '[data-switchboard-widget]' });
    } finally {
      await customerContext.close();
      await ana.context.close();
    }
  });

  /** Too large and a type not allowed: refused in the server's words; a file removed before sending. */
  async function refusalsAndRemove(page: Page, pane: Locator): Promise<void> {
    const attach = pane.getByLabel('Attach a file');
    const send = pane.getByRole('button', { name: 'Send', exact: true });
    const tooLarge: FileToSend = { name: 'catalogue.pdf', mimeType: 'application/pdf', buffer: Buffer.alloc(maxBytes + 1, 0x25) };
    const html: FileToSend = { name: 'page.html', mimeType: 'text/html', buffer: Buffer.from('<p>hi</p>') };
    for (const [file, status, code] of [[tooLarge, 413, 'payload_too_large'], [html, 415, 'unsupported_media_type']] as const) {
      const said = await uploadAsPage(page, file);
      expect(said).toMatchObject({ status, code });
      expect(said.message).not.toBe('');
      await attach.setInputFiles(file);
      const alert = pane.getByRole('alert');
      await expect(alert).toContainText(`Could not attach ${file.name}: ${said.message}`);
      await expect(send).toBeDisabled();
      await alert.getByRole('button', { name: 'Dismiss' }).click();
      await expect(alert).toHaveCount(0);
    }
    await attach.setInputFiles(picture);
    const attached = pane.getByTestId('attached');
    await expect(attached).toContainText(`Attached: ${picture.name} · ${picture.buffer.length} B`);
    await expect(send).toBeEnabled();
    await screenshot(page, 'desk-attached');
    await attached.getByRole('button', { name: `Remove the attachment ${picture.name}` }).click();
    await expect(attached).toHaveCount(0);
    await expect(send).toBeDisabled();
  }

  /** The picture alone, no text: a thumbnail at the desk that opens the full image, and in the widget. */
  async function sendPicture(pane: Locator, customer: Page): Promise<void> {
    await pane.getByLabel('Attach a file').setInputFiles(picture);
    await expect(pane.getByTestId('attached')).toContainText(picture.name);
    await pane.getByRole('button', { name: 'Send', exact: true }).click();
    const thumbnail = desk.timeline(pane).getByRole('img', { name: picture.name });
    await expect(thumbnail).toBeVisible();
    expect(await decodedWidth(thumbnail)).toBe(180);
    expect(await thumbnail.getAttribute('src')).toMatch(blobUrl);
    const [tab] = await Promise.all([pane.page().context().waitForEvent('page'), thumbnail.click()]);
    await tab.waitForLoadState();
    expect(new URL(tab.url()).pathname + new URL(tab.url()).search).toMatch(blobUrl);
    expect(await tab.evaluate(() => document.contentType)).toBe('image/png');
    await tab.close();

    const shown = widget.transcript(customer).getByRole('img', { name: picture.name });
    await expect(shown).toBeVisible();
    expect(await shown.getAttribute('src')).toMatch(fromSwitchboard());
    expect(await decodedWidth(shown)).toBe(180);
  }

  /** A text file with a line: a link with its name and size in both, which downloads its bytes. */
  async function sendFile(pane: Locator, customer: Page, request: APIRequestContext): Promise<void> {
    await pane.getByLabel('Attach a file').setInputFiles(guide);
    await expect(pane.getByTestId('attached')).toContainText(guide.name);
    await desk.write(pane, 'The care guide, as text.');
    const name = `${guide.name} · ${guide.buffer.length} B`;
    const atDesk = desk.timeline(pane).getByRole('link', { name });
    await expect(atDesk).toBeVisible();
    await expect(desk.messages(pane).last()).toHaveText('The care guide, as text.');
    const inWidget = widget.transcript(customer).getByRole('link', { name });
    await expect(inWidget).toBeVisible();
    await expect(widget.bubbles(customer).last()).toContainText('The care guide, as text.');
    const href = (await inWidget.getAttribute('href'))!;
    expect(href).toMatch(fromSwitchboard());
    expect(new URL(href).pathname + new URL(href).search).toBe(await atDesk.getAttribute('href'));
    const got = await request.get(href); // a capability URL: no sign-in needed
    expect(got.status()).toBe(200);
    expect(Buffer.from(await got.body()).equals(guide.buffer)).toBe(true);
    expect(got.headers()['content-disposition'] ?? '').toMatch(/^attachment/);
  }

  /** A blob's absolute URL at the Switchboard (what the widget must load from, not the site). */
  function fromSwitchboard(): RegExp {
    return new RegExp(`^${sb.server.url.replace(/[.:/]/g, (c) => `\\${c}`)}/v1/blobs/[0-9a-f]{64}\\?`);
  }
});

const appSecret = 'wa-media-app-secret';
const accessToken = 'wa-media-token';

test.describe("a WhatsApp customer's media", () => {
  let graph: FakeGraph | null = null;
  test.beforeAll(async () => {
    graph = await FakeGraph.start(accessToken);
  });
  // The account's api_url is the fake's, known once it listens: the edits are read at start-up.
  const sb = useSwitchboard({
    name: 'media-whatsapp',
    get edits(): Array<[RegExp, string]> {
      return [
        [/^router:/m, `channels:
  media: {fetch_attempts: 2}
  accounts:
    - {provider: whatsapp, id: main, app_secret: ${appSecret}, verify_token: v, access_token: ${accessToken}, business_id: "1122334455667",
       api_url: "${graph!.apiUrl}"}

router:`],
      ];
    },
  });
  test.afterAll(async () => {
    await graph?.stop();
  });

  test('a photo shows as being fetched, then as the picture; one the provider does not have says why', async ({ browser, request }) => {
    test.setTimeout(90_000);
    const photo = bandsPng(160, 200, [[47, 75, 214], [255, 196, 0]]);
    graph!.add('media.photo1', photo, 'image/png', { held: true });
    const ana = await deskOf(browser, sb.server, 'ana');
    const asked: string[] = [];
    ana.page.on('request', (r) => asked.push(r.url()));
    try {
      await desk.setStatus(ana.page, 'Available');
      const from = { name: 'Mia Fotopoulou', phone: '34600222333' };
      await postWhatsApp(request, sb.server.url, appSecret, { ...from, id: 'wamid.photo1', image: { id: 'media.photo1', mimeType: 'image/png', caption: 'The parcel arrived like this' } });
      await desk.offers(ana.page).getByRole('button', { name: 'Accept' }).click();
      const pane = desk.pane(ana.page, from.name);
      await expect(desk.messages(pane).first()).toHaveText('The parcel arrived like this');
      const note = pane.getByTestId('attachment-note');
      await expect(note).toHaveText('Fetching image…');

      graph!.release('media.photo1');
      const picture = desk.timeline(pane).getByRole('img');
      await expect(picture).toBeVisible();
      await expect(note).toHaveCount(0);
      expect(await decodedWidth(picture)).toBe(160);
      expect(await picture.getAttribute('src')).toMatch(blobUrl);

      await postWhatsApp(request, sb.server.url, appSecret, { ...from, id: 'wamid.photo2', image: { id: 'media.gone', mimeType: 'image/jpeg' } });
      await expect(note).toHaveText(/^Could not fetch the image: ./, { timeout: 30_000 });

      // What the desk says is what the server stored; it fetched with the account's token.
      const conversationId = (await pane.getAttribute('data-conversation-id'))!;
      const stored = (await eventsOf(request, sb.server, conversationId)).filter((e) => e.mediaStored).map((e) => e.mediaStored!);
      expect(stored).toEqual([
        expect.objectContaining({ messageSeq: expect.any(String), attachment: expect.objectContaining({ url: expect.stringMatching(blobUrl), sha256: sha256(photo), sizeBytes: String(photo.length) }) }),
        expect.objectContaining({ error: expect.any(String) }),
      ]);
      await expect(note).toHaveText(`Could not fetch the image: ${stored[1].error}`);
      expect(graph!.requests.map((r) => r.path)).toEqual(expect.arrayContaining(['/v21.0/media.photo1', '/media/media.photo1', '/v21.0/media.gone']));
      expect(graph!.requests.filter((r) => r.authorization !== `Bearer ${accessToken}`)).toEqual([]);
      expect(asked.filter((u) => !u.startsWith(sb.server.url) && !u.startsWith('data:'))).toEqual([]); // never the provider

      await screenshot(ana.page, 'desk-whatsapp-media');
      await expectAccessible(ana.page, 'desk with a WhatsApp photo');
    } finally {
      await ana.context.close();
    }
  });
});
