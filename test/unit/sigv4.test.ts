/**
 * SigV4 signing of the HTTP client, without AWS: a local server receives the signed
 * request; its headers are checked, and the signature is computed again here from the
 * SigV4 algorithm (node:crypto) with the same fixed clock and fake credentials.
 */
import assert from 'node:assert/strict';
import { createHash, createHmac } from 'node:crypto';
import { createServer, type IncomingHttpHeaders } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { createHttpClient, executeApiRegion } from '../../lib/client/index.js';

const clock = () => new Date('2026-01-02T03:04:05.000Z');
const credentials = {
  accessKeyId: 'AKIDEXAMPLE',
  secretAccessKey: 'wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY',
  sessionToken: 'session-token',
};

let url = '';
const seen: { headers: IncomingHttpHeaders; body: string }[] = [];
const server = createServer(async (req, res) => {
  let body = '';
  for await (const chunk of req) body += chunk;
  seen.push({ headers: req.headers, body });
  res.writeHead(200, { 'content-type': 'application/json' });
  res.end(JSON.stringify({ jsonrpc: '2.0', result: null, id: JSON.parse(body).id }));
});
before(async () => {
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/rpc`;
});
after(() => new Promise<void>((resolve) => server.close(() => resolve())));

const sha256 = (data: string) => createHash('sha256').update(data).digest('hex');
const hmac = (key: string | Buffer, data: string) => createHmac('sha256', key).update(data).digest();

/** SigV4 as AWS documents it, for a POST with no query string. */
function expectedSignature(
  headers: IncomingHttpHeaders,
  body: string,
  signed: string[],
  secret: string,
  region: string,
) {
  const amzDate = String(headers['x-amz-date']);
  const date = amzDate.slice(0, 8);
  const canonicalHeaders = signed.map((h) => `${h}:${String(headers[h]).trim()}\n`).join('');
  const canonicalRequest = ['POST', '/rpc', '', canonicalHeaders, signed.join(';'), sha256(body)].join('\n');
  const scope = `${date}/${region}/execute-api/aws4_request`;
  const toSign = ['AWS4-HMAC-SHA256', amzDate, scope, sha256(canonicalRequest)].join('\n');
  const key = hmac(hmac(hmac(hmac(`AWS4${secret}`, date), region), 'execute-api'), 'aws4_request');
  return createHmac('sha256', key).update(toSign).digest('hex');
}

describe('the HTTP client signs with SigV4', () => {
  it('with given credentials and a fixed clock: headers and signature', async () => {
    const client = createHttpClient({ url, auth: { sigv4: { region: 'eu-west-1', credentials, clock } } });
    assert.equal(await client.getTask('abc'), null);
    const { headers, body } = seen.at(-1)!;
    assert.equal(headers['x-amz-date'], '20260102T030405Z');
    assert.equal(headers['x-amz-security-token'], 'session-token');
    const match =
      /^AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE\/20260102\/eu-west-1\/execute-api\/aws4_request, SignedHeaders=([a-z0-9;-]+), Signature=([0-9a-f]{64})$/.exec(
        String(headers.authorization),
      );
    assert.ok(match, String(headers.authorization));
    const signed = match[1].split(';');
    for (const h of ['host', 'content-type', 'x-amz-date', 'x-amz-security-token']) assert.ok(signed.includes(h), h);
    assert.equal(match[2], expectedSignature(headers, body, signed, credentials.secretAccessKey, 'eu-west-1'));
  });

  it('with the default credential chain (here: the environment)', async () => {
    const saved = { ...process.env };
    Object.assign(process.env, {
      AWS_ACCESS_KEY_ID: 'AKIDFROMENV',
      AWS_SECRET_ACCESS_KEY: 'secret-from-env',
      AWS_REGION: 'us-west-2',
    });
    delete process.env.AWS_SESSION_TOKEN;
    try {
      const client = createHttpClient({ url, auth: 'sigv4' });
      await client.getTask('abc');
      const { headers, body } = seen.at(-1)!;
      const auth = String(headers.authorization);
      assert.match(auth, /^AWS4-HMAC-SHA256 Credential=AKIDFROMENV\/\d{8}\/us-west-2\/execute-api\/aws4_request, /);
      const signed = /SignedHeaders=([^,]+)/.exec(auth)![1].split(';');
      assert.equal(
        /Signature=(\w+)/.exec(auth)![1],
        expectedSignature(headers, body, signed, 'secret-from-env', 'us-west-2'),
      );
    } finally {
      process.env = saved;
    }
  });

  it('a bearer token instead; nothing for a local URL', async () => {
    await createHttpClient({ url, auth: { token: 's3cret' } }).getTask('abc');
    assert.equal(seen.at(-1)!.headers.authorization, 'Bearer s3cret');
    await createHttpClient({ url }).getTask('abc');
    assert.equal(seen.at(-1)!.headers.authorization, undefined);
  });

  it('knows a deployed endpoint by its host', () => {
    assert.equal(executeApiRegion('https://a1b2c3d4e5.execute-api.eu-west-1.amazonaws.com/rpc'), 'eu-west-1');
    assert.equal(executeApiRegion('http://127.0.0.1:8060/rpc'), undefined);
    assert.equal(executeApiRegion('https://api.example.com/rpc'), undefined);
  });
});
