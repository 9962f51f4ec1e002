/**
 * The JSON-RPC error codes: the standard ones, and skytask's domain codes (-32001…).
 * A file of its own so that the HTTP client maps them back without importing the server.
 */
export const RPC_ERRORS = {
  parseError: -32700,
  invalidRequest: -32600,
  methodNotFound: -32601,
  invalidParams: -32602,
  internalError: -32603,
  waitTimeout: -32001,
  notFound: -32002,
  conflict: -32003,
  /** An answer that would push the reply past Lambda's 6 MB response limit (lib/rpc/reply-size.ts). */
  replyTooLarge: -32004,
} as const;
