/** skytask's public API: the one barrel. */
export { defineJob, isJob, canOverlap, type Job, type JobContext, type JobOptions, type Kwargs } from './job.js';
export { createRegistry, loadRegistry, type JobRegistry } from './registry.js';
export { TaskStatus, READY_STATUSES, isReady, toWire, type Task, type TaskWire } from './task.js';
export * from './errors.js';
export { LIMITS } from './limits.js';
export { createBackend, type Backend, type BackendOptions, type QueueTaskOptions } from './backend.js';
export { createConsumer, type Consumer, type ConsumerOptions } from './consumer.js';
export { createRpc, RPC_ERRORS, RESERVED_QUEUE_PARAMS, type Rpc, type RpcCallContext } from './rpc.js';
export { createDynamoStore, tableDefinition, type DynamoStoreOptions } from './dynamo-store.js';
export { createSqsQueue, type SqsQueueOptions } from './sqs-queue.js';
export { encodeEnvelope, decodeEnvelope, type Envelope } from './envelope.js';
export type { TaskStore, TaskQuery, TaskPage, Outcome } from './store.js';
export type { TaskQueue, ReceivedMessage, QueueDepth } from './queue.js';
export { configFromEnv, createClients, createRuntime, type SkytaskConfig } from './config.js';
export { createLogger, taskLogger, type Logger } from './log.js';
