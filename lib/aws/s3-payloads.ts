import {
  CopyObjectCommand,
  DeleteObjectsCommand,
  GetObjectCommand,
  NoSuchKey,
  PutObjectCommand,
  S3Client,
} from '@aws-sdk/client-s3';
import { getSignedUrl } from '@aws-sdk/s3-request-presigner';
import { createHash } from 'node:crypto';
import { EXPIRY_TAG, type ExpiryTag, type PayloadStore } from '../payload-store.js';

/** An S3 client for the payload bucket: path-style at an emulator's endpoint; checksums only where asked for. */
export function createS3Client(endpoint?: string): S3Client {
  // WHEN_REQUIRED: the SDK otherwise adds a CRC32 of the (empty) body to a presigned PUT.
  return new S3Client({ endpoint, forcePathStyle: !!endpoint, requestChecksumCalculation: 'WHEN_REQUIRED' });
}

const tagging = (tag?: ExpiryTag) => (tag ? `${EXPIRY_TAG}=${tag}` : undefined);
/** What a presigned GET answers as: every payload is UTF-8 JSON text. */
const JSON_TYPE = 'application/json; charset=utf-8';
const base64Of = (hex: string) => Buffer.from(hex, 'hex').toString('base64');
/** A CopySource: the bucket, then the key with each segment URI-encoded (S3: CopyObject, x-amz-copy-source). */
const copySource = (bucket: string, key: string) => `${bucket}/${key.split('/').map(encodeURIComponent).join('/')}`;

/**
 * The payload store over an S3 bucket. Objects are written with their SHA-256 checksum (S3
 * refuses a body that does not match) and, when tagged, with their tag in the same request;
 * a copy replaces metadata and tags (a copy onto itself is allowed then, and is a new
 * object: S3's lifecycle counts its days from the copy). Presigned PUTs sign the length,
 * the checksum and the `upload` tag as headers the uploader must send as they are.
 */
export function createS3Payloads(o: { client: S3Client; bucket: string }): PayloadStore {
  const { client, bucket } = o;
  return {
    bucket,
    async put(key, body, tag) {
      await client.send(
        new PutObjectCommand({
          Bucket: bucket,
          Key: key,
          Body: body,
          ContentLength: body.length,
          ChecksumSHA256: createHash('sha256').update(body).digest('base64'),
          Tagging: tagging(tag),
        }),
      );
    },
    async get(key) {
      try {
        const out = await client.send(new GetObjectCommand({ Bucket: bucket, Key: key }));
        const body = Buffer.from(await out.Body!.transformToByteArray());
        return { body, created: (out.LastModified?.getTime() ?? Date.now()) / 1000 };
      } catch (err) {
        if (err instanceof NoSuchKey || (err as { name?: string }).name === 'NoSuchKey') return undefined;
        throw err;
      }
    },
    async copy(from, to, tag) {
      await client.send(
        new CopyObjectCommand({
          Bucket: bucket,
          Key: to,
          CopySource: copySource(bucket, from),
          MetadataDirective: 'REPLACE',
          TaggingDirective: 'REPLACE',
          Tagging: tagging(tag) ?? '',
        }),
      );
    },
    async delete(keys) {
      for (let i = 0; i < keys.length; i += 1000) {
        const Objects = keys.slice(i, i + 1000).map((Key) => ({ Key }));
        await client.send(new DeleteObjectsCommand({ Bucket: bucket, Delete: { Objects, Quiet: true } }));
      }
    },
    async presignPut(key, { size, sha256 }, expiresIn) {
      const headers = {
        'content-length': String(size),
        'x-amz-checksum-sha256': base64Of(sha256),
        'x-amz-tagging': tagging('upload')!,
      };
      const command = new PutObjectCommand({
        Bucket: bucket,
        Key: key,
        ContentLength: size,
        ChecksumSHA256: headers['x-amz-checksum-sha256'],
        Tagging: headers['x-amz-tagging'],
      });
      // Left as signed headers (not hoisted to the query): the uploader cannot leave them out.
      const unhoistableHeaders = new Set(['x-amz-checksum-sha256', 'x-amz-tagging']);
      const url = await getSignedUrl(client, command, { expiresIn, unhoistableHeaders });
      return { url, method: 'PUT', headers, expires: Math.floor(Date.now() / 1000) + expiresIn };
    },
    // Objects are stored without a type (S3 answers binary/octet-stream, which a browser
    // downloads as a file without extension): the link answers JSON, which a browser shows.
    presignGet: (key, expiresIn) =>
      getSignedUrl(client, new GetObjectCommand({ Bucket: bucket, Key: key, ResponseContentType: JSON_TYPE }), {
        expiresIn,
      }),
  };
}
