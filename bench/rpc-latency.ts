/**
 * RPC `queue_task` latency at a fixed request rate, against the same two AWS calls made raw
 * (a conditional PutItem of the record, then a SendMessage) at the same rate, in the same
 * run: the two are started alternately, half a period apart, while the consumer runs the
 * queued tasks. The RPC calls go through the local HTTP server (what API Gateway does
 * locally) to the same handler as the RPC function.
 */
import { randomUUID } from 'node:crypto';
import { Agent, request } from 'node:http';
import { SendMessageCommand, type SQSClient } from '@aws-sdk/client-sqs';
import { type DynamoDBDocumentClient, PutCommand } from '@aws-sdk/lib-dynamodb';
import { taskKey } from '../lib/keys.js';

export interface LatencyOptions {
  rpcUrl: string;
  doc: DynamoDBDocumentClient;
  sqs: SQSClient;
  table: string;
  /** Where the raw sends go (a queue nobody consumes). */
  rawQueueUrl: string;
  ratePerSecond: number;
  seconds: number;
}

/** One queue_task over HTTP; rejects on an HTTP or JSON-RPC error. */
function rpcCall(agent: Agent, url: string, n: number): Promise<void> {
  const body = JSON.stringify({ jsonrpc: '2.0', id: n, method: 'queue_task', params: { jobname: 'noop', i: n } });
  return new Promise((resolve, reject) => {
    const req = request(url, { method: 'POST', agent, headers: { 'content-type': 'application/json' } }, (res) => {
      let text = '';
      res.on('data', (chunk) => (text += chunk));
      res.on('end', () => {
        const answer = res.statusCode === 200 ? JSON.parse(text) : { error: `HTTP ${res.statusCode}` };
        if (answer.error) reject(new Error(`bench: queue_task failed: ${JSON.stringify(answer.error)}`));
        else resolve();
      });
    });
    req.on('error', reject);
    req.end(body);
  });
}

async function rawCall(o: LatencyOptions, n: number): Promise<void> {
  const id = randomUUID();
  await o.doc.send(
    new PutCommand({
      TableName: o.table,
      Item: {
        ...taskKey(id),
        id,
        name: 'raw',
        status: 'QUEUED',
        kwargs: JSON.stringify({ i: n }),
        time_queued: Date.now() / 1000,
      },
      ConditionExpression: 'attribute_not_exists(pk)',
    }),
  );
  await o.sqs.send(new SendMessageCommand({ QueueUrl: o.rawQueueUrl, MessageBody: JSON.stringify({ id }) }));
}

const timed = async (call: () => Promise<void>) => {
  const t0 = performance.now();
  await call();
  return performance.now() - t0;
};

/** Latencies in ms, sorted: `rpc` for queue_task over HTTP, `raw` for PutItem + SendMessage. */
export async function measureRpcLatency(o: LatencyOptions): Promise<{ rpc: number[]; raw: number[] }> {
  const period = 1000 / o.ratePerSecond;
  const count = Math.round(o.ratePerSecond * o.seconds);
  const rpc: Promise<number>[] = [];
  const raw: Promise<number>[] = [];
  // Kept-alive connections, fewer than the local server's 64: a request beyond them waits
  // here, and its wait is part of its latency, as behind any client's connection pool.
  const agent = new Agent({ keepAlive: true, maxSockets: 32 });
  const t0 = performance.now();
  for (let n = 0; n < count; n++) {
    await sleepUntil(t0 + n * period);
    rpc.push(timed(() => rpcCall(agent, o.rpcUrl, n)));
    await sleepUntil(t0 + n * period + period / 2);
    raw.push(timed(() => rawCall(o, n)));
  }
  const sorted = async (xs: Promise<number>[]) => (await Promise.all(xs)).sort((a, b) => a - b);
  try {
    return { rpc: await sorted(rpc), raw: await sorted(raw) };
  } finally {
    agent.destroy();
  }
}

async function sleepUntil(at: number): Promise<void> {
  const wait = at - performance.now();
  if (wait > 0) await new Promise((r) => setTimeout(r, wait));
}
