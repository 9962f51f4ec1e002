/**
 * The JSON-RPC API of this page's own origin (docs/rpc.md): `POST rpc`, the same call a
 * client makes. Behind `skytask dashboard`, each call carries the token of the URL the
 * proxy printed (`#token=…`): kept in this tab's session storage, never sent elsewhere.
 */

const TOKEN_KEY = 'skytask-token';

/** Take the token out of the address, once: the page keeps it, the address bar drops it. */
export function takeToken() {
  const match = /^#token=([A-Za-z0-9_-]+)/.exec(location.hash);
  if (!match) return;
  sessionStorage.setItem(TOKEN_KEY, match[1]);
  history.replaceState(null, '', `${location.pathname}#/jobs`);
}

/** A JSON-RPC error answer (code, message, data) or a transport failure (code undefined). */
export class RpcError extends Error {
  constructor(message, code, data) {
    super(message);
    this.code = code;
    this.data = data;
  }
}

let nextId = 1;

/** POST a JSON-RPC body; the parsed answer. */
async function post(body) {
  const headers = { 'content-type': 'application/json' };
  const token = sessionStorage.getItem(TOKEN_KEY);
  if (token) headers['x-skytask-token'] = token;
  let res;
  try {
    res = await fetch('/rpc', { method: 'POST', headers, body: JSON.stringify(body) });
  } catch (err) {
    throw new RpcError(`the server cannot be reached (${err.message})`);
  }
  const text = await res.text();
  try {
    return JSON.parse(text);
  } catch {
    throw new RpcError(`HTTP ${res.status}: ${text.slice(0, 200)}`);
  }
}

const errorOf = (answer) => new RpcError(answer.error.message, answer.error.code, answer.error.data);

/** Call one method; its result, or an RpcError. */
export async function rpc(method, params = {}) {
  const answer = await post({ jsonrpc: '2.0', method, params, id: nextId++ });
  if (answer.error) throw errorOf(answer);
  return answer.result;
}

/**
 * Call several methods in one JSON-RPC batch (one HTTP request); for each, in order,
 * `{ result }` or `{ error }` (an RpcError).
 */
export async function rpcBatch(calls) {
  if (!calls.length) return [];
  const first = nextId;
  nextId += calls.length;
  const answers = await post(calls.map(([method, params], n) => ({ jsonrpc: '2.0', method, params, id: first + n })));
  if (!Array.isArray(answers)) throw errorOf(answers);
  const byId = new Map(answers.map((a) => [a.id, a]));
  return calls.map((_, n) => {
    const answer = byId.get(first + n);
    if (!answer) return { error: new RpcError('no answer') };
    return answer.error ? { error: errorOf(answer) } : { result: answer.result };
  });
}
