import type { Clock } from '../tasks/deps.js';
import { EXPIRY_TAG, type ExpiryTag, type PayloadStore, type StoredObject } from '../payload-store.js';
import { endedDays, expiresAt, sha256Hex, UPLOAD_DAYS } from '../payloads/ref.js';
import { SETTINGS, SECONDS_PER_DAY } from '../settings.js';

interface MemoryObject extends StoredObject {
  tag?: ExpiryTag;
}

/** The in-memory payload store: S3's objects, tags and lifecycle rules on a clock (`skytask/testing`). */
export interface MemoryPayloads extends PayloadStore {
  /** The tag of the object at `key`: undefined when untagged, null when there is no object. */
  tagOf(key: string): ExpiryTag | undefined | null;
  /** Every key, sorted. */
  keys(): string[];
  /**
   * What S3's lifecycle does once a day: delete each tagged object whose rule's days have
   * passed since its creation (rounded up to midnight UTC). Returns the keys deleted.
   */
  sweep(): string[];
  /**
   * A PUT to a URL from `presignPut`, as S3 takes it: refused (an Error saying why, as S3's
   * 403 or 400 would) when the URL has expired, a signed header differs, or the body does not
   * match the signed length or checksum.
   */
  upload(url: string, headers: Record<string, string>, body: Buffer): Promise<void>;
}

/** An in-memory payload store; `retentionSeconds` sets the `ended` rule's days, as the construct does. */
export function createMemoryPayloads(o: { clock: Clock; retentionSeconds?: number; bucket?: string }): MemoryPayloads {
  const bucket = o.bucket ?? 'skytask-payloads';
  const retention = o.retentionSeconds ?? SETTINGS.retentionDays.default * SECONDS_PER_DAY;
  const objects = new Map<string, MemoryObject>();
  const signed = new Map<string, { key: string; size: number; sha256: string; expires: number }>();
  let nextUrl = 1;
  const write = (key: string, body: Buffer, tag?: ExpiryTag) =>
    void objects.set(key, { body: Buffer.from(body), created: o.clock(), tag });

  const store: MemoryPayloads = {
    bucket,
    async put(key, body, tag) {
      write(key, body, tag);
    },
    async get(key) {
      const object = objects.get(key);
      return object && { body: Buffer.from(object.body), created: object.created };
    },
    async copy(from, to, tag) {
      const object = objects.get(from);
      if (!object) throw new Error(`NoSuchKey: ${from}`);
      write(to, object.body, tag);
    },
    async delete(keys) {
      for (const key of keys) objects.delete(key);
    },
    async presignPut(key, body, expiresIn) {
      const url = `memory://${bucket}/${key}?put=${nextUrl++}`;
      const expires = o.clock() + expiresIn;
      signed.set(url, { key, ...body, expires });
      const headers = { 'content-length': String(body.size), 'x-amz-checksum-sha256': body.sha256 };
      return { url, method: 'PUT', headers: { ...headers, 'x-amz-tagging': `${EXPIRY_TAG}=upload` }, expires };
    },
    async presignGet(key) {
      return `memory://${bucket}/${key}`;
    },
    async upload(url, headers, body) {
      const grant = signed.get(url);
      if (!grant || grant.expires < o.clock()) throw new Error('AccessDenied: the URL is unknown or has expired');
      if (headers['x-amz-tagging'] !== `${EXPIRY_TAG}=upload`) throw new Error('SignatureDoesNotMatch: x-amz-tagging');
      if (body.length !== grant.size) throw new Error('SignatureDoesNotMatch: content-length');
      if (sha256Hex(body) !== grant.sha256) throw new Error('BadDigest: the body does not match its SHA-256');
      write(grant.key, body, 'upload');
    },
    tagOf: (key) => (objects.has(key) ? objects.get(key)!.tag : null),
    keys: () => [...objects.keys()].sort(),
    sweep() {
      const days = { upload: UPLOAD_DAYS, ended: endedDays(retention) };
      const gone = [...objects].filter(([, ob]) => ob.tag && expiresAt(ob.created, days[ob.tag]) <= o.clock());
      for (const [key] of gone) objects.delete(key);
      return gone.map(([key]) => key);
    },
  };
  return store;
}
