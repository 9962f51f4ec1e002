/**
 * JSON-RPC errors back to skytask's error classes: the reverse of the RPC layer's
 * mapping (lib/rpc/protocol.ts), so an HTTP caller catches what a direct caller catches.
 */
import {
  ConflictError,
  RemoteError,
  TaskNotFoundError,
  UnknownJobError,
  ValidationError,
  WaitTimeoutError,
  WorkflowConflictError,
  WorkflowNotFoundError,
  type SkytaskError,
} from '../errors.js';
import { RPC_ERRORS } from '../rpc/codes.js';
import { fromWire, type TaskWire } from '../task.js';

export interface RpcErrorObject {
  code: number;
  message: string;
  data?: any;
}

export function errorFromRpc(error: RpcErrorObject): SkytaskError {
  const data = error.data;
  switch (error.code) {
    case RPC_ERRORS.invalidParams:
      if (typeof data?.jobname !== 'string') return new ValidationError(error.message, data);
      // The server's message may say where the job was named (`steps[1]: unknown job "x"`).
      return Object.assign(new UnknownJobError(data.jobname), { message: error.message });
    case RPC_ERRORS.notFound:
      if (typeof data?.workflow === 'string') return new WorkflowNotFoundError(data.workflow);
      return new TaskNotFoundError(typeof data?.id === 'string' ? data.id : '?');
    case RPC_ERRORS.conflict:
      if (typeof data?.workflow === 'string') return new WorkflowConflictError(data.workflow);
      return data?.task
        ? new ConflictError(error.message, fromWire(data.task as TaskWire))
        : new RemoteError(error.code, error.message, data);
    case RPC_ERRORS.waitTimeout:
      return data?.task
        ? new WaitTimeoutError(fromWire(data.task as TaskWire))
        : new RemoteError(error.code, error.message, data);
    default:
      return new RemoteError(error.code, error.message, data);
  }
}
