import { SkytaskError } from '../lib/errors.js';

/**
 * `skytask start` cannot start the local stack, for a reason the user can fix: the message
 * is one line naming the problem and the fix (`port 8060 is in use: pass --port or
 * SKYTASK_PORT`). The CLI prints it without a stack trace; whatever the start had already
 * started is stopped before it is thrown.
 */
export class StartError extends SkytaskError {}
