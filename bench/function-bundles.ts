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
mkdirSync(cache, { recursive: true });
const dir = mkdtempSync(join(cache, 'skytask-bundles-'));

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

try {
  const cases: { name: string; sdk: string; file: string; call: string; times: number[] }[] = [];
  for (const name of Object.keys(FUNCTION_ENTRIES) as (keyof typeof FUNCTION_ENTRIES)[]) {
    for (const sdk of ['external', 'bundled'] as const) {
      const file = await bundle(name, sdk);
      const bytes = statSync(file).size;
      const gzip = gzipSync(readFileSync(file)).length;
      const map = statSync(`${file}.map`).size;
      console.log(
        `${name.padEnd(10)} SDK ${sdk.padEnd(8)} ${kb(bytes).padStart(8)} raw ${kb(gzip).padStart(7)} gzip, map ${kb(map)}`,
      );
      const call = calls[name];
      if (call) cases.push({ name, sdk, file, call, times: [] });
    }
  }
  for (let round = 0; round < ROUNDS; round++) {
    for (const c of cases) c.times.push(coldStart(c.file, c.call));
  }
  console.log(`\nimport + first call, fresh node ${process.version}, median of ${ROUNDS}:`);
  for (const c of cases) console.log(`${c.name.padEnd(10)} SDK ${c.sdk.padEnd(8)} ${median(c.times).toFixed(0)} ms`);
} finally {
  rmSync(dir, { recursive: true, force: true });
}
