/** skytask's public API: the one barrel. */
export {
  defineJob,
  isJob,
  canOverlap,
  type Job,
  type JobContext,
  type JobOptions,
  type Kwargs,
  type KwargsArg,
  type SubTaskArgs,
  type SubTaskOptions,
  type SchemaInput,
  type SchemaOutput,
} from './job.js';
export { defineQueue, isJobQueue, DEFAULT_QUEUE, type JobQueue, type JobQueueOptions } from './job-queue.js';
export { PRIORITIES, DEFAULT_PRIORITY, isPriority, type Priority } from './priority.js';
export {
  createRoutedQueue,
  isRoutedQueue,
  type Lane,
  type RoutedQueue,
  type RoutedQueueStats,
} from './routed-queue.js';
export { isStandardSchema, type KwargsSchema, type KwargsIssue } from './kwargs-schema.js';
export { createRegistry, loadRegistry, type JobRegistry } from './registry.js';
export {
  TaskStatus,
  READY_STATUSES,
  isReady,
  toWire,
  fromWire,
  type Task,
  type TaskCost,
  type TaskWire,
} from './task.js';
export { LIST_PRICES, dollarsOf, type CostSum, type Prices } from './cost.js';
export { costReport, type CostReport, type CostReportOptions } from './tasks/cost-report.js';
export {
  signature,
  chain,
  group,
  chord,
  isAwaitingChildren,
  type Signature,
  type SignatureOptions,
  type WorkflowSpec,
  type WorkflowKind,
  type WorkflowStatus,
  type WorkflowOptions,
  type FailingWorkflowOptions,
  type ChordOptions,
  type ChordPolicy,
  type MemberOutcome,
  type AwaitingChildren,
  type JobResult,
  type ResultOf,
  type ResultsOf,
  type SettledOf,
} from './workflow.js';
export {
  workflowToWire,
  workflowFromWire,
  type WorkflowState,
  type WorkflowWire,
  type WorkflowCounts,
} from './workflow-state.js';
export * from './errors.js';
export { LIMITS } from './limits.js';

// The operations, as plain functions of their ports (lib/tasks/), and the backend that binds them.
export { taskDeps, systemClock, type TaskDeps, type TaskDepsInput, type Clock } from './tasks/deps.js';
export {
  queueTask,
  queueTasks,
  recordTask,
  type QueueTaskItem,
  type QueueTaskResult,
  type Recorded,
} from './tasks/enqueue.js';
export { checkKwargs, checkOptions, type CheckedKwargs, type QueueTaskOptions } from './tasks/options.js';
export { sendTaskMessage, sendTaskMessages, needsTimer } from './tasks/send.js';
export { endTask, settleEnded, type TaskEnd } from './tasks/end.js';
export { takeLock } from './tasks/lock.js';
export { getTasks, waitForTask, queueStats, type QueueStats } from './tasks/inspect.js';
export {
  REVOKE_BUDGET_SECONDS,
  revokeTask,
  revokeWorkflow,
  type RevokeWorkflowOptions,
  type RevokeWorkflowResult,
} from './tasks/revoke.js';
export { queueWorkflow, type QueuedWorkflow, type WorkflowOrigin } from './tasks/workflow-queue.js';
export { getWorkflowState, queuedState, type WorkflowPage } from './tasks/workflow-inspect.js';
export { workflowInput } from './tasks/workflow-input.js';
export {
  REDRIVE_BUDGET_SECONDS,
  redriveDeadLetters,
  type RedriveOptions,
  type RedriveResult,
} from './tasks/redrive.js';
export {
  DEAD_LETTER_BUDGET_SECONDS,
  listDeadLetters,
  purgeDeadLetters,
  scanDeadLetters,
  type DeadLetterPage,
  type DeadLetterQuery,
  type DeadLetterScan,
  type DeadLetterScanOptions,
  type PurgeOptions,
  type PurgeResult,
} from './tasks/dead-letters.js';
export { reconcile, type ReconcileOptions, type ReconcileResult } from './tasks/reconcile.js';
export { createBackend, type Backend } from './tasks/backend.js';

// The consumer (lib/consumer/).
export {
  createConsumer,
  type Consumer,
  type ConsumerOptions,
  type ConsumerSettings,
} from './consumer/consumer.js';
export { RetryLaterError } from './consumer/retry-later.js';
export type { Invocation } from './consumer/time-budget.js';
export { outcomeOf, failedOutcome, type RunResult, type StopReason } from './consumer/outcome.js';

// JSON-RPC (lib/rpc/).
export { createRpc, type Rpc, type RpcHandleContext, type RpcOptions } from './rpc/protocol.js';
export { accessOfRoute, READ_METHODS, RPC_ROUTES, type RpcAccess } from './rpc/access.js';
export { RESERVED_QUEUE_PARAMS, type RpcCallContext } from './rpc/methods.js';
export { RPC_ERRORS } from './rpc/codes.js';
export { describeJob, describeJobs } from './rpc/describe-jobs.js';

// Periodic jobs.
export { scheduleOf, nextSlot, previousSlot, type Schedule } from './schedule.js';
export { eventBridgeSchedule, schedulerInput, type EventBridgeSchedule } from './eventbridge-schedule.js';
export { createScheduler, type Scheduler, type FireResult, type JobSchedule } from './scheduler.js';

// The ports and their adapters.
export type { TaskStore, TaskQuery, TaskPage, Outcome, ScheduleEntry, ClaimResult } from './store.js';
export type { WorkflowStore, WorkflowRecord, JoinCount, JoinState, EndedStatus } from './workflow-store.js';
export type { TaskQueue, ReceivedMessage, QueueDepth } from './queue.js';
export type { TaskTimer } from './timer.js';
export { createDynamoStore, type DynamoStoreOptions } from './aws/dynamo/store.js';
export { tableDefinition } from './aws/dynamo/table.js';
export { createSqsQueue, type SqsQueueOptions } from './aws/sqs-queue.js';
export {
  createEventBridgeTimer,
  atScheduleInput,
  timerScheduleName,
  type EventBridgeTimerOptions,
} from './aws/eventbridge-timer.js';
export { encodeEnvelope, decodeEnvelope, type Envelope, type ProducerEnvelope } from './envelope.js';
export {
  isCallerTaskId,
  periodicTaskId,
  producerTaskId,
  workflowTaskId,
  callbackTaskId,
  errorTaskId,
  childrenWorkflowId,
  workflowRoleOf,
} from './keys.js';

// Wiring.
export { configFromEnv, type SkytaskConfig } from './config.js';
export { SETTINGS, QUEUE_SETTINGS, envValue, envNumber, type Setting } from './settings.js';
export {
  createRuntime,
  wireRuntime,
  createClients,
  type Runtime,
  type RuntimeOptions,
  type AwsClients,
} from './runtime.js';
export { createLogger, taskLogger, type Logger } from './log.js';
export { createMemoryStore, type MemoryStoreOptions } from './memory/memory-store.js';
export { createMemoryTimer, type MemoryTimer } from './memory/memory-timer.js';
export {
  createMemoryQueue,
  type MemoryQueue,
  type MemoryQueueOptions,
  type DeadLetterView,
} from './memory/memory-queue.js';
export { QueueRequestError } from './memory/queue-request-error.js';
export { createMemoryPublisher, type MemoryPublisher } from './memory/memory-publisher.js';
export type { EventPublisher } from './event-publisher.js';
export {
  eventDetail,
  eventEntry,
  TASK_EVENT_SOURCE,
  TASK_EVENTS,
  type TaskEventDetail,
  type TaskEventKind,
} from './task-events.js';
