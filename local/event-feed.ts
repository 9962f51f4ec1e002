/**
 * The local stack's feed of task events, for the dashboard: `GET /events?after=<n>` on the
 * local HTTP server (under local/http-rules.ts, like every route) answers the events the
 * strict PutEvents endpoint accepted after number `n`, newest last:
 * `{ events: [{ seq, id, received, bus, source, detailType, detail }], last }`. Read-only;
 * locally only (on AWS, rules on the bus deliver the events: docs/events.md).
 */
import type { APIGatewayProxyStructuredResultV2 } from 'aws-lambda';

/** The feed's path on the local HTTP server. */
export const FEED_PATH = '/events';

/** The feed's answer: the events after `?after=`, read from the PutEvents endpoint at `endpoint`. */
export async function eventFeed(
  url: string | undefined,
  endpoint: string | undefined,
): Promise<APIGatewayProxyStructuredResultV2> {
  const reply = (status: number, value: unknown) => ({
    statusCode: status,
    headers: { 'content-type': 'application/json', 'cache-control': 'no-store' },
    body: JSON.stringify(value),
  });
  if (!endpoint) return reply(503, { message: 'no local event bus: the stack is not up yet' });
  const after = Number(new URL(url ?? '/', 'http://127.0.0.1').searchParams.get('after') ?? 0);
  if (!Number.isInteger(after) || after < 0) return reply(400, { message: 'after must be a whole number ≥ 0' });
  const res = await fetch(`${endpoint}/_skytask/events?after=${after}`);
  return reply(res.status, await res.json());
}
