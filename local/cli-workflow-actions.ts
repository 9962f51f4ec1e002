/**
 * What the workflow commands do (`skytask workflow`, `queue-workflow`, `revoke-workflow`):
 * imported with the client commands' bodies, only when one runs.
 */
import { readFileSync } from 'node:fs';
import type { SkytaskClient } from '../lib/client/types.js';
import { ValidationError } from '../lib/errors.js';
import { workflowSpecOf } from '../lib/rpc/workflow-params.js';
import type { WorkflowKind } from '../lib/workflow.js';
import { type WorkflowState, workflowToWire } from '../lib/workflow-state.js';
import { EXIT } from './cli-exit.js';
import { type EndpointOptions, out, spinner, when } from './cli-output.js';

const show = (value: unknown) => (typeof value === 'string' ? value : JSON.stringify(value));

/**
 * A workflow for a person: its line, its counts, its callback, why it failed (`why`:
 * `whyFailed`), then a line per task of the page, and the cursor to the next page if it
 * listed any.
 */
export function humanWorkflow(w: WorkflowState, why?: string): string {
  const c = w.counts;
  const lines = [
    `${w.id}  ${w.kind}  ${w.status}  queued ${when(w.timeQueued)}${w.timeEnded ? `, ended ${when(w.timeEnded)}` : ''}`,
    `${c.total} ${w.kind === 'chain' ? 'steps' : 'members'}: ${c.succeeded} succeeded, ${c.failed} failed, ${c.revoked} revoked, ${c.pending} pending`,
  ];
  if (w.callback) lines.push(`callback ${w.callback.id}  ${w.callback.status}`);
  if (w.result !== undefined) lines.push(`result   ${show(w.result)}`);
  if (why) lines.push(`error    ${why}`);
  if (w.linkError)
    lines.push(
      `on error ${w.linkError.job}${w.linkError.task ? `: ${w.linkError.task.id} ${w.linkError.task.status}` : ''}`,
    );
  for (const t of w.members) lines.push(`  ${t.id.padEnd(44)} ${t.name.padEnd(18)} ${t.status}`);
  if (w.cursor && w.members.length) lines.push(`more: --cursor ${w.cursor}`);
  return lines.join('\n');
}

/** Members read to find a group's failed one. */
const FAILED_PAGE = 1000;

/**
 * Why a workflow failed, for a person: a chord's callback's error (its own, or `member <id>
 * ended FAILURE: …`), a chain's last step's (`not run: step <id> ended FAILURE: …`, or its
 * own), a group's first failed member among its first 1,000. Undefined unless FAILURE.
 */
export async function whyFailed(client: SkytaskClient, w: WorkflowState): Promise<string | undefined> {
  if (w.status !== 'FAILURE') return undefined;
  if (w.callback) return w.callback.error ?? undefined;
  if (w.resultTask) return (await client.getTask(w.resultTask))?.error ?? undefined;
  const failed = (w.members.length ? w : await client.getWorkflow(w.id, { limit: FAILED_PAGE })).members.find(
    (t) => t.status === 'FAILURE',
  );
  return failed ? `${failed.id} ended FAILURE: ${failed.error}` : `${w.counts.failed} failed: skytask workflow ${w.id}`;
}

/** The exit code for a workflow that has ended. */
const workflowExit = (w: WorkflowState) => (w.status === 'SUCCESS' ? EXIT.ok : EXIT.taskFailed);

/** `skytask workflow <id>`: its state and a page of its tasks. */
export async function showWorkflow(
  client: SkytaskClient,
  id: string,
  options: EndpointOptions & { limit: string; cursor?: string },
): Promise<void> {
  const limit = Number(options.limit);
  if (!Number.isInteger(limit)) throw new ValidationError(`--limit must be a whole number, not "${options.limit}"`);
  const state = await client.getWorkflow(id, { limit, cursor: options.cursor });
  const why = options.json ? undefined : await whyFailed(client, state);
  out(options, workflowToWire(state), () => humanWorkflow(state, why));
}

/**
 * `skytask queue-workflow <kind> [file]`: the params of `queue_<kind>` as JSON, from the
 * file or stdin; with --wait, until it has ended (exit 1 unless SUCCESS).
 */
export async function queueWorkflowFrom(
  client: SkytaskClient,
  kind: string,
  file: string | undefined,
  options: EndpointOptions & { wait?: boolean; timeout?: number },
): Promise<number> {
  if (!['chain', 'group', 'chord'].includes(kind))
    throw new ValidationError(`kind must be chain, group or chord, not "${kind}"`);
  let params: unknown;
  try {
    params = JSON.parse(readFileSync(file === undefined || file === '-' ? 0 : file, 'utf8'));
  } catch (err) {
    throw new ValidationError(`the params of queue_${kind} must be a JSON object: ${(err as Error).message}`);
  }
  if (!params || typeof params !== 'object' || Array.isArray(params))
    throw new ValidationError(`the params of queue_${kind} must be a JSON object`);
  const queued = await client.queueWorkflow(workflowSpecOf(kind as WorkflowKind, params as Record<string, unknown>));
  if (!options.wait) {
    out(options, workflowToWire(queued), () => humanWorkflow(queued));
    return EXIT.ok;
  }
  if (!options.json) process.stdout.write(`queued ${queued.id}\n`);
  const stop = spinner(options, `waiting for ${queued.id}`);
  let done: WorkflowState;
  try {
    done = await client.waitForWorkflow(queued, { timeout: options.timeout });
  } finally {
    stop();
  }
  const why = options.json ? undefined : await whyFailed(client, done);
  out(options, workflowToWire(done), () => humanWorkflow(done, why));
  return workflowExit(done);
}

/** `skytask revoke-workflow <id>`. */
export async function revokeWorkflow(client: SkytaskClient, id: string, options: EndpointOptions): Promise<void> {
  const r = await client.revokeWorkflow(id);
  out(options, r, () => `revoked ${r.revoked}, asked ${r.requested} running to stop, ${r.ended} had ended`);
}
