import type { AddressInfo } from 'node:net';
import type { Server } from 'node:http';
import dynalite from 'dynalite';
import { buildApp } from 'fauxqs';
import { strictDynalite } from './strict/strict-dynalite.js';
import { startEventBus } from './strict/strict-eventbridge.js';
import { strictFauxqs } from './strict/strict-fauxqs.js';

export interface Emulators {
  dynamodbEndpoint: string;
  sqsEndpoint: string;
  /** The strict local PutEvents endpoint (local/strict/strict-eventbridge.ts): the task events' bus. */
  eventsEndpoint: string;
  close(): Promise<void>;
}

export interface EmulatorOptions {
  /** LevelDB folder for dynalite; in memory when omitted. */
  dataDir?: string;
  /** 0 picks a free port. */
  dynamodbPort?: number;
  sqsPort?: number;
}

/**
 * DynamoDB (dynalite) and SQS (fauxqs) emulators and the PutEvents endpoint in this process, on 127.0.0.1 only.
 * The table's data lives in `dataDir` if given; fauxqs keeps queues in memory only.
 * Both are strict (local/strict/, docs/local-stack.md): they refuse what AWS refuses, with
 * AWS's error and a line on stderr, and accept what AWS accepts. Always on: every test, CLI
 * and local stack talks to AWS's rules.
 */
export async function startEmulators(options: EmulatorOptions = {}): Promise<Emulators> {
  // Tables are ACTIVE at once: dynalite otherwise keeps them CREATING for a while.
  const dynamo: Server = dynalite({ path: options.dataDir, createTableMs: 0, deleteTableMs: 0, updateTableMs: 0 });
  strictDynalite(dynamo);
  await new Promise<void>((resolve, reject) => {
    dynamo.once('error', reject);
    dynamo.listen(options.dynamodbPort ?? 0, '127.0.0.1', () => resolve());
  });
  const sqs = buildApp({ logger: false, host: '127.0.0.1' });
  await strictFauxqs(sqs);
  await sqs.listen({ port: options.sqsPort ?? 0, host: '127.0.0.1' });
  const sqsPort = (sqs.server.address() as AddressInfo).port;
  const events = await startEventBus();
  return {
    dynamodbEndpoint: `http://127.0.0.1:${(dynamo.address() as AddressInfo).port}`,
    sqsEndpoint: `http://127.0.0.1:${sqsPort}`,
    eventsEndpoint: events.endpoint,
    async close() {
      await events.close();
      await sqs.close();
      dynamo.closeAllConnections?.();
      await new Promise<void>((resolve) => dynamo.close(() => resolve()));
    },
  };
}
