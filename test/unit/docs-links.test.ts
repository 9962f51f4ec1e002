/**
 * Every relative link of the README, BENCHMARKS.md and docs/*.md points at a file that
 * exists, and a `#anchor` at a heading of its target (as GitHub names headings); and a
 * link of a page the package ships (`npm pack`'s list) points at a file it ships too, so
 * that the docs in node_modules/skytask have no dead link — a source file not shipped is
 * named as text, "in the repository". Links with a scheme (https:, mailto:) are not followed.
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, normalize, relative } from 'node:path';
import { describe, it } from 'node:test';
import { anchorsOf, docFiles, githubSlug, linksOf, root } from '../markdown.js';

/**
 * Pages other branches are writing, which the docs link to already: a link to one of them
 * passes while the file is missing (without an anchor: there is nothing to check it
 * against yet). Remove them from this list when those branches are merged; the last test
 * below fails until then.
 */
const PAGES_WRITTEN_ELSEWHERE: string[] = [];

const read = (path: string) => readFileSync(join(root, path), 'utf8');

/** What is wrong with a link `target` found in `doc`, or undefined. */
function problemOf(doc: string, target: string): string | undefined {
  if (/^[a-z][a-z0-9+.-]*:/i.test(target) || target.startsWith('//')) return undefined;
  const hash = target.indexOf('#');
  const pathPart = decodeURI(hash === -1 ? target : target.slice(0, hash));
  const anchor = hash === -1 ? undefined : decodeURIComponent(target.slice(hash + 1));
  const file = pathPart === '' ? doc : relative(root, normalize(join(root, dirname(doc), pathPart)));
  if (file.startsWith('..')) return `${target}: outside the repository`;
  if (!existsSync(join(root, file))) {
    if (!PAGES_WRITTEN_ELSEWHERE.includes(file)) return `${target}: ${file} does not exist`;
    return anchor === undefined ? undefined : `${target}: ${file} is not written yet, so its anchors cannot be checked`;
  }
  if (anchor === undefined) return undefined;
  if (statSync(join(root, file)).isDirectory() || !file.endsWith('.md')) {
    return `${target}: an anchor into ${file}, which is not a markdown page`;
  }
  return anchorsOf(read(file)).has(anchor) ? undefined : `${target}: no heading of ${file} has the anchor #${anchor}`;
}

/**
 * The files `npm pack` puts in the package (its `files`, README, package.json), listed
 * without building (`--ignore-scripts`: `dist/` is as it is; no doc links into it).
 */
export function packedFiles(): Set<string> {
  const out = execFileSync('npm', ['pack', '--dry-run', '--json', '--ignore-scripts'], { cwd: root, encoding: 'utf8' });
  return new Set((JSON.parse(out) as { files: { path: string }[] }[])[0].files.map((f) => f.path));
}

/** The file a relative link of `doc` points at (repository-relative), or undefined for a link with a scheme or an anchor alone. */
function targetFile(doc: string, target: string): string | undefined {
  if (/^[a-z][a-z0-9+.-]*:/i.test(target) || target.startsWith('//') || target.startsWith('#')) return undefined;
  const hash = target.indexOf('#');
  const pathPart = decodeURI(hash === -1 ? target : target.slice(0, hash));
  return relative(root, normalize(join(root, dirname(doc), pathPart)));
}

/** Whether `file` (a file or a directory) is in the package's file list. */
const shipped = (packed: Set<string>, file: string) =>
  packed.has(file) || [...packed].some((f) => f.startsWith(`${file.replace(/\/$/, '')}/`));

describe('relative links in the README and docs/', () => {
  const links = docFiles().flatMap((doc) => linksOf(read(doc)).map((link) => ({ doc, ...link })));

  it('are there to check', () => {
    assert.ok(links.length >= 20, `${links.length} links found`);
  });

  it('point at files that exist, and at headings that exist', () => {
    const broken = links
      .map(({ doc, line, target }) => {
        const problem = problemOf(doc, target);
        return problem && `${doc}:${line}: ${problem}`;
      })
      .filter((p) => p !== undefined);
    assert.deepEqual(broken, []);
  });

  it('of a page the package ships point at files it ships (a source file not shipped is text: "in the repository")', () => {
    const packed = packedFiles();
    assert.ok(packed.has('docs/workflows.md') && packed.has('docs/images/dashboard-workflow.png'), 'the list is read');
    const dead = links
      .filter(({ doc }) => packed.has(doc))
      .map(({ doc, line, target }) => {
        const file = targetFile(doc, target);
        return file !== undefined && !shipped(packed, file)
          ? `${doc}:${line}: ${target} is not in the package`
          : undefined;
      })
      .filter((p) => p !== undefined);
    assert.deepEqual(dead, []);
  });

  it('PAGES_WRITTEN_ELSEWHERE lists only pages still missing here (remove the ones merged)', () => {
    assert.deepEqual(
      PAGES_WRITTEN_ELSEWHERE.filter((page) => existsSync(join(root, page))),
      [],
    );
  });
});

describe('the link checker', () => {
  it('reads links outside code, and names headings as GitHub does', () => {
    const markdown = [
      '# Scheduled tasks: `delay` and `eta`',
      'See [a](docs/a.md#x) and ![img](b.png "title").',
      '`[not](a-link.md)`',
      '```md',
      '[not](a-link-either.md)',
      '## In a fence',
      '```',
      '[ref]: https://example.com',
      '## Props — and default settings',
      '## Props — and default settings',
    ].join('\n');
    assert.deepEqual(linksOf(markdown), [
      { line: 2, target: 'docs/a.md#x' },
      { line: 2, target: 'b.png' },
      { line: 8, target: 'https://example.com' },
    ]);
    assert.deepEqual(
      [...anchorsOf(markdown)],
      ['scheduled-tasks-delay-and-eta', 'props--and-default-settings', 'props--and-default-settings-1'],
    );
    assert.equal(githubSlug('The TypeScript client: [`skytask/client`](x.md)'), 'the-typescript-client-skytaskclient');
    assert.equal(githubSlug('SKYTASK_TABLE, 3 × 2'), 'skytask_table-3--2');
  });

  it('flags a missing file, a missing anchor, and accepts a page written elsewhere without an anchor', () => {
    assert.match(problemOf('README.md', 'docs/nope.md') ?? '', /does not exist/);
    assert.match(problemOf('README.md', '#no-such-heading') ?? '', /no heading/);
    assert.equal(problemOf('README.md', 'https://example.com/x'), undefined);
    assert.equal(problemOf('docs/README.md', '../lib/'), undefined);
    for (const page of PAGES_WRITTEN_ELSEWHERE) {
      if (existsSync(join(root, page))) continue;
      assert.equal(problemOf('README.md', page), undefined);
      assert.match(problemOf('README.md', `${page}#x`) ?? '', /not written yet/);
    }
  });
});
