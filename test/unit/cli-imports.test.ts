/**
 * `skytask --version` and `--help` start fast because the CLI's entry loads commander, the
 * settings and the command declarations only (docs/cli.md, "Start-up time"; measured by
 * bench/cli-startup.ts). This test keeps it so: it follows the static imports of
 * local/cli.ts and refuses any package but commander (no AWS SDK, pino, tsx, emulators)
 * and any module that is loaded lazily on purpose (the stack, the client, the commands' bodies).
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { describe, it } from 'node:test';

const root = resolve(import.meta.dirname, '../..');

/** The specifiers of a module's static value imports and re-exports (`import type` is erased). */
export function staticImports(source: string): string[] {
  const code = source.replace(/\/\*[\s\S]*?\*\//g, '').replace(/^\s*\/\/.*$/gm, '');
  const from = /^\s*(?:import|export)\s+(?!type\b)[^'"`;]*?\bfrom\s+['"]([^'"]+)['"]/gm;
  const bare = /^\s*import\s+['"]([^'"]+)['"]/gm;
  return [...code.matchAll(from), ...code.matchAll(bare)].map((m) => m[1]);
}

/** Every module local/cli.ts loads before a command runs: relative paths, and the packages. */
function startupGraph(entry: string): { modules: string[]; packages: string[] } {
  const modules = new Set<string>();
  const packages = new Set<string>();
  const visit = (file: string) => {
    if (modules.has(file)) return;
    modules.add(file);
    for (const spec of staticImports(readFileSync(file, 'utf8'))) {
      if (spec.startsWith('.')) visit(resolve(dirname(file), spec.replace(/\.js$/, '.ts')));
      else packages.add(spec);
    }
  };
  visit(join(root, entry));
  return { modules: [...modules].map((m) => relative(root, m)).sort(), packages: [...packages].sort() };
}

describe('the CLI start-up imports', () => {
  it('reads static imports and re-exports, not type imports', () => {
    const source = `import type { A } from 'a';\nimport { type B, c } from 'b';\nexport { d } from './d.js';\nexport type * from './e.js';\nimport 'f';\n// import x from 'g';\nconst h = await import('h');`;
    assert.deepEqual(staticImports(source).sort(), ['./d.js', 'b', 'f']);
  });

  it('local/cli.ts loads commander and node builtins only, and none of the commands’ bodies', () => {
    const { modules, packages } = startupGraph('local/cli.ts');
    assert.deepEqual(
      packages.filter((p) => !p.startsWith('node:')),
      ['commander'],
    );
    const lazy = [
      'local/cli-start.ts',
      'local/cli-stop.ts',
      'local/cli-init.ts',
      'local/init.ts',
      'local/cli-client-actions.ts',
      'local/stack.ts',
    ];
    assert.deepEqual(
      modules.filter((m) => lazy.includes(m) || m.startsWith('lib/client/') || m === 'lib/index.ts'),
      [],
    );
  });
});
