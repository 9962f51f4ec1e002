/**
 * The client's typing, proven by the compiler: `tsc --noEmit` on a fixture where right
 * calls compile and each wrong one sits under `@ts-expect-error` (an unused directive is
 * itself an error); then on a copy without the directives, where each wrong call must
 * fail, for the reason it states.
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { after, describe, it } from 'node:test';

const root = resolve(import.meta.dirname, '../..');
const tsc = join(root, 'node_modules/typescript/bin/tsc');
const fixture = join(root, 'test/types/client-types.ts');
const tmp = mkdtempSync(join(tmpdir(), 'skytask-types-'));
after(() => rmSync(tmp, { recursive: true, force: true }));

function runTsc(project: string): Promise<{ code: number; out: string }> {
  return new Promise((done) =>
    execFile(process.execPath, [tsc, '--noEmit', '--pretty', 'false', '-p', project], { cwd: root }, (err, stdout) =>
      done({ code: err ? Number(err.code ?? 1) : 0, out: stdout }),
    ),
  );
}

describe('client types (tsc on a fixture)', () => {
  it('right calls compile, and every wrong one is an error', async () => {
    const source = readFileSync(fixture, 'utf8');
    const expected = source.split('\n').flatMap((line, i) => (/\/\/ @ts-expect-error/.test(line) ? [i + 2] : []));
    assert.ok(expected.length >= 8, 'the fixture keeps its wrong calls');

    // The same file without the directives, its imports pointed back at the repository.
    const stripped = source
      .replace(/^\s*\/\/ @ts-expect-error.*$/gm, '// (directive removed)')
      .replaceAll("'../../", `'${root}/`);
    writeFileSync(join(tmp, 'client-types.ts'), stripped);
    writeFileSync(
      join(tmp, 'tsconfig.json'),
      JSON.stringify({
        extends: join(root, 'tsconfig.json'),
        compilerOptions: { typeRoots: [join(root, 'node_modules/@types')] },
        include: ['client-types.ts', join(root, 'local/dynalite.d.ts')],
      }),
    );

    const [right, wrong] = await Promise.all([
      runTsc(join(root, 'test/types/tsconfig.json')),
      runTsc(join(tmp, 'tsconfig.json')),
    ]);
    assert.equal(right.code, 0, right.out);

    assert.notEqual(wrong.code, 0);
    const errorLines = [...wrong.out.matchAll(/client-types\.ts\((\d+),\d+\): error (TS\d+)/g)].map((m) =>
      Number(m[1]),
    );
    assert.deepEqual([...new Set(errorLines)], expected, wrong.out);
    assert.match(wrong.out, /'"additon"' is not assignable/);
    assert.match(wrong.out, /'c' does not exist/);
    assert.match(wrong.out, /Type 'string' is not assignable to type 'number'/);
  });
});
