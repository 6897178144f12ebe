// A message's attachments on screen, for the desk and the widget alike (each styles the classes):
// a picture the server serves inline as a bounded thumbnail (its alt the file name) opening the
// full image in a new tab; any other file as a link with its name and size ("report.pdf · 1.2 MB");
// a customer's medium still being fetched from their provider, or why it could not be.
import { blobHref, sizeWords, showsAsImage, type ShownAttachment } from './attachments';

export function AttachmentList({ items, server = '' }: { items: readonly ShownAttachment[]; server?: string }) {
  if (items.length === 0) return null;
  return (
    <div class="atts" data-testid="attachments">
      {items.map((a, i) => <AttachmentView key={i} a={a} server={server} />)}
    </div>
  );
}

function AttachmentView({ a, server }: { a: ShownAttachment; server: string }) {
  if (a.state === 'fetching') return <p class="att-note" data-testid="attachment-note">Fetching {a.kind}…</p>;
  if (a.state === 'failed') return <p class="att-note att-failed" data-testid="attachment-note">Could not fetch the {a.kind}: {a.error}</p>;
  const href = blobHref(server, a.url);
  if (!href) return null;
  // Without a file name (a provider's photo often has none): "Image", "Audio", "File"…
  const name = a.fileName || `${a.kind.charAt(0).toUpperCase()}${a.kind.slice(1)}`;
  if (showsAsImage(a.contentType)) {
    return (
      <a class="att-image" href={href} target="_blank" rel="noopener noreferrer" title={`Open ${name} in a new tab`}>
        <img src={href} alt={name} loading="lazy" decoding="async" />
      </a>
    );
  }
  const size = sizeWords(a.sizeBytes);
  return (
    <a class="att-file" href={href} download={a.fileName || undefined} target="_blank" rel="noopener noreferrer">
      <FileIcon />
      <span>{name}{size && ` · ${size}`}</span>
    </a>
  );
}

function FileIcon() {
  return (
    <svg class="att-icon" viewBox="0 0 16 16" width="16" height="16" aria-hidden="true" focusable="false">
      <path d="M4 1.5h5l3.5 3.5v9.5h-8.5z M9 1.5v3.5h3.5" fill="none" stroke="currentColor" stroke-width="1.3" stroke-linejoin="round" />
    </svg>
  );
}
