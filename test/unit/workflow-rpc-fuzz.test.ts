/**
 * Fuzz of the workflow methods: seeded odd params for queue_chain, queue_group, queue_chord,
 * get_workflow and revoke_workflow, mostly right with one thing odd at a time. Every answer is
 * a result or a proper JSON-RPC error — never an internal one (-32603) — and what was queued
 * then runs. (That a refusal writes nothing: test/unit/workflows.test.ts.)
 * `WORKFLOW_FUZZ_SEED=<n>` explores another seed.
 */
import assert from 'node:assert/strict';
import { it } from 'node:test';
import { RPC_ERRORS } from '../../lib/index.js';
import { createTestQueue } from '../../lib/testing/index.js';
import * as jobs from '../fixtures/workflow-jobs.js';

const SEED = Number(process.env.WORKFLOW_FUZZ_SEED ?? 1414);

function prng(seed: number) {
  let a = seed >>> 0;
  const next = () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = Math.imul(a ^ (a >>> 15), a | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(next() * xs.length)];
  return { next, pick };
}

const ODD = [
  undefined,
  null,
  0,
  -1,
  1.5,
  1e16,
  Number.MAX_VALUE,
  '',
  'x',
  'a:b',
  'x'.repeat(101),
  '😀'.repeat(600),
  true,
  [],
  [1],
  {},
  { jobname: 'add' },
  { jobname: 'nope' },
  { jobname: 'add', kwargs: { a: 1, b: 2 } },
  { jobname: 'add', kwargs: 'no' },
  { jobname: 'add', kwargs: { a: 1, b: 2 }, delay: 'soon' },
  { jobname: 'add', kwargs: { a: 1, b: 2 }, eta: 1e16 },
  { jobname: 'double', expiry: -1 },
  { jobname: 'sum', extra: 1 },
  { jobname: 7 },
];

it(`the workflow methods answer odd params with proper errors, never an internal one (seed ${SEED})`, async () => {
  const q = createTestQueue({ jobs });
  const r = prng(SEED);
  const valid = { jobname: 'add', kwargs: { a: 1, b: 2 } };
  // Mostly right, one thing odd at a time: the odd one must be refused by name, the rest run.
  const item = () => (r.next() < 0.85 ? valid : r.pick(ODD));
  const list = () => (r.next() < 0.1 ? r.pick(ODD) : Array.from({ length: 1 + Math.floor(r.next() * 4) }, item));
  const maybe = (good: unknown) => (r.next() < 0.7 ? good : r.pick(ODD));
  const methods: Record<string, () => Record<string, unknown>> = {
    queue_chain: () => ({ steps: list(), id: maybe(undefined), link_error: maybe(undefined) }),
    queue_group: () => ({ members: list(), id: maybe(undefined) }),
    queue_chord: () => ({ members: list(), callback: maybe({ jobname: 'sum' }), policy: maybe('allSettled') }),
    get_workflow: () => ({ id: r.pick(ODD), limit: r.pick(ODD), cursor: r.pick(ODD) }),
    revoke_workflow: () => ({ id: r.pick(ODD) }),
  };
  const codes = new Map<number | string, number>();
  for (let n = 0; n < 1500; n++) {
    const method = r.pick(Object.keys(methods));
    const params = Object.fromEntries(Object.entries(methods[method]()).filter(([, v]) => v !== undefined));
    const body = JSON.stringify({ jsonrpc: '2.0', id: n, method, params });
    const answer = JSON.parse((await q.runtime.rpc.handle(body))!);
    const code = answer.error?.code ?? 'ok';
    codes.set(code, (codes.get(code) ?? 0) + 1);
    assert.notEqual(code, RPC_ERRORS.internalError, `${body} → ${JSON.stringify(answer)}`);
  }
  assert.ok((codes.get(RPC_ERRORS.invalidParams) ?? 0) > 100, JSON.stringify([...codes]));
  assert.ok((codes.get('ok') ?? 0) > 10, JSON.stringify([...codes]));
  await q.run({ maxDeliveries: 50_000 });
});
