/**
 * `skytask/client` is what other services import to queue tasks: its import graph must
 * not reach the local stack's emulators, tsx, esbuild, the CDK or middy (the adoption
 * script checks the same on the packed tarball). A control import proves the hook works.
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { describe, it } from 'node:test';
import { CLIENT_MUST_NOT_LOAD, forbidPackagesImport } from '../adoption/forbid-packages.js';

const root = resolve(import.meta.dirname, '../..');

/** Import one module of the repository (under tsx) with the forbidden packages refused. */
function importWithHook(module: string): Promise<{ code: number; stderr: string }> {
  const url = pathToFileURL(resolve(root, module)).href;
  const args = [
    '--import',
    'tsx',
    '--import',
    forbidPackagesImport(CLIENT_MUST_NOT_LOAD),
    '--input-type=module',
    '-e',
    `await import(${JSON.stringify(url)});`,
  ];
  return new Promise((done) =>
    execFile(process.execPath, args, { cwd: root, timeout: 60_000 }, (err, _stdout, stderr) =>
      done({ code: err ? Number(err.code ?? 1) : 0, stderr }),
    ),
  );
}

describe('the import graph of skytask/client', () => {
  it('loads none of the emulators, tsx, esbuild, aws-cdk-lib, constructs, middy, commander, pino-pretty', async () => {
    const [client, control] = await Promise.all([
      importWithHook('lib/client/index.ts'),
      importWithHook('local/emulators.ts'),
    ]);
    assert.equal(client.code, 0, client.stderr);
    assert.notEqual(control.code, 0, 'the hook refuses a forbidden package (control: the emulators)');
    assert.match(control.stderr, /forbidden package loaded: (dynalite|fauxqs)/);
  });
});
