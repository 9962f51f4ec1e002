/**
 * Where the CLI takes its port and endpoint from (DESIGN.md, "Configuration"): `skytask
 * start` listens on --port, else SKYTASK_PORT, else PORT; the client commands call --url,
 * else SKYTASK_URL, else the local stack's default URL, and never read the generic PORT.
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { SETTINGS } from '../../lib/settings.js';

const root = resolve(import.meta.dirname, '../..');

interface Run {
  code: number;
  stderr: string;
}

/** Run `local/cli.ts` with exactly these port and endpoint variables (the others as they are). */
function cli(args: string[], env: Record<string, string>): Promise<Run> {
  const base = { ...process.env };
  for (const s of [SETTINGS.port, SETTINGS.hostPort, SETTINGS.url, SETTINGS.token]) delete base[s.env];
  return new Promise((done) =>
    execFile(
      process.execPath,
      ['--import', 'tsx', 'local/cli.ts', ...args],
      { cwd: root, timeout: 60_000, env: { ...base, ...env } },
      (err, _stdout, stderr) => done({ code: err ? Number(err.code ?? 1) : 0, stderr }),
    ),
  );
}

describe('skytask start: the port', () => {
  // Should a bad port be read past, the stack starts here (until the 60 s timeout), not in .skytask/.
  const dataDir = mkdtempSync(join(tmpdir(), 'skytask-cli-settings-'));
  after(() => rmSync(dataDir, { recursive: true, force: true }));

  it('--port comes first, then SKYTASK_PORT, then PORT; a bad one is a usage error naming its source', async () => {
    const env = (vars: Record<string, string>) => ({ ...vars, [SETTINGS.dataDir.env]: dataDir });
    const [flag, skytaskPort, port] = await Promise.all([
      cli(['start', '--port', 'x'], env({ [SETTINGS.port.env]: '0', [SETTINGS.hostPort.env]: '0' })),
      cli(['start'], env({ [SETTINGS.port.env]: 'x', [SETTINGS.hostPort.env]: '0' })),
      cli(['start'], env({ [SETTINGS.hostPort.env]: '70000' })),
    ]);
    assert.equal(flag.code, 2);
    assert.match(flag.stderr, /^--port must be a port number, not "x"/);
    assert.equal(skytaskPort.code, 2);
    assert.match(skytaskPort.stderr, /^SKYTASK_PORT must be a port number, not "x"/);
    assert.equal(port.code, 2);
    assert.match(port.stderr, /^PORT must be a port number, not "70000"/);
  });
});

describe('the client commands: the endpoint', () => {
  let server: Server;
  let port = 0;
  let requests = 0;

  before(async () => {
    // Not JSON-RPC: each call ends in exit 4, which is enough to count who reached it.
    server = createServer((_req, res) => {
      requests++;
      res.writeHead(500).end('no');
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    port = (server.address() as AddressInfo).port;
  });
  after(() => new Promise<void>((r) => server.close(() => r())));

  it('SKYTASK_URL is the endpoint', async () => {
    const before = requests;
    const run = await cli(['stats'], { [SETTINGS.url.env]: `http://127.0.0.1:${port}/rpc` });
    assert.equal(run.code, 4);
    assert.equal(requests, before + 1);
  });

  it('PORT is not: without SKYTASK_URL the client calls the default URL', async () => {
    const before = requests;
    const run = await cli(['stats'], { [SETTINGS.hostPort.env]: String(port), [SETTINGS.port.env]: String(port) });
    assert.equal(requests, before, 'the server on PORT and SKYTASK_PORT was not called');
    // Exit 4 unless a local stack happens to run on the default port.
    if (run.code !== 0) assert.match(run.stderr, new RegExp(new URL(SETTINGS.url.default).host));
  });
});
