import { pino, type Logger as PinoLogger, type DestinationStream } from 'pino';
import { SETTINGS } from './settings.js';

export type Logger = PinoLogger;

/**
 * Structured JSON logs (one object a line, what CloudWatch and log tools want). The
 * local stack passes a pretty stream when a person is at the terminal. Every line about
 * a task carries `task_id` and `job`: use `taskLogger`.
 */
export function createLogger(options: { level?: string; stream?: DestinationStream } = {}): Logger {
  const level = options.level ?? process.env[SETTINGS.logLevel.env] ?? SETTINGS.logLevel.default;
  const opts = { level, base: undefined, messageKey: 'msg' };
  return options.stream ? pino(opts, options.stream) : pino(opts);
}

export function taskLogger(logger: Logger, task: { id: string; name: string }): Logger {
  return logger.child({ task_id: task.id, job: task.name });
}
