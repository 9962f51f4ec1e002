/**
 * Just enough markdown for the docs tests (test/unit/docs-*.test.ts): the documentation
 * files, their code fences, their links, and the anchors GitHub gives their headings.
 */
import { readdirSync } from 'node:fs';
import { join } from 'node:path';

export const root = join(import.meta.dirname, '..');

/** The documentation the tests check, relative to the repository root. */
export function docFiles(): string[] {
  const docs = readdirSync(join(root, 'docs'))
    .filter((f) => f.endsWith('.md'))
    .sort()
    .map((f) => `docs/${f}`);
  return ['README.md', 'BENCHMARKS.md', ...docs];
}

/** A fenced code block: its info string (```ts file=examples/a.ts → lang `ts`, attrs `{ file }`), its lines. */
export interface Fence {
  /** 1-based line of the opening fence. */
  line: number;
  lang: string;
  attrs: Record<string, string>;
  body: string[];
}

const FENCE = /^\s*(`{3,}|~{3,})\s*([^\s`]*)(.*)$/;

/** Every fenced code block of a markdown text. */
export function fencesOf(markdown: string): Fence[] {
  const fences: Fence[] = [];
  let open: { marker: string; fence: Fence } | undefined;
  markdown.split('\n').forEach((text, i) => {
    if (open) {
      const close = text.trim();
      if (close.startsWith(open.marker) && /^(`+|~+)$/.test(close)) {
        fences.push(open.fence);
        open = undefined;
      } else open.fence.body.push(text);
      return;
    }
    const m = FENCE.exec(text);
    if (!m) return;
    const attrs = Object.fromEntries([...m[3].matchAll(/(\w+)=(\S+)/g)].map((a) => [a[1], a[2]]));
    open = { marker: m[1], fence: { line: i + 1, lang: m[2], attrs, body: [] } };
  });
  return fences;
}

/** The lines of a markdown text with its fenced code blocks blanked (line numbers kept). */
function withoutFences(markdown: string): string[] {
  const lines = markdown.split('\n');
  for (const fence of fencesOf(markdown)) {
    for (let i = fence.line - 1; i <= fence.line + fence.body.length; i++) lines[i] = '';
  }
  return lines;
}

/** The lines of a markdown text with its fenced code blocks and inline code spans blanked. */
export function withoutCode(markdown: string): string[] {
  return withoutFences(markdown).map((line) => line.replace(/(`+)(?:(?!\1).)+\1/g, (span) => ' '.repeat(span.length)));
}

/** A link of a markdown text: where it points and on which line. */
export interface Link {
  line: number;
  target: string;
}

/** Inline links and images (`[text](target)`) and reference definitions (`[name]: target`), outside code. */
export function linksOf(markdown: string): Link[] {
  const links: Link[] = [];
  withoutCode(markdown).forEach((text, i) => {
    for (const m of text.matchAll(/\]\(\s*<?([^)\s>]*)>?(?:\s+"[^"]*")?\s*\)/g))
      links.push({ line: i + 1, target: m[1] });
    const definition = /^\s{0,3}\[[^\]]+\]:\s*<?(\S+?)>?(?:\s|$)/.exec(text);
    if (definition) links.push({ line: i + 1, target: definition[1] });
  });
  return links;
}

/**
 * The anchor GitHub gives a heading's text: lower case, punctuation dropped (hyphens and
 * underscores kept), each space a hyphen. Markdown is read as rendered: code spans keep
 * their text, a link keeps its text, emphasis marks go.
 */
export function githubSlug(heading: string): string {
  const text = heading
    .replace(/!?\[([^\]]*)\]\([^)]*\)/g, '$1')
    .replace(/[`*]/g, '')
    .trim();
  return text
    .toLowerCase()
    .replace(/[^\p{L}\p{M}\p{N}\p{Pc} -]/gu, '')
    .replace(/ /g, '-');
}

/** The anchors of a markdown text's ATX headings, a repeated one numbered as GitHub does (`-1`, `-2`…). */
export function anchorsOf(markdown: string): Set<string> {
  const anchors = new Set<string>();
  const seen = new Map<string, number>();
  for (const text of withoutFences(markdown)) {
    const m = /^\s{0,3}#{1,6}\s+(.*?)\s*#*\s*$/.exec(text);
    if (!m) continue;
    const slug = githubSlug(m[1]);
    const n = seen.get(slug) ?? 0;
    seen.set(slug, n + 1);
    anchors.add(n === 0 ? slug : `${slug}-${n}`);
  }
  return anchors;
}
