/**
 * The local emulators as a process of their own, so that the worker can be killed and
 * restarted without taking them (and the queued messages) down. Prints one JSON line
 * with the endpoints when ready, records them in <dataDir>/emulators.json, and stops on
 * SIGTERM or SIGINT.
 */
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { startEmulators } from './emulators.js';
import { removeState, writeState } from './state-files.js';

const dataDir = process.argv[2];
if (!dataDir) throw new Error('usage: emulator-process <dataDir>');
mkdirSync(join(dataDir, 'dynamodb'), { recursive: true });
mkdirSync(join(dataDir, 's3'), { recursive: true });
const emulators = await startEmulators({ dataDir: join(dataDir, 'dynamodb'), s3Dir: join(dataDir, 's3') });
const { dynamodbEndpoint, sqsEndpoint, eventsEndpoint, s3Endpoint } = emulators;
const state = { pid: process.pid, dynamodbEndpoint, sqsEndpoint, eventsEndpoint, s3Endpoint };
writeState(dataDir, 'emulators', state);
process.stdout.write(`${JSON.stringify(state)}\n`);

let stopping = false;
const stop = async () => {
  if (stopping) return;
  stopping = true;
  removeState(dataDir, 'emulators', process.pid);
  await emulators.close();
  process.exit(0);
};
process.on('SIGTERM', stop);
process.on('SIGINT', stop);
// The parent may be gone: never die of a write to its closed pipe.
process.stdout.on('error', () => undefined);
