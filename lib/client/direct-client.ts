/**
 * The direct client: SQS and DynamoDB with the caller's own AWS credentials, no endpoint
 * in between. It runs the backend's own code (the same checks as `queue_task`), so it
 * needs the jobs module — its values for the checks, its type for the typing.
 */
import { configFromEnv, type SkytaskConfig } from '../config.js';
import { WaitTimeoutError } from '../errors.js';
import { createLogger, type Logger } from '../log.js';
import { createRegistry } from '../registry.js';
import { describeJobs } from '../rpc/describe-jobs.js';
import { createRuntime, type Runtime } from '../runtime.js';
import { envValue, SETTINGS } from '../settings.js';
import { fromWire, toWire, type Task } from '../task.js';
import type { JobsOf, SkytaskClient, WaitOptions } from './types.js';
import { jobInfoFromWire } from './wire.js';
import { signature } from '../workflow.js';
import { workflowFromWire, workflowToWire, type WorkflowState } from '../workflow-state.js';
import { pollWorkflow, revokeToEnd } from './workflow-wait.js';
import { refOf } from '../payloads/ref.js';

export type DirectClientOptions<M> =
  | {
      /** The jobs module's exports (`await import('./jobs.js')`). */
      jobs: M;
      /**
       * Table and queues, and any other setting of the environment's configuration.
       * @default configFromEnv() (SKYTASK_TABLE, SKYTASK_QUEUE_URL, SKYTASK_DLQ_URL, the timer, retention…)
       */
      config?: Partial<SkytaskConfig> & Pick<SkytaskConfig, 'table' | 'queueUrl'>;
      logger?: Logger;
    }
  | {
      /** A runtime already built (the local stack, tests). */
      runtime: Pick<Runtime, 'backend' | 'registry' | 'scheduler'>;
      logger?: Logger;
    };

/** The settings of the environment, with the caller's table, queues and overrides on top. */
function configOf(config: Partial<SkytaskConfig> & Pick<SkytaskConfig, 'table' | 'queueUrl'>): SkytaskConfig {
  const env = { ...process.env, [SETTINGS.table.env]: config.table, [SETTINGS.queueUrl.env]: config.queueUrl };
  return { ...configFromEnv(env), ...config };
}

/** The public view of a task: what the wire carries, so both clients return the same. */
const publicTask = (task: Task) => fromWire(toWire(task));
/** The public view of a workflow's state, its tasks' too. */
const publicState = (state: WorkflowState) => workflowFromWire(workflowToWire(state));

/** A queued task as the caller sees it: with the kwargs given, not the marker of their object (lib/payloads/). */
const asQueued = (task: Task, kwargs: unknown) =>
  publicTask(refOf(task.kwargs) ? { ...task, kwargs: JSON.parse(JSON.stringify(kwargs)) } : task);

/**
 * A client over SQS and DynamoDB directly.
 * @example
 * import { createDirectClient } from 'skytask/client';
 * import * as jobs from './jobs.js';
 * const client = createDirectClient({ jobs }); // SKYTASK_TABLE, SKYTASK_QUEUE_URL from the environment
 * const task = await client.queueTask('addition', { a: 1, b: 2 });
 * const done = await client.waitForTask(task!, { timeout: 60 });
 */
export function createDirectClient<M = never>(options: DirectClientOptions<M>): SkytaskClient<JobsOf<M>> {
  // A client inside someone else's program: quiet unless SKYTASK_LOG_LEVEL asks otherwise.
  const logger = options.logger ?? createLogger({ level: envValue(SETTINGS.logLevel) ?? 'warn' });
  // The same runtime as the Lambda functions: the timer for far-off tasks and the retention come with it.
  const runtime =
    'runtime' in options
      ? options.runtime
      : createRuntime(
          options.config ? configOf(options.config) : configFromEnv(),
          createRegistry(options.jobs),
          logger,
        );
  const { backend } = runtime;
  /** A task read back, its payloads loaded from the bucket: the client is transparent to them. */
  const loaded = async (task: Task) => publicTask(await backend.loadPayloads(task));

  async function waitForTask(task: string | Task, { timeout, signal }: WaitOptions = {}): Promise<any> {
    const id = typeof task === 'string' ? task : task.id;
    signal?.throwIfAborted();
    try {
      return loaded(await backend.waitForTask(id, timeout ?? Infinity, signal));
    } catch (err) {
      if (err instanceof WaitTimeoutError) {
        signal?.throwIfAborted();
        throw new WaitTimeoutError(publicTask(err.task));
      }
      throw err;
    }
  }

  const client: SkytaskClient<any> = {
    async queueTask(job: string, kwargs?: unknown, options = {}): Promise<any> {
      const task = await backend.queueTask(job, kwargs ?? {}, options);
      return task && asQueued(task, kwargs ?? {});
    },
    async queueTasks(items) {
      const results = await backend.queueTasks(items.map(({ job, kwargs, options }) => ({ job, kwargs, options })));
      return results.map((r, n) => (r.ok ? { ok: true, task: r.task && asQueued(r.task, items[n].kwargs ?? {}) } : r));
    },
    async getTask(id) {
      const task = await backend.getTask(id);
      return task ? loaded(task) : null;
    },
    async getTasks(filter = {}) {
      const page = await backend.getTasks(filter);
      return { tasks: page.tasks.map(publicTask), cursor: page.cursor };
    },
    waitForTask,
    revokeTask: async (id) => publicTask(await backend.revokeTask(id)),
    jobList: async (names) => (await describeJobs(runtime, names)).map(jobInfoFromWire),
    queueStats: () => backend.queueStats(),
    costReport: (options) => backend.costReport(options),
    redriveDeadLetters: (limit) => backend.redriveDeadLetters(limit),
    signature: signature as SkytaskClient<any>['signature'],
    queueWorkflow: async (workflow): Promise<any> => publicState(await backend.queueWorkflow(workflow)),
    getWorkflow: async (id, page) => publicState(await backend.getWorkflow(id, page)),
    waitForWorkflow: (workflow, options): Promise<any> =>
      pollWorkflow((id) => backend.getWorkflow(id, { limit: 0 }).then(publicState), workflow, options),
    revokeWorkflow: (id, { cursor } = {}) =>
      revokeToEnd((wid, at) => backend.revokeWorkflow(wid, { cursor: at }), id, cursor),
    async listDeadLetters(query) {
      const page = await backend.listDeadLetters(query);
      return { ...page, tasks: page.tasks.map(publicTask) };
    },
    purgeDeadLetters: (filter = {}) => backend.purgeDeadLetters({ ids: filter.ids, limit: filter.limit }),
  };
  return client;
}
