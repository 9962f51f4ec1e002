/** The DynamoDB adapter against the task store contract, over dynalite: one table per test. */
import { randomUUID } from 'node:crypto';
import { CreateTableCommand, DeleteTableCommand } from '@aws-sdk/client-dynamodb';
import { createClients, createDynamoStore, tableDefinition } from '../../lib/index.js';
import { realClock } from '../contract/clock.js';
import { taskStoreContract } from '../contract/task-store.contract.js';
import { emulators } from '../helpers.js';

const RETENTION = 3600;

taskStoreContract('DynamoDB adapter (dynalite)', async () => {
  const { dynamodb } = createClients(await emulators());
  const table = `contract-${randomUUID().slice(0, 8)}`;
  await dynamodb.send(new CreateTableCommand(tableDefinition(table)));
  return {
    store: createDynamoStore({ client: dynamodb, table, retentionSeconds: RETENTION }),
    clock: realClock,
    retentionSeconds: RETENTION,
    async cleanup() {
      await dynamodb.send(new DeleteTableCommand({ TableName: table }));
      dynamodb.destroy();
    },
  };
});
