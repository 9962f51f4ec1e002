/**
 * `npx tsx bench/function-bundles.ts`: the Lambda bundles with the AWS SDK left out (the
 * runtime's copy) against the SDK bundled in (the version the tests ran with): their size,
 * raw and gzipped (a proxy for the deployment zip), and a cold-start proxy measured here —
 * a fresh `node` importing the bundle and answering a first call (the RPC function's `ping`
 * builds the runtime: config, registry, the SDK clients). docs/deploy.md records the
 * figures and the choice they support.
 *
 * The bundles are built with the construct's own esbuild options (`bundlingFor`, which
 * bundles the SDK), and again with `@aws-sdk/*` external as the construct did before. An external bundle is written under node_modules/.cache so that its
 * `@aws-sdk/*` imports resolve from the repository's node_modules, as they would from the
 * runtime's /var/runtime/node_modules. Runs are interleaved (one of each case per round) so
 * that load on the machine falls on every case alike; each case's median is printed.
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { gzipSync } from 'node:zlib';
import { build } from 'esbuild';
import { bundlingFor, FUNCTION_ENTRIES } from '../cdk/task-function.js';

const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 10);
const here = resolve(import.meta.dirname, '..');
const jobs = join(here, 'examples/jobs.ts');
const cache = join(here, 'node_modules/.cache');
/** The folder of this measurement's bundles (made by measureBundles, removed after). */
let dir = '';

/** One function bundled as the construct bundles it, the SDK external or inside. */
async function bundle(name: keyof typeof FUNCTION_ENTRIES, sdk: 'external' | 'bundled'): Promise<string> {
  const options = bundlingFor(jobs);
  const outfile = join(dir, `${name}-${sdk}.mjs`);
  await build({
    entryPoints: [FUNCTION_ENTRIES[name]],
    outfile,
    bundle: true,
    platform: 'node',
    target: 'node24',
    format: 'esm',
    minify: options.minify,
    sourcemap: options.sourceMap,
    sourcesContent: options.sourcesContent,
    mainFields: options.mainFields,
    banner: { js: options.banner! },
    alias: { '#jobs': jobs },
    external: sdk === 'external' ? ['@aws-sdk/*'] : [],
    logLevel: 'error',
  });
  return outfile;
}

/** Milliseconds for a fresh `node` to import the bundle and answer `call`. */
function coldStart(file: string, call: string): number {
  const script = `const t0 = performance.now();
const m = await import(${JSON.stringify(`file://${file}`)});
${call}
console.log(performance.now() - t0);`;
  const out = execFileSync(process.execPath, ['--input-type=module', '-e', script], {
    env: {
      PATH: process.env.PATH,
      AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
      AWS_REGION: 'us-east-1',
      SKYTASK_TABLE: 'bench',
      SKYTASK_QUEUE_URL: 'http://127.0.0.1:9/queue/bench',
      SKYTASK_LOG_LEVEL: 'warn',
    },
  });
  return Number(out.toString().trim());
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const kb = (bytes: number) => `${(bytes / 1024).toFixed(0)} KB`;

const calls: Partial<Record<keyof typeof FUNCTION_ENTRIES, string>> = {
  rpc: `await m.handler({ body: '{"jsonrpc":"2.0","id":1,"method":"ping"}', isBase64Encoded: false, requestContext: { http: { sourceIp: '127.0.0.1' } } }, {});`,
  consumer: 'await m.handler({ Records: [] }, {});',
};

/** One bundle's figures: sizes in bytes, and the cold-start proxy's times (ms), if it has a first call. */
export interface BundleFigures {
  name: string;
  sdk: 'external' | 'bundled';
  bytes: number;
  gzip: number;
  map: number;
  times: number[];
}

/**
 * Build every function's bundle for each of `sdks`, and time `rounds` fresh imports and first
 * calls of the ones that have one (rpc, consumer), the cases interleaved round by round.
 */
export async function measureBundles(
  rounds: number,
  sdks: readonly ('external' | 'bundled')[] = ['external', 'bundled'],
): Promise<BundleFigures[]> {
  const figures: (BundleFigures & { file: string })[] = [];
  mkdirSync(cache, { recursive: true });
  dir = mkdtempSync(join(cache, 'skytask-bundles-'));
  try {
    for (const name of Object.keys(FUNCTION_ENTRIES) as (keyof typeof FUNCTION_ENTRIES)[]) {
      for (const sdk of sdks) {
        const file = await bundle(name, sdk);
        const sizes = {
          bytes: statSync(file).size,
          gzip: gzipSync(readFileSync(file)).length,
          map: statSync(`${file}.map`).size,
        };
        figures.push({ name, sdk, file, ...sizes, times: [] });
      }
    }
    for (let round = 0; round < rounds; round++) {
      for (const f of figures) {
        const call = calls[f.name as keyof typeof FUNCTION_ENTRIES];
        if (call) f.times.push(coldStart(f.file, call));
      }
    }
    return figures.map(({ file: _, ...f }) => f);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** Lines for a report: size per bundle, then the median cold-start proxy of the ones timed. */
export function bundleLines(figures: readonly BundleFigures[]): string[] {
  const lines = figures.map(
    (f) =>
      `${f.name.padEnd(10)} SDK ${f.sdk.padEnd(8)} ${kb(f.bytes).padStart(8)} raw ${kb(f.gzip).padStart(7)} gzip, map ${kb(f.map)}`,
  );
  const timed = figures.filter((f) => f.times.length);
  if (timed.length) {
    lines.push(`import + first call, fresh node ${process.version}, median of ${timed[0].times.length}:`);
    for (const f of timed) lines.push(`${f.name.padEnd(10)} SDK ${f.sdk.padEnd(8)} ${median(f.times).toFixed(0)} ms`);
  }
  return lines;
}

if (import.meta.url === `file://${process.argv[1]}`) {
  console.log(bundleLines(await measureBundles(ROUNDS)).join('\n'));
}
