/**
 * Who may call what: the JSON-RPC endpoint has two routes, one serving every method and one
 * serving only the methods that read. On AWS each is its own API Gateway route, so IAM can
 * grant one without the other (`TaskQueue.grantInvoke`, `grantRead`); locally the server
 * serves both. A file of its own so that the CDK construct, the handler and the local
 * server import the routes without the methods.
 */

/** The endpoint's routes (POST): every method, or the read methods only. */
export const RPC_ROUTES = { all: '/rpc', read: '/rpc/read' } as const;

/** What a call may do: every method, or the read methods only. */
export type RpcAccess = 'all' | 'read';

/**
 * The methods the read route serves: they change no task and send no message. A method not
 * listed here (queue_task, revoke_task, delete_tasks, redrive_dead_letters,
 * purge_dead_letters, queue_chain, queue_group, queue_chord, revoke_workflow, presign_kwargs —
 * which grants an upload —, and any new one until it is added) is refused there with -32601.
 * `list_dead_letters` reads task records and SQS's counts only: it receives no letter.
 */
export const READ_METHODS: ReadonlySet<string> = new Set([
  'ping',
  'job_list',
  'next_scheduled_tasks',
  'get_task',
  'get_tasks',
  'wait_for_task',
  'num_tasks',
  'queue_stats',
  'get_workflow',
  'cost',
  'list_dead_letters',
]);

/** The access a call on `path` has: read for the read route, every method otherwise. */
export const accessOfRoute = (path: string | undefined): RpcAccess => (path === RPC_ROUTES.read ? 'read' : 'all');
