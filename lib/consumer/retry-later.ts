/**
 * Thrown for a message that must go back to the queue and be delivered again later (its job
 * not known here yet, its task changed while it was being claimed, its task's last events not
 * sent yet): the consumer logs it at debug level, not as a failure. Not a SkytaskError: no
 * caller sees it.
 */
export class RetryLaterError extends Error {}
