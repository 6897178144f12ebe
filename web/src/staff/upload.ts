// An agent's file to the server's blob store (POST /v1/blobs?name=…, the raw bytes with the file's
// type, the desk's session and CSRF token): the answer is the Attachment a reply carries as is.
// A refusal rejects with the ApiError, whose message is the server's own (the size limit for 413
// payload_too_large, the types allowed for 415 unsupported_media_type).
import { ApiError } from '../lib/errors';
import { isStoredBlob } from '../lib/attachments';
import type { RestClient } from '../lib/rest';
import type { Attachment } from '../lib/types';

/** What `uploadAttachment` needs of a File (a Blob with a name), so tests can pass their own. */
export type FileLike = Blob & { readonly name: string };

export async function uploadAttachment(rest: RestClient, file: FileLike): Promise<Attachment> {
  const path = `/v1/blobs?name=${encodeURIComponent(file.name)}`;
  const stored = await rest.upload<Attachment | undefined>(path, file, file.type || 'application/octet-stream');
  if (!stored || !isStoredBlob(stored.url)) throw new ApiError('internal', 'the server did not say where it stored the file');
  return stored;
}

/** Why an upload failed, in words for the agent: the server's message when it gave one. */
export function uploadErrorWords(fileName: string, e: unknown): string {
  const why = e instanceof ApiError ? (e.code === 'network' ? 'cannot reach the server' : e.message || e.code) : String(e);
  return `Could not attach ${fileName}: ${why}`;
}
