/**
 * `npx tsx bench/cli-startup.ts [before-dir]`: how long `skytask --version` and `--help`
 * take to start, against `node -e 0` on the same machine. The target (docs/cli.md): the
 * median of 10 `skytask --version` runs within 0.5 s of `node -e 0`'s median.
 *
 * Three ways of running the CLI:
 * - `bin/skytask.js`, the `bin` entry as it is in this tree;
 * - `node --import tsx local/cli.ts` (the sources, tsx registered for every module);
 * - plain `node` on the CLI transpiled to JavaScript (esbuild, one file per module, no
 *   bundling), as a built package runs it.
 * With a `before-dir` (a checkout of an earlier commit, e.g. `git archive <commit> | tar -x
 * -C dir`, its own node_modules or a link to these) its bin and cli.ts are measured too.
 *
 * Runs are interleaved (one of each case per round), so that a load that comes and goes on
 * the machine falls on every case alike. Prints each case's median, and its ratio to and
 * difference from `node -e 0`'s.
 */
import { execFileSync } from 'node:child_process';
import { cpus } from 'node:os';
import { mkdtempSync, readdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { build } from 'esbuild';

const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 10);
const here = resolve(import.meta.dirname, '..');
const before = process.argv[2] ? resolve(process.argv[2]) : undefined;

/** The CLI's modules of the tree at `root` transpiled to JavaScript, beside a package.json and the node_modules. */
async function transpiled(root: string): Promise<string> {
  const dir = mkdtempSync(join(tmpdir(), 'skytask-cli-startup-'));
  const sources = ['lib', 'local', 'functions', 'examples']
    .flatMap((top) => readdirSync(join(root, top), { recursive: true, encoding: 'utf8' }).map((f) => `${top}/${f}`))
    .filter((f) => f.endsWith('.ts') && !f.endsWith('.d.ts'));
  await build({
    entryPoints: sources.map((f) => join(root, f)),
    outdir: dir,
    outbase: root,
    format: 'esm',
    platform: 'node',
    logLevel: 'warning',
  });
  writeFileSync(join(dir, 'package.json'), readFileSync(join(root, 'package.json')));
  symlinkSync(join(here, 'node_modules'), join(dir, 'node_modules'));
  return dir;
}

const built = await transpiled(here);
const builtBefore = before ? await transpiled(before) : undefined;
const cases: [string, string[], string][] = [
  ['node -e 0', ['-e', '0'], here],
  ['bin/skytask.js --version', ['bin/skytask.js', '--version'], here],
  ['bin/skytask.js --help', ['bin/skytask.js', '--help'], here],
  ['node --import tsx local/cli.ts --version', ['--import', 'tsx', 'local/cli.ts', '--version'], here],
  ['node --import tsx local/cli.ts --help', ['--import', 'tsx', 'local/cli.ts', '--help'], here],
  ['node (transpiled) local/cli.js --version', ['local/cli.js', '--version'], built],
  ['node (transpiled) local/cli.js --help', ['local/cli.js', '--help'], built],
];
if (before) {
  cases.push(
    ['before: bin/skytask.js --version', ['bin/skytask.js', '--version'], before],
    ['before: bin/skytask.js --help', ['bin/skytask.js', '--help'], before],
    ['before: node --import tsx local/cli.ts --help', ['--import', 'tsx', 'local/cli.ts', '--help'], before],
    ['before: node (transpiled) local/cli.js --help', ['local/cli.js', '--help'], builtBefore!],
  );
}

const times = new Map<string, number[]>(cases.map(([name]) => [name, []]));
const codes = new Map<string, number>();
for (let round = 0; round < ROUNDS; round++) {
  for (const [name, args, cwd] of cases) {
    const start = process.hrtime.bigint();
    try {
      execFileSync(process.execPath, args, { cwd, stdio: 'ignore' });
      codes.set(name, 0);
    } catch (err) {
      codes.set(name, (err as { status?: number }).status ?? 1);
    }
    times.get(name)!.push(Number(process.hrtime.bigint() - start) / 1e6);
  }
}
for (const dir of [built, builtBefore]) if (dir) rmSync(dir, { recursive: true, force: true });

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};
const base = median(times.get('node -e 0')!);
console.log(
  `skytask CLI start-up — median of ${ROUNDS} interleaved runs; ${cpus().length} cores, Node ${process.version}`,
);
for (const [name] of cases) {
  const m = median(times.get(name)!);
  const exit = codes.get(name) ? `  (exit ${codes.get(name)})` : '';
  console.log(
    `${name.padEnd(48)} ${m.toFixed(0).padStart(5)} ms   ×${(m / base).toFixed(2)}   +${(m - base).toFixed(0)} ms${exit}`,
  );
}
