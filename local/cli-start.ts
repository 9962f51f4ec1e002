/** `skytask start`: the local stack (what `npm start` runs). */
import pretty from 'pino-pretty';
import { createLogger } from '../lib/index.js';
import { packageFile } from '../lib/package-file.js';
import { envNumber, envValue, SETTINGS } from '../lib/settings.js';
import { registerTypeScript } from './register-typescript.js';
import { startStack } from './stack.js';

export interface StartOptions {
  jobs?: string;
  port?: string;
  dataDir?: string;
  json?: boolean;
}

/**
 * The JSON-RPC port: `--port`, else SKYTASK_PORT, else the generic PORT that hosting
 * platforms set (only `start` reads it: it is this process's port to listen on), else
 * 8060. Not a port number: exit 2, the usage error.
 */
function portOf(values: StartOptions): number {
  const sources: [string, string | undefined][] = [
    ['--port', values.port],
    [SETTINGS.port.env, envValue(SETTINGS.port)],
    [SETTINGS.hostPort.env, envValue(SETTINGS.hostPort)],
  ];
  const [from, raw] = sources.find(([, value]) => value !== undefined) ?? ['', String(SETTINGS.port.default)];
  const port = Number(raw);
  if (!Number.isInteger(port) || port < 0 || port > 65535) {
    process.stderr.write(`${from} must be a port number, not "${raw}"\n`);
    process.exit(2);
  }
  return port;
}

/** `skytask start`: run the local stack until Ctrl-C. */
export async function start(values: StartOptions): Promise<void> {
  const json = values.json || !process.stdout.isTTY;
  const logger = createLogger(
    json ? {} : { stream: pretty({ colorize: true, translateTime: 'HH:MM:ss.l', ignore: 'pid,hostname' }) },
  );
  const port = portOf(values);
  const jobs = values.jobs ?? envValue(SETTINGS.jobs) ?? packageFile(SETTINGS.jobs.default);

  try {
    await registerTypeScript(jobs);
    const stack = await startStack({
      jobs,
      port,
      dataDir: values.dataDir ?? envValue(SETTINGS.dataDir) ?? SETTINGS.dataDir.default,
      logger,
      graceSeconds: envNumber(SETTINGS.graceSeconds),
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
