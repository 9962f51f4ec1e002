/**
 * Makes dynalite refuse what DynamoDB refuses, in the emulator's own process: its item
 * sizes and key sizes are counted in characters, DynamoDB counts UTF-8 bytes. The rules
 * live in lib/aws-rules/dynamodb.ts; this file only hooks them into dynalite 4.0.0 (pinned in
 * package.json), through the functions its actions call on its `db` and `validations`
 * modules. Hooking beats a proxy here: dynalite computes the item an UpdateItem leaves
 * behind, and that item is what DynamoDB's 400 KB limit applies to.
 */
import { createRequire } from 'node:module';
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import {
  batchRefusal,
  expressionRefusal,
  indexKeyRefusal,
  itemBytes,
  keySizeRefusal,
  nestingRefusal,
  tableKeyRefusal,
  type TableShape,
  type WireItem,
} from '../../lib/aws-rules/dynamodb.js';
import { errorCode, reportRefusal } from './refusals.js';

const require = createRequire(import.meta.url);
let installed = false;

/** The first refusal among `checks` as dynalite's ValidationException, or null. */
function refuse(db: any, ...checks: (() => string | undefined)[]) {
  for (const check of checks) {
    const message = check();
    if (message) return db.validationError(message);
  }
  return null;
}

/** Swaps dynalite's shared checks for strict ones. Once per process: the modules are shared. */
function installHooks(): void {
  if (installed) return;
  const db = require('dynalite/db');
  const validations = require('dynalite/validations');
  const batchGet = require('dynalite/validations/batchGetItem');
  const batchWrite = require('dynalite/validations/batchWriteItem');
  const hooked = [db.itemSize, db.validateKey, db.validateItem, db.validateKeyPiece, db.updateIndexes];
  if (![...hooked, validations.validateExpressions, batchGet.custom, batchWrite.custom].every(Boolean)) {
    throw new Error('skytask strict emulators: dynalite internals changed; local/strict/ supports dynalite 4.0.0');
  }
  const [itemSize, validateKey, validateItem, validateKeyPiece, updateIndexes] = hooked;
  db.itemSize = (item: WireItem, ...rest: unknown[]) => (rest.length ? itemSize(item, ...rest) : itemBytes(item));
  db.validateKey = (key: WireItem, table: TableShape) =>
    validateKey(key, table) ?? refuse(db, () => tableKeyRefusal(key, table));
  db.validateKeyPiece = (key: WireItem, attr: string, type: string, isHash: boolean) =>
    validateKeyPiece(key, attr, type, isHash) ?? refuse(db, () => keySizeRefusal(key[attr], isHash));
  db.validateItem = (item: WireItem, table: TableShape) =>
    validateItem(item, table) ??
    refuse(
      db,
      () => tableKeyRefusal(item, table),
      () => indexKeyRefusal(item, table),
      () => nestingRefusal(Object.values(item)),
    );
  // Every write reaches the indexes here with the item it leaves: for an UpdateItem, the
  // index keys it changed are checked as DynamoDB checks them (a PutItem's were, above).
  db.updateIndexes = (store: unknown, table: TableShape, before: WireItem, after: WireItem, cb: any) => {
    const refusal = after && refuse(db, () => indexKeyRefusal(after, table, before ?? {}, true));
    return refusal ? cb(refusal) : updateIndexes(store, table, before, after, cb);
  };
  const validateExpressions = validations.validateExpressions;
  validations.validateExpressions = (request: any, ...rest: unknown[]) =>
    expressionRefusal(request) ?? validateExpressions(request, ...rest);
  const getCustom = batchGet.custom;
  batchGet.custom = (request: any, store: unknown) =>
    batchRefusal('BatchGetItem', request) ?? getCustom(request, store);
  const writeCustom = batchWrite.custom;
  batchWrite.custom = (request: any, store: unknown) =>
    batchRefusal('BatchWriteItem', request) ?? writeCustom(request, store);
  installed = true;
}

/** Logs every refusal of content the server sends (dynalite's own checks and the strict ones). */
function logRefusals(server: Server): void {
  const handlers = server.listeners('request') as ((req: IncomingMessage, res: ServerResponse) => void)[];
  server.removeAllListeners('request');
  server.on('request', (req: IncomingMessage, res: ServerResponse) => {
    const end = res.end;
    res.end = function (this: ServerResponse, chunk?: any, ...rest: any) {
      if (res.statusCode === 400 && chunk) {
        try {
          const body = JSON.parse(String(chunk));
          const action = String(req.headers['x-amz-target'] ?? '').split('.')[1] ?? '?';
          reportRefusal('DynamoDB', action, errorCode(body.__type ?? ''), body.message ?? body.Message ?? '');
        } catch {
          // not a JSON error body: nothing to report
        }
      }
      return (end as any).call(this, chunk, ...rest);
    } as ServerResponse['end'];
    for (const handler of handlers) handler(req, res);
  });
}

/**
 * Makes a dynalite server strict: DynamoDB's key, item, nesting, expression and batch
 * limits (lib/aws-rules/dynamodb.ts), each refusal a ValidationException with DynamoDB's message
 * and a line on stderr. Call before the server handles requests.
 */
export function strictDynalite(server: Server): void {
  installHooks();
  logRefusals(server);
}
