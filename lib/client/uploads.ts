/**
 * The HTTP client's side of large payloads (docs/payloads.md): kwargs too large for a request
 * are uploaded to S3 with a presigned PUT (`presign_kwargs`) and queued by reference
 * (`kwargs_ref`), since a JSON-RPC request carries at most 1 MiB; a payload a reply gives as
 * a link (a presigned GET) is fetched and checked against its SHA-256.
 */
import { EndpointError } from '../errors.js';
import { LIMITS } from '../limits.js';
import type { PayloadLink } from '../payloads/present.js';
import { MARKER, sha256Hex } from '../payloads/ref.js';
import type { TaskWire } from '../task.js';

/** What the client needs of its transport. */
interface Caller {
  call(method: string, params: unknown): Promise<any>;
}

/**
 * Kwargs whose JSON is over this many bytes are uploaded: a `queue_task` request carries at
 * most `LIMITS.maxRequestBytes` (1 MiB), and 64 KiB are left for the other params. Below it
 * they go in the request, and a server with a payload bucket puts those over the item
 * budget in S3 itself — one request instead of three.
 */
export const UPLOAD_ABOVE_BYTES = LIMITS.maxRequestBytes - 64 * 1024;

/**
 * `queue_task` params for kwargs whose JSON `text` is over `UPLOAD_ABOVE_BYTES`: the kwargs
 * uploaded first, then named by `kwargs_ref` and the id they were uploaded for. Smaller
 * kwargs: the params as they are.
 */
export async function withUpload(
  rpc: Caller,
  doFetch: typeof fetch,
  params: Record<string, unknown>,
  text: string,
): Promise<Record<string, unknown>> {
  const body = Buffer.from(text);
  if (body.length <= UPLOAD_ABOVE_BYTES) return params;
  const put = await rpc.call('presign_kwargs', { size: body.length, sha256: sha256Hex(body), id: params.id });
  // fetch sets the length from the body; the other signed headers go as they are.
  const { 'content-length': _length, ...headers } = put.headers as Record<string, string>;
  const res = await doFetch(put.url, { method: 'PUT', headers, body });
  if (!res.ok)
    throw new EndpointError(
      `the kwargs upload answered HTTP ${res.status}: ${(await res.text()).slice(0, 300)}`,
      res.status,
    );
  const { kwargs: _kwargs, ...rest } = params;
  return { ...rest, id: put.id, kwargs_ref: put.ref };
}

const linkOf = (value: unknown): PayloadLink | undefined =>
  value && typeof value === 'object' && !Array.isArray(value) && MARKER in value
    ? (value as Record<string, PayloadLink>)[MARKER]
    : undefined;

/** The task with each payload given as a link fetched and checked (EndpointError when it cannot be, or differs). */
export async function fetchPayloads(doFetch: typeof fetch, wire: TaskWire): Promise<TaskWire> {
  const shown = { ...wire };
  for (const field of ['kwargs', 'result'] as const) {
    const link = linkOf(shown[field]);
    if (!link?.url) continue;
    const res = await doFetch(link.url);
    const body = Buffer.from(await res.arrayBuffer());
    if (!res.ok || body.length !== link.size || sha256Hex(body) !== link.sha256) {
      throw new EndpointError(
        `task ${wire.id}: its ${field} could not be read from ${new URL(link.url).origin} (HTTP ${res.status})`,
      );
    }
    shown[field] = JSON.parse(body.toString('utf8'));
  }
  return shown;
}
