/**
 * The CLI's exit codes (scripts may rely on them) and the help text that lists them. A
 * pure module: `skytask --help` and `--version` load it and nothing heavier.
 */
import { SETTINGS } from '../lib/settings.js';

/** Exit codes. */
export const EXIT = {
  ok: 0,
  /** The task ended FAILURE or REVOKED (queue --wait, wait). */
  taskFailed: 1,
  /**
   * start: the stack could not start; stop: a process could not be stopped; dashboard: its
   * port is taken. The line on stderr says why.
   */
  stackFailed: 1,
  /** init: the project could not be written (npm pack failed, a write failed). The line on stderr says why. */
  initFailed: 1,
  /** Wrong command line, unknown job, invalid params. */
  usage: 2,
  notFound: 3,
  /** The endpoint could not be reached or did not answer JSON-RPC. */
  unreachable: 4,
  /** The task's state does not allow it (revoking a finished task). */
  conflict: 5,
  /** wait --timeout passed before the task was ready. */
  timeout: 6,
  /** Any other error (an internal error of the endpoint…). */
  error: 7,
  /** start: a second Ctrl-C, exited at once (128 + SIGINT, as a shell reports it). */
  interrupted: 130,
} as const;

export const EXIT_HELP = `
Endpoint: --url, else ${SETTINGS.url.env}, else the local stack on its default port (${SETTINGS.url.default}).
SigV4 (the default AWS credential chain) for an execute-api host or with --sigv4; --token / ${SETTINGS.token.env} for a bearer token.

Exit codes:
  0  success (stop: also when nothing was running)
  1  the task ended FAILURE or REVOKED (queue --wait, wait);
     start: the stack could not start; stop: a process would not stop;
     dashboard: its port is taken;
     init: the project could not be written (stderr says why)
  2  usage error: bad arguments, unknown job, invalid params;
     init: a target that is not empty, a --skytask it cannot read
  3  task not found
  4  endpoint unreachable (or not a JSON-RPC answer)
  5  conflict with the task's state (revoke of a finished task)
  6  wait timed out (--timeout)
  7  other error
  130  start: a second Ctrl-C (exited at once; the emulators are stopped)
`;
