/**
 * The local HTTP server with real HTTP requests, over the emulators: it refuses what a web
 * page could send (issue 11 item 7), bounds slow requests, headers and connections, and
 * serves the read-only route (issue 11, least privilege).
 */
import assert from 'node:assert/strict';
import { request } from 'node:http';
import { connect, type Socket } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { createRpcHandler } from '../../functions/rpc-handler.js';
import { RPC_ERRORS } from '../../lib/index.js';
import { createHttpClient } from '../../lib/client/index.js';
import { startHttpServer } from '../../local/http.js';
import { testStack, type TestStack } from '../helpers.js';

let s: TestStack;
let http: Awaited<ReturnType<typeof startHttpServer>>;
let port: number;
before(async () => {
  s = await testStack();
  http = await startHttpServer({
    port: 0,
    handler: createRpcHandler(s.rpc),
    logger: s.logger,
    limits: { requestTimeoutMs: 1000, headersTimeoutMs: 1000, maxConnections: 8 },
  });
  port = Number(new URL(http.url).port);
});
after(() => http.close());

/** POST `body` to `path` with exactly these headers (node:http: Host and Origin as given). */
function post(path: string, body: string, headers: Record<string, string>): Promise<{ status: number; body: any }> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, path, method: 'POST', headers, setHost: false }, (res) => {
      let text = '';
      res.on('data', (chunk) => (text += chunk));
      res.on('end', () => resolve({ status: res.statusCode!, body: text ? JSON.parse(text) : undefined }));
    });
    req.on('error', reject);
    req.end(body);
  });
}

const queueAddition = (id: string) =>
  JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'queue_task', params: { jobname: 'addition', id } });
const own = () => ({ host: `127.0.0.1:${port}`, 'content-type': 'application/json' });

/** A raw connection; resolves with what the server wrote before it closed the connection. */
function rawExchange(write: (socket: Socket) => void): Promise<string> {
  return new Promise((resolve) => {
    const socket = connect(port, '127.0.0.1', () => write(socket));
    let text = '';
    socket.on('data', (chunk) => (text += chunk));
    socket.on('close', () => resolve(text));
    socket.on('error', () => undefined);
  });
}

/** A raw answer's status and JSON body (every answer the server makes has one, node:http's own refusals too). */
function parseRaw(answer: string): { status: number; body: any } {
  const body = answer.slice(answer.indexOf('\r\n\r\n'));
  // The JSON object, whether the body is chunked or not.
  return {
    status: Number(answer.split(' ')[1]),
    body: JSON.parse(body.slice(body.indexOf('{'), body.lastIndexOf('}') + 1)),
  };
}

describe('the local server refuses what a web page could send', () => {
  it("the issue's request: Origin http://evil.example, text/plain: refused, nothing queued", async () => {
    const out = await post('/rpc', queueAddition('evil-1'), {
      host: `127.0.0.1:${port}`,
      origin: 'http://evil.example',
      'content-type': 'text/plain',
    });
    assert.equal(out.status, 403);
    assert.match(out.body.error.message, /cross-site request refused/);
    assert.equal(await s.backend.getTask('evil-1'), undefined);
  });

  it('a CORS-simple body (text/plain, a form, none) without Origin: 415, nothing queued', async () => {
    for (const [n, type] of [
      'text/plain',
      'application/x-www-form-urlencoded',
      'multipart/form-data; boundary=x',
      '',
    ].entries()) {
      const headers: Record<string, string> = { host: `127.0.0.1:${port}` };
      if (type) headers['content-type'] = type;
      const out = await post('/rpc', queueAddition(`simple-${n}`), headers);
      assert.equal(out.status, 415, type);
      assert.equal(await s.backend.getTask(`simple-${n}`), undefined);
    }
  });

  it('a DNS-rebound request (another Host) or one without Host: 421, nothing queued', async () => {
    const rebound = await post('/rpc', queueAddition('rebound-1'), { ...own(), host: `evil.example:${port}` });
    assert.equal(rebound.status, 421);
    const noHost = await rawExchange((socket) =>
      socket.end(
        `POST /rpc HTTP/1.0\r\ncontent-type: application/json\r\ncontent-length: ${queueAddition('rebound-2').length}\r\n\r\n${queueAddition('rebound-2')}`,
      ),
    );
    assert.match(noHost, /^HTTP\/1\.1 421/);
    assert.match(parseRaw(noHost).body.error.message, /^Host must be/);
    const noHost11 = await rawExchange((socket) =>
      socket.end(`POST /rpc HTTP/1.1\r\ncontent-type: application/json\r\ncontent-length: 2\r\n\r\n{}`),
    );
    assert.equal(parseRaw(noHost11).status, 421, 'an HTTP/1.1 request without Host: our JSON 421, not a bare 400');
    assert.equal(await s.backend.getTask('rebound-1'), undefined);
    assert.equal(await s.backend.getTask('rebound-2'), undefined);
  });

  it('its own origins are served: 127.0.0.1 and localhost, with or without Origin, JSON with a charset', async () => {
    const cases = [
      own(),
      { ...own(), origin: `http://127.0.0.1:${port}` },
      {
        host: `localhost:${port}`,
        origin: `http://localhost:${port}`,
        'content-type': 'Application/JSON; charset=utf-8',
      },
    ];
    for (const [n, headers] of cases.entries()) {
      const out = await post('/rpc', queueAddition(`own-${n}`), headers);
      assert.equal(out.status, 200);
      assert.equal(out.body.result.id, `own-${n}`);
    }
  });

  it('the HTTP client still works against it', async () => {
    const client = createHttpClient({ url: http.url });
    const task = await client.queueTask('addition', { a: 1 }, { id: 'client-1' });
    assert.equal(task?.id, 'client-1');
    assert.equal((await client.getTask('client-1'))?.id, 'client-1');
    const local = createHttpClient({ url: http.url.replace('127.0.0.1', 'localhost') });
    assert.equal((await local.getTask('client-1'))?.id, 'client-1');
  });
});

describe('the local server bounds slow requests, headers and connections', () => {
  it('a body that trickles in gets 408 once the request timeout passes', async () => {
    const started = Date.now();
    let timer: NodeJS.Timeout | undefined;
    const answer = await rawExchange((socket) => {
      socket.write(
        `POST /rpc HTTP/1.1\r\nhost: 127.0.0.1:${port}\r\ncontent-type: application/json\r\ncontent-length: 1000\r\n\r\n`,
      );
      timer = setInterval(() => socket.write(' '), 100);
    });
    clearInterval(timer);
    assert.match(answer, /^HTTP\/1\.1 408/);
    assert.deepEqual(parseRaw(answer).body.error, {
      code: RPC_ERRORS.invalidRequest,
      message: 'request not received in time (headers within 1 s, all of it within 1 s)',
    });
    assert.ok(Date.now() - started < 5000);
  });

  it('headers over 16 KB get 431, a JSON-RPC error', async () => {
    const out = await post('/rpc', queueAddition('big-headers'), { ...own(), 'x-pad': 'x'.repeat(17 * 1024) });
    assert.equal(out.status, 431);
    assert.equal(out.body.error.code, RPC_ERRORS.invalidRequest);
    assert.match(out.body.error.message, /headers over 16384 bytes/);
  });

  it('a declared Content-Length over 1 MiB gets 413 at once, before any body', async () => {
    const answer = await rawExchange((socket) =>
      socket.write(
        `POST /rpc HTTP/1.1\r\nhost: 127.0.0.1:${port}\r\ncontent-type: application/json\r\ncontent-length: ${2 * 1024 * 1024}\r\n\r\n`,
      ),
    );
    const { status, body } = parseRaw(answer);
    assert.equal(status, 413, answer.slice(0, 100));
    assert.equal(body.error.code, RPC_ERRORS.invalidRequest);
    assert.match(body.error.message, /request too large: 2097152 bytes declared, over the 1048576-byte limit/);
  });

  it('a request node:http cannot parse gets 400, a JSON-RPC error', async () => {
    const answer = await rawExchange((socket) => socket.write('NOT AN HTTP REQUEST\r\n\r\n'));
    const { status, body } = parseRaw(answer);
    assert.equal(status, 400);
    assert.equal(body.error.code, RPC_ERRORS.invalidRequest);
  });

  it('connections past the cap are dropped; the server answers again once they close', async () => {
    const sockets = await Promise.all(
      Array.from(
        { length: 8 },
        () =>
          new Promise<Socket>((resolve) => {
            const socket = connect(port, '127.0.0.1', () => resolve(socket));
          }),
      ),
    );
    await new Promise((r) => setTimeout(r, 100));
    const dropped = await rawExchange((socket) =>
      socket.write(
        `POST /rpc HTTP/1.1\r\nhost: 127.0.0.1:${port}\r\ncontent-type: application/json\r\ncontent-length: 2\r\n\r\n{}`,
      ),
    );
    assert.equal(dropped, '', 'the ninth connection is closed without an answer');
    for (const socket of sockets) socket.destroy();
    await new Promise((r) => setTimeout(r, 100));
    const ping = await post('/rpc', JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'ping' }), own());
    assert.equal(ping.body.result, 'pong');
  });
});

describe('the read-only route, POST /rpc/read', () => {
  const call = async (method: string, params?: unknown) =>
    (await post('/rpc/read', JSON.stringify({ jsonrpc: '2.0', id: 1, method, params }), own())).body;

  it('serves the read methods', async () => {
    await s.backend.queueTask('addition', { a: 2 }, { id: 'read-1' });
    assert.equal((await call('ping')).result, 'pong');
    assert.equal((await call('get_task', { id: 'read-1' })).result.id, 'read-1');
    assert.ok((await call('get_tasks', { ids: ['read-1'] })).result.tasks.length === 1);
    assert.ok(Array.isArray((await call('job_list')).result));
    assert.equal(typeof (await call('queue_stats')).result.queued, 'number');
  });

  it('refuses every method that writes with -32601, and writes nothing', async () => {
    const calls: [string, unknown][] = [
      ['queue_task', { jobname: 'addition', id: 'read-write-1' }],
      ['revoke_task', { id: 'read-1' }],
      ['delete_tasks', { ids: ['read-1'] }],
      ['redrive_dead_letters', {}],
    ];
    for (const [method, params] of calls) {
      const answer = await call(method, params);
      assert.equal(answer.error?.code, RPC_ERRORS.methodNotFound, method);
      assert.match(answer.error.message, /not served on the read-only route \/rpc\/read/);
    }
    assert.equal(await s.backend.getTask('read-write-1'), undefined);
    assert.equal((await s.backend.getTask('read-1'))?.status, 'QUEUED');
    // A batch: each call answered on its own.
    const batch = await post(
      '/rpc/read',
      JSON.stringify([
        { jsonrpc: '2.0', id: 1, method: 'ping' },
        { jsonrpc: '2.0', id: 2, method: 'queue_task', params: { jobname: 'addition' } },
      ]),
      own(),
    );
    assert.equal(batch.body[0].result, 'pong');
    assert.equal(batch.body[1].error.code, RPC_ERRORS.methodNotFound);
  });
});

describe("a reply over Lambda's 6 MB response limit", () => {
  it('is the bare 500 API Gateway answers, not the reply (the RPC layer keeps its replies under it)', async () => {
    const big = 'x'.repeat(6_000_001);
    const server = await startHttpServer({
      port: 0,
      handler: async () => ({ statusCode: 200, headers: { 'content-type': 'application/json' }, body: big }),
      logger: s.logger,
    });
    try {
      const res = await fetch(server.url, {
        method: 'POST',
        body: '{}',
        headers: { 'content-type': 'application/json' },
      });
      assert.equal(res.status, 500);
      assert.deepEqual(await res.json(), { message: 'Internal Server Error' });
    } finally {
      await server.close();
    }
  });
});

describe('the traceparent header of a queue_task request', () => {
  const TRACE = '4bf92f3577b34da6a3ce929d0e0e4736';
  const header = `00-${TRACE}-00f067aa0ba902b7-01`;
  const queue = (params: object, headers: Record<string, string> = {}) =>
    post(
      '/rpc',
      JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'queue_task', params: { jobname: 'addition', ...params } }),
      { ...own(), ...headers },
    );

  it("is the task's trace context when the param is not given", async () => {
    const { body } = await queue({ id: 'trace-header' }, { traceparent: header });
    assert.equal(body.result.traceparent, header);
    assert.equal((await s.store.getTask('trace-header'))?.traceparent, header);
    // A later version is read as 00, its extra fields dropped (the same rules as the param's).
    const later = await queue({ id: 'trace-later' }, { traceparent: `cc-${TRACE}-00f067aa0ba902b7-01-extra` });
    assert.equal(later.body.result.traceparent, header);
  });

  it('the param wins over the header', async () => {
    const param = `00-${'a'.repeat(32)}-${'b'.repeat(16)}-00`;
    const { body } = await queue({ id: 'trace-both', traceparent: param }, { traceparent: header });
    assert.equal(body.result.traceparent, param);
    // A bad param is still refused (-32602), a valid header notwithstanding, and nothing is written.
    const bad = await queue({ id: 'trace-bad-param', traceparent: 'nope' }, { traceparent: header });
    assert.equal(bad.body.error.code, RPC_ERRORS.invalidParams);
    assert.match(bad.body.error.message, /^traceparent must be a W3C traceparent/);
    assert.equal(await s.store.getTask('trace-bad-param'), undefined);
  });

  it('a header that is no W3C traceparent is ignored, as W3C Trace Context says: the task is queued without it', async () => {
    for (const [n, bad] of [
      `00-${TRACE.toUpperCase()}-00f067aa0ba902b7-01`,
      `00-${'0'.repeat(32)}-00f067aa0ba902b7-01`,
      `ff-${TRACE}-00f067aa0ba902b7-01`,
      `${header},${header}`,
    ].entries()) {
      const { status, body } = await queue({ id: `trace-bad-${n}` }, { traceparent: bad });
      assert.equal(status, 200);
      assert.equal(body.result.traceparent, null, bad);
    }
  });
});
