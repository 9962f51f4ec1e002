/** `skytask start`: the local stack (what `npm start` runs). */
import { inspect } from 'node:util';
import pretty from 'pino-pretty';
import { createLogger, type Logger } from '../lib/index.js';
import { packageFile } from '../lib/package-file.js';
import { envNumber, envValue, SETTINGS } from '../lib/settings.js';
import { EXIT } from './cli-exit.js';
import { registerTypeScript } from './register-typescript.js';
import { startStack } from './stack.js';
import { StartError } from './start-error.js';

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
    process.exit(EXIT.usage);
  }
  return port;
}

/**
 * A start that failed: one line on stderr; the stack trace (and its causes) only when
 * SKYTASK_LOG_LEVEL=debug asks. Written to stderr directly, not through the logger: the
 * process exits next, and a pretty log stream would not be flushed.
 */
function startFailed(logger: Logger, err: unknown): never {
  const what = err instanceof Error ? err.message : String(err);
  const message = err instanceof StartError ? what : `the local stack could not start: ${what}`;
  process.stderr.write(`skytask start: ${message}\n`);
  if (logger.isLevelEnabled('debug')) process.stderr.write(`${inspect(err)}\n`);
  process.exit(EXIT.stackFailed);
}

/**
 * How long after the first signal a repeat is taken for the same Ctrl-C, relayed. A
 * terminal sends Ctrl-C's SIGINT to its whole foreground process group, and a wrapper in
 * that group relays the SIGINT it got to its child as well: npm at once, tsx after 30 ms
 * (unless the child has reported receiving it) — under `npm start` (npm → tsx → the
 * stack) the one Ctrl-C arrived twice, 33–62 ms apart, on the 2-core machine the tests
 * run on. A person's second Ctrl-C, after reading "press Ctrl-C again", comes later.
 */
const RELAYED_SIGNAL_MS = 1_000;

/**
 * Ctrl-C (or `skytask stop`'s SIGTERM) stops the stack gracefully; a second one exits at
 * once, after `exitNow` (the emulators signalled, worker.json removed: nothing is left
 * behind) — unless it comes within RELAYED_SIGNAL_MS of the first: then it is the same
 * signal, relayed by a wrapper (npm, tsx), and the graceful stop goes on. A signal that
 * comes while the stack starts stops it as soon as it is up: the start is never cut
 * halfway, which would leave the emulators it spawned behind.
 */
function onSignals(logger: Logger, stack: Promise<{ stop(): Promise<void> }>, exitNow: () => void): void {
  let firstAt: number | undefined;
  const shutdown = (signal: string) => {
    if (firstAt !== undefined) {
      const after = Date.now() - firstAt;
      if (after < RELAYED_SIGNAL_MS) {
        logger.debug({ signal, after_ms: after }, 'the same signal again, relayed by a wrapper: still stopping');
        return;
      }
      logger.warn('second signal: exiting now');
      exitNow();
      process.exit(EXIT.interrupted);
    }
    firstAt = Date.now();
    logger.info({ signal }, 'stopping: no new tasks; press Ctrl-C again to exit at once');
    stack.then(
      (s) =>
        s.stop().then(
          () => process.exit(EXIT.ok),
          (err) => {
            logger.error({ err }, 'shutdown failed');
            process.exit(EXIT.stackFailed);
          },
        ),
      () => undefined, // the start failed: start() says why and exits
    );
  };
  process.on('SIGINT', () => shutdown('SIGINT'));
  process.on('SIGTERM', () => shutdown('SIGTERM'));
}

/** `skytask start`: run the local stack until Ctrl-C or `skytask stop`. */
export async function start(values: StartOptions): Promise<void> {
  const json = values.json || !process.stdout.isTTY;
  const logger = createLogger(
    json ? {} : { stream: pretty({ colorize: true, translateTime: 'HH:MM:ss.l', ignore: 'pid,hostname' }) },
  );
  const port = portOf(values);
  const jobs = values.jobs ?? envValue(SETTINGS.jobs) ?? packageFile(SETTINGS.jobs.default);
  let stack: ReturnType<typeof startStack>;
  let exitNow: () => void = () => undefined;
  try {
    // The built CLI runs on plain Node: a TypeScript jobs module needs tsx's hooks first.
    await registerTypeScript(jobs);
    stack = startStack({
      jobs,
      port,
      dataDir: values.dataDir ?? envValue(SETTINGS.dataDir) ?? SETTINGS.dataDir.default,
      logger,
      graceSeconds: envNumber(SETTINGS.graceSeconds),
      onExitNow: (undo) => (exitNow = undo),
    });
  } catch (err) {
    startFailed(logger, err);
  }
  onSignals(logger, stack, () => exitNow());
  await stack.catch((err) => startFailed(logger, err));
}
