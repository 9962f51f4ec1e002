/** `skytask start`: the local stack (what `npm start` runs). */
import pretty from 'pino-pretty';
import { createLogger } from '../lib/index.js';
import { startStack } from './stack.js';

export interface StartOptions {
  jobs?: string;
  port?: string;
  dataDir?: string;
  json?: boolean;
}

/** `skytask start`: run the local stack until Ctrl-C. */
export async function start(values: StartOptions): Promise<void> {
  const json = values.json || !process.stdout.isTTY;
  const logger = createLogger(
    json ? {} : { stream: pretty({ colorize: true, translateTime: 'HH:MM:ss.l', ignore: 'pid,hostname' }) },
  );
  const port = Number(values.port ?? process.env.PORT ?? 8060);
  if (!Number.isInteger(port) || port < 0 || port > 65535) {
    process.stderr.write(`--port must be a port number, not "${values.port ?? process.env.PORT}"\n`);
    process.exit(2);
  }
  const jobs = values.jobs ?? process.env.SKYTASK_JOBS ?? new URL('../examples/jobs.ts', import.meta.url).pathname;

  try {
    const stack = await startStack({
      jobs,
      port,
      dataDir: values.dataDir ?? process.env.SKYTASK_DATA_DIR ?? '.skytask',
      logger,
      graceSeconds: Number(process.env.SKYTASK_GRACE_SECONDS ?? 30),
    });
    let stopping = false;
    const shutdown = (signal: string) => {
      if (stopping) {
        logger.warn('second signal: exiting now');
        process.exit(130);
      }
      stopping = true;
      logger.info({ signal }, 'stopping: no new tasks; press Ctrl-C again to exit at once');
      stack.stop().then(
        () => process.exit(0),
        (err) => {
          logger.error({ err }, 'shutdown failed');
          process.exit(1);
        },
      );
    };
    process.on('SIGINT', () => shutdown('SIGINT'));
    process.on('SIGTERM', () => shutdown('SIGTERM'));
  } catch (err) {
    logger.error({ err }, 'the local stack could not start');
    process.exit(1);
  }
}
