/**
 * The TypeScript snippets of the README and docs/ are real files under examples/, which
 * `npm run typecheck` compiles. A fence names its file, ```ts file=examples/client.ts```,
 * and must be a run of that file's lines, word for word (the whole file or an excerpt):
 * change the file and the docs that quote it fail here until they quote it again. A README
 * snippet starts at its file's imports: a new user copies it whole, with every name it uses
 * (a fragment with `client` undefined does not run).
 */
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { docFiles, type Fence, fencesOf, root } from '../markdown.js';

const TYPESCRIPT = new Set(['ts', 'typescript', 'tsx', 'mts']);

const lines = (text: string) => text.split('\n').map((line) => line.trimEnd());

/**
 * Where `excerpt` sits in `file` as consecutive lines: the index of its first line, or
 * undefined; then `closest` says how far the best start matched, for the message.
 */
export function excerptAt(excerpt: string[], file: string[]): { at?: number; closest: string } {
  let best = { matched: -1, start: -1 };
  for (let start = 0; start + excerpt.length <= file.length; start++) {
    let matched = 0;
    while (matched < excerpt.length && excerpt[matched] === file[start + matched]) matched++;
    if (matched === excerpt.length) return { at: start, closest: '' };
    if (matched > best.matched) best = { matched, start };
  }
  if (best.matched <= 0) return { closest: `its first line is not in the file: ${JSON.stringify(excerpt[0])}` };
  const n = best.matched;
  return {
    closest:
      `from line ${best.start + 1} of the file, the snippet's line ${n + 1} differs:\n` +
      `  snippet: ${JSON.stringify(excerpt[n])}\n  file:    ${JSON.stringify(file[best.start + n])}`,
  };
}

/** What is wrong with one TypeScript fence of `doc`, or undefined. */
function problemOf(doc: string, fence: Fence): string | undefined {
  const where = `${doc}:${fence.line}`;
  const file = fence.attrs.file;
  if (!file) return `${where}: a TypeScript fence names the file it quotes (\`\`\`ts file=examples/….ts)`;
  if (!file.startsWith('examples/')) return `${where}: ${file} is not under examples/`;
  if (!existsSync(join(root, file))) return `${where}: ${file} does not exist`;
  const body = lines(fence.body.join('\n'));
  if (body.every((line) => line === '')) return `${where}: the snippet is empty`;
  const source = lines(readFileSync(join(root, file), 'utf8'));
  const found = excerptAt(body, source);
  if (found.at === undefined) return `${where}: not a run of lines of ${file}; ${found.closest}`;
  const firstImport = source.findIndex((line) => line.startsWith('import '));
  if (doc === 'README.md' && firstImport !== -1 && found.at !== firstImport) {
    return `${where}: a README snippet is whole, from ${file}'s imports on (line ${firstImport + 1}), so that it runs as copied`;
  }
  return undefined;
}

describe('TypeScript snippets in the README and docs/', () => {
  const snippets = docFiles().flatMap((doc) =>
    fencesOf(readFileSync(join(root, doc), 'utf8'))
      .filter((fence) => TYPESCRIPT.has(fence.lang))
      .map((fence) => ({ doc, fence })),
  );

  it('are there to check', () => {
    assert.ok(snippets.length >= 10, `${snippets.length} TypeScript snippets found`);
  });

  it('each quote a file under examples/ word for word', () => {
    const problems = snippets.map(({ doc, fence }) => problemOf(doc, fence)).filter((p) => p !== undefined);
    assert.deepEqual(problems, []);
  });
});

describe('the snippet matcher', () => {
  it('reads fences and their file', () => {
    const [fence] = fencesOf('text\n```ts file=examples/a.ts\nconst a = 1;\n```\nmore');
    assert.deepEqual(fence, { line: 2, lang: 'ts', attrs: { file: 'examples/a.ts' }, body: ['const a = 1;'] });
  });

  it('finds consecutive lines, and says where the closest run differs', () => {
    const file = ['a', 'b', 'c', 'd'];
    assert.equal(excerptAt(['b', 'c'], file).at, 1);
    assert.equal(excerptAt(file, file).at, 0);
    assert.equal(excerptAt(['b', 'd'], file).at, undefined);
    assert.match(excerptAt(['b', 'd'], file).closest, /line 2 of the file, the snippet's line 2 differs/);
    assert.match(excerptAt(['x'], file).closest, /first line is not in the file/);
    assert.equal(excerptAt(['c', 'd', 'e'], file).at, undefined);
  });
});
