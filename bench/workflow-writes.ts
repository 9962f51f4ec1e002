/**
 * `npx tsx bench/workflow-writes.ts`: what a workflow costs in DynamoDB requests and base-table
 * write units, against the same number of plain tasks (docs/workflows.md#cost). The
 * emulators run in this process; the consumer is driven batch by batch. BENCH_MEMBERS
 * (default 400) tasks per run. dynalite reports base-table units only, and nothing for a
 * refused conditional write (AWS bills it 1 unit): those are counted apart, and the index
 * writes are read off the item layout in docs/storage.md.
 */
import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import {
  chain,
  chord,
  configFromEnv,
  createClients,
  createLogger,
  createRegistry,
  createRuntime,
  group,
  signature,
} from '../lib/index.js';
import { startEmulators } from '../local/emulators.js';
import { provision } from '../local/provision.js';
import { useLocalCredentials } from '../local/stack-emulators.js';
import * as jobs from '../test/fixtures/workflow-jobs.js';

process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED = 'true';
useLocalCredentials();
const N = Number(process.env.BENCH_MEMBERS ?? 400);

const counts = { requests: new Map<string, number>(), writeUnits: 0, refused: 0 };

function instrument(client: DynamoDBClient) {
  client.middlewareStack.add(
    (next: any, context: any) => async (args: any) => {
      const api = String(context.commandName).replace(/Command$/, '');
      counts.requests.set(api, (counts.requests.get(api) ?? 0) + 1);
      args.input.ReturnConsumedCapacity = 'TOTAL';
      try {
        const result: any = await next(args);
        for (const c of [result.output?.ConsumedCapacity ?? []].flat())
          if (/Put|Update|Delete|BatchWrite/.test(api)) counts.writeUnits += c.CapacityUnits ?? 0;
        return result;
      } catch (err) {
        if ((err as Error).name === 'ConditionalCheckFailedException') counts.refused++;
        throw err;
      }
    },
    { step: 'initialize', name: 'countRequests' },
  );
}

const emu = await startEmulators();
const env = await provision({ ...emu, table: 'bench-flows', queueName: 'bench-flows', visibilityTimeout: 30 });
const config = configFromEnv(env);
const clients = createClients(config);
instrument(clients.dynamodb);
const runtime = createRuntime(config, createRegistry(jobs), createLogger({ level: 'silent' }), { clients });

async function drain() {
  for (let idle = 0; idle < 3; ) {
    const messages = await runtime.queue.receive(10, 0);
    if (!messages.length) {
      idle++;
      continue;
    }
    idle = 0;
    const results = await runtime.consumer.handleBatch(messages);
    await runtime.queue.deleteMessages(
      messages.filter((_, n) => results[n].status === 'fulfilled').map((m) => m.receiptHandle),
    );
  }
}

async function measure(label: string, run: () => Promise<unknown>) {
  counts.requests.clear();
  counts.writeUnits = 0;
  counts.refused = 0;
  await run();
  await drain();
  const requests = Object.fromEntries([...counts.requests].sort());
  console.log(
    JSON.stringify({ label, tasks: N, requests, baseWriteUnits: counts.writeUnits, refusedWrites: counts.refused }),
  );
}

const members = () => Array.from({ length: N }, (_, i) => signature(jobs.add, { a: i, b: 1 }));
await measure('plain tasks', () =>
  runtime.backend.queueTasks(members().map((s) => ({ job: s.job, kwargs: s.kwargs }))),
);
await measure('group', () => runtime.backend.queueWorkflow(group(members())));
await measure('chord', () => runtime.backend.queueWorkflow(chord(members(), signature(jobs.sum))));
const steps = [signature(jobs.add, { a: 1, b: 0 }), ...Array.from({ length: N - 1 }, () => signature(jobs.double))];
await measure('chain', () => runtime.backend.queueWorkflow(chain(steps)));
await emu.close();
