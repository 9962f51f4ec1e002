/**
 * Makes s3rver (S3, in-process) check what S3 checks and skytask relies on, which s3rver
 * 3.7 skips: a presigned request's SigV4 signature and expiry (s3rver leaves V4 signatures
 * unchecked, so an uploader could change a signed length, checksum or tag), a PUT's
 * `x-amz-checksum-sha256` against its body (S3 answers BadDigest), and object tags given as
 * the `x-amz-tagging` header of a PUT or a CopyObject (s3rver takes tags only from
 * PutObjectTagging); and a PUT is answered once its object is all on disk, as S3's reads
 * after a write are consistent. A Koa middleware put in front of s3rver's own. Supports s3rver 3.7.x.
 */
import { createHash } from 'node:crypto';
import { stat } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { Readable } from 'node:stream';
import { Hash } from '@smithy/core/serde';
import { SignatureV4 } from '@smithy/signature-v4';
import type S3rver from 's3rver';

const require = createRequire(import.meta.url);
const S3Error = require('s3rver/lib/models/error');
const AWSAccount = require('s3rver/lib/models/account');
const { TaggingConfiguration } = require('s3rver/lib/models/config');

/** `20261130T102708Z` → a Date. */
const amzDate = (s: string) =>
  new Date(
    `${s.slice(0, 4)}-${s.slice(4, 6)}-${s.slice(6, 8)}T${s.slice(9, 11)}:${s.slice(11, 13)}:${s.slice(13, 15)}Z`,
  );

/** A presigned (query) SigV4 request: refused unless its signature is the one its signed headers and secret give, and it has not expired. */
async function checkPresigned(ctx: any): Promise<void> {
  const q = ctx.query as Record<string, string>;
  const [accessKeyId, , region, service] = q['X-Amz-Credential'].split('/');
  const secretAccessKey = AWSAccount.registry.get(accessKeyId)?.accessKeys.get(accessKeyId);
  if (!secretAccessKey)
    throw new S3Error('InvalidAccessKeyId', 'The AWS Access Key Id you provided does not exist in our records.');
  const signingDate = amzDate(q['X-Amz-Date']);
  const expiresIn = Number(q['X-Amz-Expires']);
  if (Date.now() > signingDate.getTime() + expiresIn * 1000) throw new S3Error('AccessDenied', 'Request has expired');
  const signed = q['X-Amz-SignedHeaders'].split(';');
  // The name as the SDK's presigner sets it: hoisted to the query, its case is signed.
  const headers: Record<string, string> = { 'X-Amz-Content-Sha256': q['X-Amz-Content-Sha256'] ?? 'UNSIGNED-PAYLOAD' };
  for (const name of signed) headers[name] = ctx.get(name);
  const query = Object.fromEntries(Object.entries(q).filter(([k]) => !k.startsWith('X-Amz-')));
  const signer = new SignatureV4({
    service,
    region,
    credentials: { accessKeyId, secretAccessKey },
    sha256: Hash.bind(null, 'sha256'),
    uriEscapePath: false,
  });
  const [hostname, port] = ctx.get('host').split(':');
  const request = {
    method: ctx.method,
    protocol: 'http:',
    hostname,
    port: Number(port),
    path: ctx.path,
    query,
    headers,
  };
  const unhoistableHeaders = new Set(signed.filter((h) => h.startsWith('x-amz-')));
  const again = await signer.presign(request, { signingDate, expiresIn, unhoistableHeaders });
  if (again.query?.['X-Amz-Signature'] !== q['X-Amz-Signature']) {
    throw new S3Error(
      'SignatureDoesNotMatch',
      'The request signature we calculated does not match the signature you provided.',
    );
  }
}

/** A PUT's body checked against its `x-amz-checksum-sha256`, then handed on to s3rver. */
async function checkChecksum(ctx: any): Promise<void> {
  const chunks: Buffer[] = [];
  for await (const chunk of ctx.req) chunks.push(chunk);
  const body = Buffer.concat(chunks);
  if (createHash('sha256').update(body).digest('base64') !== ctx.get('x-amz-checksum-sha256')) {
    throw new S3Error('BadDigest', 'The SHA256 you specified did not match the calculated checksum.');
  }
  ctx.req = Readable.from([body]);
}

const xml = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');

/** `k=v&k2=v2` (the x-amz-tagging header) as s3rver's tagging subresource. */
function taggingOf(header: string) {
  const tags = [...new URLSearchParams(header)].map(
    ([k, v]) => `<Tag><Key>${xml(k)}</Key><Value>${xml(v)}</Value></Tag>`,
  );
  return new TaggingConfiguration(`<Tagging><TagSet>${tags.join('')}</TagSet></Tagging>`);
}

/** Bucket and key of a path-style object request, or undefined. */
function objectOf(path: string): [string, string] | undefined {
  const [, bucket, ...key] = path.split('/');
  return bucket && key.length && key.join('/')
    ? [decodeURIComponent(bucket), key.map(decodeURIComponent).join('/')]
    : undefined;
}

/** After a PUT or a copy that s3rver accepted: the object's tags as S3 would set them. */
async function setTags(app: S3rver, ctx: any, [bucket, key]: [string, string]): Promise<void> {
  const source = ctx.get('x-amz-copy-source');
  const header = ctx.get('x-amz-tagging');
  if (source && ctx.get('x-amz-tagging-directive') !== 'REPLACE') {
    const from = objectOf(`/${decodeURIComponent(source).replace(/^\//, '')}`)!;
    const tags = await app.store.getSubresource(from[0], from[1], 'tagging');
    if (tags) await app.store.putSubresource(bucket, key, tags);
    return;
  }
  if (header) await app.store.putSubresource(bucket, key, taggingOf(header));
  else await app.store.deleteSubresource(bucket, key, 'tagging');
}

interface Key {
  accessKeyId: string;
  secretAccessKey: string;
}

/**
 * s3rver answers a PUT once it has read the body, before its file is all on disk: a GET
 * right after a large PUT read a part of it (S3's reads after a write are strongly
 * consistent). The answer waits until the file has the body's length.
 */
async function untilWritten(app: S3rver, [bucket, key]: [string, string], length: number): Promise<void> {
  const path = app.store.getResourcePath(bucket, key, 'object');
  for (let i = 0; i < 6000; i++) {
    if ((await stat(path).catch(() => undefined))?.size === length) return;
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
  throw new S3Error('InternalError', `s3rver did not write ${key} within 30 s`);
}

/** Put the checks in front of s3rver's middleware (before `run`), and let `key` sign requests. */
export function strictS3rver(app: S3rver, key: Key): void {
  strictS3rver.allow(key);
  app.middleware.unshift(async (ctx, next) => {
    const object = objectOf(ctx.path);
    const isObjectPut = ctx.method === 'PUT' && object && !('tagging' in ctx.query) && !('uploadId' in ctx.query);
    if ('X-Amz-Signature' in ctx.query) await checkPresigned(ctx);
    else acceptAnyKey(ctx.get('authorization'));
    if (isObjectPut && ctx.get('x-amz-checksum-sha256')) await checkChecksum(ctx);
    await next();
    if (isObjectPut && ctx.status === 200) {
      await setTags(app, ctx, object);
      if (!ctx.get('x-amz-copy-source')) await untilWritten(app, object, Number(ctx.get('content-length')));
    }
  });
}

/**
 * A request signed in its Authorization header by a key s3rver does not know: the key is
 * let in, as the other emulators take any key (s3rver checks no V4 header signature, only
 * that its key is registered). Presigned URLs are checked with the keys known at start.
 */
function acceptAnyKey(authorization: string): void {
  const key = /Credential=([^/,\s]+)\//.exec(authorization)?.[1];
  if (key && !AWSAccount.registry.has(key)) strictS3rver.allow({ accessKeyId: key, secretAccessKey: '' });
}

/** Let one more access key sign requests (s3rver's accounts are shared by the process). */
strictS3rver.allow = (key: Key) => AWSAccount.DUMMY_ACCOUNT.createKeyPair(key.accessKeyId, key.secretAccessKey);
