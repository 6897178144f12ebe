// Attachments as the pages show them: which are stored in the server's blob store (a signed,
// capability URL `/v1/blobs/<sha256>?…`, the only ones a page ever loads: a provider's reference
// such as `whatsapp-media:<id>` never is), what kind each is, its size in words, and the URL to
// load it from (the widget runs on the customer's site: it prefixes its Switchboard's origin).
// Plain functions; the desk's and the widget's views share them (attachment_view.tsx).
import { int } from './ids';
import type { Attachment } from './types';

export type AttachmentKind = 'image' | 'video' | 'audio' | 'file';

/** What a view draws of one attachment: stored (loadable), being fetched, or not fetched and why. */
export type ShownAttachment =
  | { state: 'stored'; url: string; contentType: string; fileName: string; sizeBytes: number; kind: AttachmentKind }
  | { state: 'fetching'; kind: AttachmentKind }
  | { state: 'failed'; kind: AttachmentKind; error: string };

const blobPrefix = '/v1/blobs/';

/** Whether the URL is the server's blob store's (relative, as events carry it). */
export function isStoredBlob(url: string | undefined): boolean {
  return !!url && url.startsWith(blobPrefix);
}

/** "image/png" → image, "video/mp4" → video, "audio/ogg" → audio, anything else → file. */
export function attachmentKind(contentType: string | undefined): AttachmentKind {
  const family = (contentType ?? '').split('/')[0].trim().toLowerCase();
  return family === 'image' || family === 'video' || family === 'audio' ? family : 'file';
}

/** The image types the server serves inline (the rest download): what a page shows as a picture. */
const inlineImages = new Set(['image/png', 'image/jpeg', 'image/gif', 'image/webp']);

export function showsAsImage(contentType: string): boolean {
  return inlineImages.has(contentType.split(';')[0].trim().toLowerCase());
}

/** A size in short words, in binary units as the server's limits are: "512 B", "1.2 KB", "20 MB". */
export function sizeWords(bytes: number): string {
  if (!Number.isFinite(bytes) || bytes < 0) return '';
  if (bytes < 1024) return `${Math.round(bytes)} B`;
  const units = ['KB', 'MB', 'GB', 'TB'];
  let value = bytes / 1024;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit += 1;
  }
  const shown = value < 10 ? Math.round(value * 10) / 10 : Math.round(value);
  // 1023.96 KB rounds to 1024: say "1 MB" instead.
  if (shown >= 1024 && unit < units.length - 1) return `1 ${units[unit + 1]}`;
  return `${shown} ${units[unit]}`;
}

/**
 * Where a page loads a stored attachment from: `server` (an origin, "" for the page's own) before
 * the event's relative URL. "" for anything not in the blob store (never loaded).
 */
export function blobHref(server: string, url: string | undefined): string {
  if (!url || !isStoredBlob(url)) return '';
  return server.replace(/\/+$/, '') + url;
}

/** A stored attachment as a view draws it (its URL as the event has it; `blobHref` makes it loadable). */
export function storedAttachment(a: Attachment): Extract<ShownAttachment, { state: 'stored' }> {
  const contentType = a.contentType || 'application/octet-stream';
  return { state: 'stored', url: a.url ?? '', contentType, fileName: a.fileName ?? '', sizeBytes: int(a.sizeBytes), kind: attachmentKind(contentType) };
}

/** A message's attachments in a few words, for a list row or a notification: "Image: a.png". */
export function attachmentsWords(attachments: readonly Attachment[] | undefined): string {
  if (!attachments?.length) return '';
  const first = attachments[0];
  const kind = attachmentKind(first.contentType);
  const words = `${kind.charAt(0).toUpperCase()}${kind.slice(1)}${first.fileName ? `: ${first.fileName}` : ''}`;
  return attachments.length > 1 ? `${words} (+${attachments.length - 1})` : words;
}
