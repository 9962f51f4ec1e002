/**
 * The dashboard over HTTP (issue 13): the page the local server serves at `/` (its files,
 * headers and refusals), and `skytask dashboard`'s proxy — the launch's token, the local
 * server's rules, and calls passed on signed with SigV4 or a bearer token.
 */
import assert from 'node:assert/strict';
import { createServer, type IncomingHttpHeaders, request } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { createRpcHandler } from '../../functions/rpc-handler.js';
import { RPC_ERRORS, ValidationError } from '../../lib/index.js';
import { endpointOf, startDashboardProxy, TOKEN_HEADER } from '../../local/dashboard/proxy.js';
import { startHttpServer } from '../../local/http.js';
import { testStack, type TestStack } from '../helpers.js';

let s: TestStack;
let http: Awaited<ReturnType<typeof startHttpServer>>;
let port: number;
before(async () => {
  s = await testStack();
  http = await startHttpServer({ port: 0, handler: createRpcHandler(s.rpc), logger: s.logger });
  port = Number(new URL(http.url).port);
});
after(() => http.close());

interface Answer {
  status: number;
  headers: IncomingHttpHeaders;
  text: string;
}

/** A request to 127.0.0.1:`to` with exactly these headers (Host as given, default the server's own). */
function send(to: number, method: string, path: string, headers: Record<string, string> = {}, body?: string) {
  return new Promise<Answer>((resolve, reject) => {
    const all = { host: `127.0.0.1:${to}`, ...headers };
    const req = request({ host: '127.0.0.1', port: to, path, method, headers: all, setHost: false }, (res) => {
      let text = '';
      res.on('data', (chunk) => (text += chunk));
      res.on('end', () => resolve({ status: res.statusCode!, headers: res.headers, text }));
    });
    req.on('error', reject);
    req.end(body);
  });
}

const rpcBody = (method: string, params: unknown = {}) => JSON.stringify({ jsonrpc: '2.0', id: 1, method, params });
const json = { 'content-type': 'application/json' };

describe('the page at /', () => {
  it('index.html, with a CSP that runs only its own scripts, no framing, no caching, no Referer', async () => {
    const page = await send(port, 'GET', '/');
    assert.equal(page.status, 200);
    assert.equal(page.headers['content-type'], 'text/html; charset=utf-8');
    const csp = page.headers['content-security-policy'] as string;
    assert.match(csp, /default-src 'none'/);
    assert.match(csp, /script-src 'self';/);
    assert.match(csp, /frame-ancestors 'none'/);
    assert.equal(page.headers['x-frame-options'], 'DENY');
    assert.equal(page.headers['x-content-type-options'], 'nosniff');
    assert.equal(page.headers['referrer-policy'], 'no-referrer');
    assert.equal(page.headers['cache-control'], 'no-store');
    assert.match(page.text, /<script type="module" src="\/dashboard\/app\.js"><\/script>/);
  });

  it('every file the page links or imports is served, as its type', async () => {
    const page = await send(port, 'GET', '/');
    const pending = [...page.text.matchAll(/(?:src|href)="(\/dashboard\/[^"]+)"/g)].map((m) => m[1]);
    const seen = new Set<string>();
    while (pending.length) {
      const path = pending.pop()!;
      if (seen.has(path)) continue;
      seen.add(path);
      const file = await send(port, 'GET', path);
      assert.equal(file.status, 200, path);
      assert.match(file.headers['content-type'] as string, path.endsWith('.css') ? /^text\/css/ : /^text\/javascript/);
      for (const [, name] of file.text.matchAll(/from '\.\/([a-z-]+\.js)'/g)) pending.push(`/dashboard/${name}`);
    }
    assert.ok(seen.size >= 7, [...seen].join(' '));
  });

  it('nothing else: unknown files and paths out of the folder are 404; other methods 405', async () => {
    for (const path of ['/dashboard/nope.js', '/dashboard/../package.json', '/dashboard/%2e%2e/package.json', '/x']) {
      assert.equal((await send(port, 'GET', path)).status, 404, path);
    }
    assert.equal((await send(port, 'POST', '/', json, '{}')).status, 405);
    assert.equal((await send(port, 'GET', '/rpc')).status, 405);
  });

  it('the server’s rules hold for the page: another Host 421, another Origin 403', async () => {
    assert.equal((await send(port, 'GET', '/', { host: `evil.example:${port}` })).status, 421);
    assert.equal((await send(port, 'GET', '/', { origin: 'http://evil.example' })).status, 403);
    assert.equal((await send(port, 'GET', '/', { host: `localhost:${port}` })).status, 200);
  });

  it('the read route lists dead letters and refuses purge_dead_letters (-32601)', async () => {
    const listed = JSON.parse((await send(port, 'POST', '/rpc/read', json, rpcBody('list_dead_letters'))).text);
    assert.deepEqual(listed.result.tasks, []);
    const purge = JSON.parse((await send(port, 'POST', '/rpc/read', json, rpcBody('purge_dead_letters'))).text);
    assert.equal(purge.error.code, RPC_ERRORS.methodNotFound);
  });
});

describe('skytask dashboard: the proxy', () => {
  it('answers only calls that carry the launch’s token; with it, calls reach the endpoint', async () => {
    const proxy = await startDashboardProxy({ url: http.url, port: 0, logger: s.logger, token: 'launch-token' });
    const to = Number(new URL(proxy.origin).port);
    try {
      assert.equal(proxy.url, `${proxy.origin}/#token=launch-token`);
      const queue = (id: string) => rpcBody('queue_task', { jobname: 'addition', id });
      for (const [n, token] of [undefined, '', 'launch-tokeN', 'launch-token-and-more'].entries()) {
        const headers = token === undefined ? json : { ...json, [TOKEN_HEADER]: token };
        const refused = await send(to, 'POST', '/rpc', headers, queue(`no-token-${n}`));
        assert.equal(refused.status, 401);
        assert.match(JSON.parse(refused.text).error.message, /token is missing or wrong/);
        assert.equal(await s.backend.getTask(`no-token-${n}`), undefined);
      }
      const ok = await send(to, 'POST', '/rpc', { ...json, [TOKEN_HEADER]: 'launch-token' }, queue('proxied-1'));
      assert.equal(ok.status, 200);
      assert.equal(JSON.parse(ok.text).result.id, 'proxied-1');
      assert.equal((await s.backend.getTask('proxied-1'))?.name, 'addition');
      const page = await send(to, 'GET', '/');
      assert.equal(page.status, 200, 'the page itself holds nothing: served without the token');
    } finally {
      await proxy.close();
    }
  });

  it('with the token, still refuses what the local server refuses, and serves POST /rpc only', async () => {
    const proxy = await startDashboardProxy({ url: http.url, port: 0, logger: s.logger, token: 't' });
    const to = Number(new URL(proxy.origin).port);
    const own = { ...json, [TOKEN_HEADER]: 't' };
    try {
      const body = rpcBody('queue_task', { jobname: 'addition', id: 'proxied-evil' });
      assert.equal((await send(to, 'POST', '/rpc', { ...own, origin: 'http://evil.example' }, body)).status, 403);
      assert.equal((await send(to, 'POST', '/rpc', { ...own, host: `evil.example:${to}` }, body)).status, 421);
      assert.equal((await send(to, 'POST', '/rpc', { ...own, 'content-type': 'text/plain' }, body)).status, 415);
      assert.equal(await s.backend.getTask('proxied-evil'), undefined);
      const read = await send(to, 'POST', '/rpc/read', own, rpcBody('ping'));
      assert.equal(read.status, 404);
      assert.equal((await send(to, 'POST', '/rpc', own, 'not json')).status, 400);
    } finally {
      await proxy.close();
    }
  });

  it('signs each call with SigV4, or sends the bearer token; the launch’s token never leaves', async () => {
    const seen: IncomingHttpHeaders[] = [];
    const endpoint = createServer((req, res) => {
      seen.push(req.headers);
      req.resume();
      res.setHeader('content-type', 'application/json');
      res.end(JSON.stringify({ jsonrpc: '2.0', id: 1, result: 'pong' }));
    });
    await new Promise<void>((r) => endpoint.listen(0, '127.0.0.1', r));
    const url = `http://127.0.0.1:${(endpoint.address() as AddressInfo).port}/rpc`;
    const credentials = { accessKeyId: 'AKIDEXAMPLE', secretAccessKey: 'secret' };
    const auths = [{ sigv4: { region: 'eu-west-1', credentials } }, { token: 'jwt-1' }];
    try {
      for (const auth of auths) {
        const proxy = await startDashboardProxy({ url, auth, port: 0, logger: s.logger, token: 't' });
        const to = Number(new URL(proxy.origin).port);
        const answer = await send(to, 'POST', '/rpc', { ...json, [TOKEN_HEADER]: 't' }, rpcBody('ping'));
        assert.equal(JSON.parse(answer.text).result, 'pong');
        await proxy.close();
      }
      assert.match(
        seen[0].authorization!,
        /^AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE\/\d{8}\/eu-west-1\/execute-api\/aws4_request/,
      );
      assert.ok(seen[0]['x-amz-date']);
      assert.equal(seen[1].authorization, 'Bearer jwt-1');
      for (const headers of seen) assert.equal(headers[TOKEN_HEADER], undefined);
    } finally {
      endpoint.close();
    }
  });

  it('an endpoint that does not answer is a 502 with why; credentials go over https or loopback only', async () => {
    const proxy = await startDashboardProxy({ url: 'http://127.0.0.1:9/rpc', port: 0, logger: s.logger, token: 't' });
    try {
      const to = Number(new URL(proxy.origin).port);
      const down = await send(to, 'POST', '/rpc', { ...json, [TOKEN_HEADER]: 't' }, rpcBody('ping'));
      assert.equal(down.status, 502);
      assert.match(JSON.parse(down.text).error.message, /cannot reach http:\/\/127\.0\.0\.1:9/);
    } finally {
      await proxy.close();
    }
    for (const bad of ['http://example.com/rpc', 'http://10.0.0.1/rpc', 'ftp://127.0.0.1/rpc', 'not a url']) {
      assert.throws(() => endpointOf(bad), ValidationError, bad);
    }
    for (const good of ['https://a1b2.execute-api.eu-west-1.amazonaws.com/rpc', 'http://localhost:8060/rpc']) {
      assert.equal(endpointOf(good).href, good);
    }
  });
});
