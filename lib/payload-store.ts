/**
 * The payload store port: the objects that hold kwargs and results too large for a task's
 * items (the claim-check, lib/payloads/). Only the adapter knows S3 (lib/aws/s3-payloads.ts);
 * the in-memory one (lib/memory/memory-payloads.ts) keeps S3's lifecycle rules on a clock.
 *
 * An object's lifetime is set by its expiry tag, as the bucket's lifecycle rules read it
 * (docs/payloads.md): S3 counts whole days from the object's creation, rounded up to the
 * next midnight UTC, and expires an object carrying the tag once they have passed. An
 * untagged object is kept until it is deleted.
 */

/** Where one payload lives: the object, its size in bytes and the SHA-256 of its bytes (hex). */
export interface PayloadRef {
  bucket: string;
  key: string;
  size: number;
  sha256: string;
}

/** The tag key the lifecycle rules filter on (S3 object tags: AWS, "Categorizing your storage using tags"). */
export const EXPIRY_TAG = 'skytask-expiry';

/**
 * Its values: `upload` — an upload no task took yet (expires `UPLOAD_DAYS` after its
 * creation); `ended` — the payload of an ended task (expires the retention after creation,
 * plus a day: `endedDays`).
 */
export type ExpiryTag = 'upload' | 'ended';

/** An object as read: its bytes and when it was created (epoch seconds; a copy is a new object). */
export interface StoredObject {
  body: Buffer;
  created: number;
}

/** A presigned PUT: the URL and the headers the request must send as they are (they are signed). */
export interface PresignedPut {
  url: string;
  method: 'PUT';
  headers: Record<string, string>;
  /** When the URL stops working, epoch seconds. */
  expires: number;
}

export interface PayloadStore {
  /** The bucket every object is in. */
  readonly bucket: string;
  /** Write `body` at `key` (S3 checks it against its SHA-256), tagged `tag` or untagged. */
  put(key: string, body: Buffer, tag?: ExpiryTag): Promise<void>;
  /** The object at `key`, or undefined when there is none. */
  get(key: string): Promise<StoredObject | undefined>;
  /**
   * Copy `from` to `to` (the same key: in place) as a new object — its lifetime counts from
   * now — tagged `tag` or untagged. Throws when `from` does not exist.
   */
  copy(from: string, to: string, tag?: ExpiryTag): Promise<void>;
  /** Delete objects; absent ones are no error. */
  delete(keys: string[]): Promise<void>;
  /**
   * A URL for one PUT of exactly `size` bytes whose SHA-256 is `sha256` (hex), tagged
   * `upload`: the length, the checksum and the tag are signed, so the uploader can change
   * none of them (S3 refuses a body that does not match the checksum).
   */
  presignPut(key: string, body: { size: number; sha256: string }, expiresIn: number): Promise<PresignedPut>;
  /** A URL for GETs of `key` for `expiresIn` seconds, answered as `application/json` (a browser shows it). */
  presignGet(key: string, expiresIn: number): Promise<string>;
}
