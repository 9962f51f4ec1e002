import type { AddressInfo } from 'node:net';
import type { Server } from 'node:http';
import dynalite from 'dynalite';
import { buildApp } from 'fauxqs';
import { strictDynalite } from './strict/strict-dynalite.js';
import { startEventBus } from './strict/strict-eventbridge.js';
import { strictFauxqs } from './strict/strict-fauxqs.js';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import S3rver from 's3rver';
import { strictS3rver } from './strict/strict-s3rver.js';

export interface Emulators {
  dynamodbEndpoint: string;
  sqsEndpoint: string;
  /** The strict local PutEvents endpoint (local/strict/strict-eventbridge.ts): the task events' bus. */
  eventsEndpoint: string;
  s3Endpoint: string;
  close(): Promise<void>;
}

export interface EmulatorOptions {
  /** LevelDB folder for dynalite; in memory when omitted. */
  dataDir?: string;
  /** 0 picks a free port. */
  dynamodbPort?: number;
  sqsPort?: number;
  s3Port?: number;
  /** The folder s3rver keeps its buckets in; a temporary one, removed at close, when omitted. */
  s3Dir?: string;
}

/** The access key the local stack signs with (local/stack-emulators.ts `useLocalCredentials`), which s3rver must know. */
const LOCAL_KEY = { accessKeyId: 'local', secretAccessKey: 'local' };

/**
 * S3 (s3rver 3.7, which runs on Node 20: fauxqs 2.x's S3 needs Node 22.5), strict
 * (local/strict/strict-s3rver.ts), on 127.0.0.1. It knows the local stack's key and the
 * environment's, if another.
 */
async function startS3(options: EmulatorOptions) {
  const directory = options.s3Dir ?? mkdtempSync(join(tmpdir(), 'skytask-s3-'));
  const s3 = new S3rver({ port: options.s3Port ?? 0, address: '127.0.0.1', silent: true, directory });
  strictS3rver(s3, LOCAL_KEY);
  const { AWS_ACCESS_KEY_ID: accessKeyId, AWS_SECRET_ACCESS_KEY: secretAccessKey } = process.env;
  if (accessKeyId && secretAccessKey) strictS3rver.allow({ accessKeyId, secretAccessKey });
  const { port } = await s3.run();
  return {
    endpoint: `http://127.0.0.1:${port}`,
    async close() {
      await s3.close();
      if (!options.s3Dir) rmSync(directory, { recursive: true, force: true });
    },
  };
}

/**
 * DynamoDB (dynalite), SQS (fauxqs) and S3 (s3rver) emulators and the PutEvents endpoint in
 * this process, on 127.0.0.1 only. The table's data lives in `dataDir` if given, the payload
 * bucket's in `s3Dir`; fauxqs keeps queues in memory only.
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
  const s3 = await startS3(options);
  return {
    dynamodbEndpoint: `http://127.0.0.1:${(dynamo.address() as AddressInfo).port}`,
    sqsEndpoint: `http://127.0.0.1:${sqsPort}`,
    eventsEndpoint: events.endpoint,
    s3Endpoint: s3.endpoint,
    async close() {
      await s3.close();
      await events.close();
      await sqs.close();
      dynamo.closeAllConnections?.();
      await new Promise<void>((resolve) => dynamo.close(() => resolve()));
    },
  };
}
