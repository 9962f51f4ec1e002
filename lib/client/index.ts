/**
 * `skytask/client`: queue and follow tasks from another service. No CDK, no middy, no
 * emulator code; each client in its own module so a bundler keeps only the one used.
 */
export { createHttpClient, type HttpClientOptions } from './http-client.js';
export type { HttpAuth } from './transport.js';
export { createDirectClient, type DirectClientOptions } from './direct-client.js';
export { createSigV4Signer, executeApiRegion, type SigV4Options, type RequestSigner } from './sigv4.js';
export { errorFromRpc } from './rpc-errors.js';
export type * from './types.js';
export {
  SkytaskError,
  ValidationError,
  UnknownJobError,
  TaskNotFoundError,
  ConflictError,
  WaitTimeoutError,
  EndpointError,
  RemoteError,
  WorkflowNotFoundError,
  WorkflowConflictError,
  WorkflowWaitTimeoutError,
} from '../errors.js';
export {
  signature,
  chain,
  group,
  chord,
  type Signature,
  type SignatureOptions,
  type WorkflowSpec,
  type ChordOptions,
  type ChordPolicy,
  type MemberOutcome,
  type WorkflowStatus,
  type WorkflowKind,
} from '../workflow.js';
export { workflowFromWire, workflowToWire, type WorkflowWire, type WorkflowCounts } from '../workflow-state.js';
export { TaskStatus, isReady, fromWire, toWire, type Task, type TaskCost, type TaskWire } from '../task.js';
export { LIST_PRICES, type CostSum, type Prices } from '../cost.js';
export type { CostReport, CostReportOptions } from '../tasks/cost-report.js';
