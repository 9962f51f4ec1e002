/**
 * The client's typing, proven by the compiler: `tsc --noEmit` on fixtures where right
 * calls compile and each wrong one sits under `@ts-expect-error` (an unused directive is
 * itself an error); then on a copy of each without the directives, where each wrong call
 * must fail, for the reason it states. client-types.ts: the sample jobs; schema-types.ts:
 * jobs with a kwargs schema (its input types the callers, its output the job's `run`);
 * workflow-types.ts: results flowing through chains and chords.
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { after, describe, it } from 'node:test';

const root = resolve(import.meta.dirname, '../..');
const tsc = join(root, 'node_modules/typescript/bin/tsc');
const tmp = mkdtempSync(join(tmpdir(), 'skytask-types-'));
after(() => rmSync(tmp, { recursive: true, force: true }));

function runTsc(project: string): Promise<{ code: number; out: string }> {
  return new Promise((done) =>
    execFile(process.execPath, [tsc, '--noEmit', '--pretty', 'false', '-p', project], { cwd: root }, (err, stdout) =>
      done({ code: err ? Number(err.code ?? 1) : 0, out: stdout }),
    ),
  );
}

/**
 * The fixture's lines under a directive (which must fail once it is gone), and tsc's
 * output for a copy of the fixture without the directives, its imports pointed back at
 * the repository.
 */
async function withoutDirectives(name: string): Promise<{ expected: number[]; errorLines: number[]; out: string }> {
  const source = readFileSync(join(root, 'test/types', name), 'utf8');
  const expected = source.split('\n').flatMap((line, i) => (/\/\/ @ts-expect-error/.test(line) ? [i + 2] : []));
  const stripped = source
    .replace(/^\s*\/\/ @ts-expect-error.*$/gm, '// (directive removed)')
    .replaceAll("'../../", `'${root}/`);
  const dir = mkdtempSync(join(tmp, 'fixture-'));
  writeFileSync(join(dir, name), stripped);
  writeFileSync(
    join(dir, 'tsconfig.json'),
    JSON.stringify({
      extends: join(root, 'tsconfig.json'),
      // The copy lives outside the repository: its bare imports (zod) resolve in the repository's node_modules.
      compilerOptions: {
        typeRoots: [join(root, 'node_modules/@types')],
        paths: { '*': [join(root, 'node_modules/*')] },
      },
      include: [name, join(root, 'local/dynalite.d.ts')],
    }),
  );
  const wrong = await runTsc(join(dir, 'tsconfig.json'));
  assert.notEqual(wrong.code, 0);
  const pattern = new RegExp(`${name.replace('.', '\\.')}\\((\\d+),\\d+\\): error (TS\\d+)`, 'g');
  const errorLines = [...new Set([...wrong.out.matchAll(pattern)].map((m) => Number(m[1])))];
  return { expected, errorLines, out: wrong.out };
}

describe('client types (tsc on fixtures)', { concurrency: 3 }, () => {
  it('right calls compile in every fixture (tsc -p test/types)', async () => {
    const right = await runTsc(join(root, 'test/types/tsconfig.json'));
    assert.equal(right.code, 0, right.out);
  });

  it('client-types.ts: every wrong call is an error', async () => {
    const { expected, errorLines, out } = await withoutDirectives('client-types.ts');
    assert.ok(expected.length >= 8, 'the fixture keeps its wrong calls');
    assert.deepEqual(errorLines, expected, out);
    assert.match(out, /'"additon"' is not assignable/);
    assert.match(out, /'c' does not exist/);
    assert.match(out, /Type 'string' is not assignable to type 'number'/);
  });

  it("schema-types.ts: callers are checked against a schema's input, run gets its output", async () => {
    const { expected, errorLines, out } = await withoutDirectives('schema-types.ts');
    assert.ok(expected.length >= 7, 'the fixture keeps its wrong calls');
    assert.deepEqual(errorLines, expected, out);
    assert.match(out, /Type 'string' is not assignable to type 'number'/);
    assert.match(out, /Property 'b' is missing/);
    assert.match(out, /'delya' does not exist/);
    assert.match(out, /Type 'Date' is not assignable to type 'string'/);
    assert.match(out, /Property 'toUpperCase' does not exist on type 'Date'/);
  });

  it("workflow-types.ts: a chain's step must take the result before it, a chord's callback its members'", async () => {
    const { expected, errorLines, out } = await withoutDirectives('workflow-types.ts');
    assert.ok(expected.length >= 10, 'the fixture keeps its wrong calls');
    assert.deepEqual(errorLines, expected, out);
    assert.match(out, /Type 'number\[\]' is not assignable to type 'number'/);
    assert.match(out, /'"nope"' is not assignable/);
  });
});
