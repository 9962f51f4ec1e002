/** skytask's public API: the one barrel. */
export { defineJob, isJob, canOverlap, type Job, type JobContext, type JobOptions, type Kwargs } from './job.js';
export { createRegistry, loadRegistry, type JobRegistry } from './registry.js';
export { TaskStatus, READY_STATUSES, isReady, toWire, fromWire, type Task, type TaskWire } from './task.js';
export * from './errors.js';
export { LIMITS } from './limits.js';
export {
  createBackend,
  type Backend,
  type BackendOptions,
  type QueueTaskOptions,
  type QueueTaskItem,
  type QueueTaskResult,
  type QueueStats,
} from './backend.js';
export { createConsumer, type Consumer, type ConsumerOptions } from './consumer.js';
export { createRpc, RPC_ERRORS, RESERVED_QUEUE_PARAMS, type Rpc, type RpcCallContext } from './rpc.js';
export { createDynamoStore, tableDefinition, type DynamoStoreOptions } from './dynamo-store.js';
export { createSqsQueue, type SqsQueueOptions } from './sqs-queue.js';
export { encodeEnvelope, decodeEnvelope, producerTaskId, type Envelope, type ProducerEnvelope } from './envelope.js';
export type { TaskStore, TaskQuery, TaskPage, Outcome, ScheduleEntry } from './store.js';
export { scheduleOf, nextSlot, previousSlot, type Schedule } from './schedule.js';
export { eventBridgeSchedule, schedulerInput, type EventBridgeSchedule } from './eventbridge-schedule.js';
export { createScheduler, type Scheduler, type FireResult, type JobSchedule } from './scheduler.js';
export type { TaskTimer } from './timer.js';
export {
  createEventBridgeTimer,
  atScheduleInput,
  timerScheduleName,
  type EventBridgeTimerOptions,
} from './eventbridge-timer.js';
export type { TaskQueue, ReceivedMessage, QueueDepth } from './queue.js';
export { configFromEnv, createClients, createRuntime, type SkytaskConfig } from './config.js';
export { createLogger, taskLogger, type Logger } from './log.js';
export { createMemoryStore, type MemoryStoreOptions } from './memory/memory-store.js';
export {
  createMemoryQueue,
  type MemoryQueue,
  type MemoryQueueOptions,
  type DeadLetterView,
} from './memory/memory-queue.js';
export { QueueRequestError } from './memory/sqs-rules.js';
