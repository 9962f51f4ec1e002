/**
 * DynamoDB's documented limits, counted the way DynamoDB counts them: the one home of
 * these rules. The app's byte budgets (lib/limits.ts, the key checks of params and ids) and
 * the strict emulator (local/strict/strict-dynalite.ts) both use them. Sizes are counted
 * over the wire form of items (`{ S: '…' }`, `{ N: '…' }`, …) or, for what the document
 * client writes, over plain values (`documentItemBytes`); each check answers the refusal
 * message DynamoDB sends (a ValidationException), or undefined when AWS accepts.
 *
 * Sources:
 * - Constraints: https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/Constraints.html
 *   (partition key ≤ 2,048 bytes, sort key ≤ 1,024 bytes, item ≤ 400 KB, 32 nesting levels,
 *   expressions ≤ 4 KB, BatchWriteItem ≤ 25 requests, BatchGetItem ≤ 100 items)
 * - Item sizes: https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/CapacityUnitCalculations.html
 *   (names and strings in UTF-8 bytes, binary in raw bytes, numbers by significant digits,
 *   3 bytes per List or Map plus 1 per element)
 * The messages are DynamoDB's own, as dynalite, moto and dynoxide captured them from the service.
 */

import { utf8Bytes } from '../bytes.js';
import { parseDecimal } from './decimal.js';

/** An attribute value in DynamoDB's JSON wire form. */
export type WireValue = Record<string, any>;
/** An item (or a Key) in the wire form: attribute name → value. */
export type WireItem = Record<string, WireValue>;

/** The key schema and indexes of a table, as DescribeTable gives them. */
export interface TableShape {
  KeySchema: { AttributeName: string; KeyType: 'HASH' | 'RANGE' }[];
  AttributeDefinitions: { AttributeName: string; AttributeType: 'S' | 'N' | 'B' }[];
  GlobalSecondaryIndexes?: { IndexName: string; KeySchema: TableShape['KeySchema'] }[];
  LocalSecondaryIndexes?: { IndexName: string; KeySchema: TableShape['KeySchema'] }[];
}

/** DynamoDB's limits, in bytes (1 KB = 1,024), levels and requests, from the Constraints page. */
export const DYNAMODB_LIMITS = {
  /** A partition key value, of the table or of an index (a string in UTF-8 bytes, binary in raw bytes). */
  partitionKeyBytes: 2048,
  /** A sort key value, of the table or of an index. */
  sortKeyBytes: 1024,
  /** An item: attribute names and values together (`itemBytes`). */
  itemBytes: 400 * 1024,
  /** Levels of nested lists and maps, the top-level attribute being the first. */
  nestingLevels: 32,
  /** Each expression string of a request. */
  expressionBytes: 4096,
  /** Put and delete requests of one BatchWriteItem, over all its tables. */
  batchWriteRequests: 25,
  /** Keys of one BatchGetItem, over all its tables. */
  batchGetKeys: 100,
} as const;

/** Raw byte length of a base64 value (the wire form of B), without decoding it. */
export function base64Bytes(b64: string): number {
  const padding = b64.endsWith('==') ? 2 : b64.endsWith('=') ? 1 : 0;
  return Math.floor((b64.length * 3) / 4) - padding;
}

/**
 * Bytes DynamoDB counts for a number: 1 + one per two significant digits (the docs'
 * approximation), refined as dynalite measured the service: digits are stored in pairs
 * aligned on the decimal exponent, and a negative number takes one more byte.
 */
export function numberBytes(n: string): number {
  const decimal = parseDecimal(n);
  if (!decimal) return n.length;
  const { digits, exponent, negative } = decimal;
  if (!digits) return 1;
  const aligned = digits.length % 2 !== 0 || exponent % 2 !== 0;
  return 1 + Math.ceil(digits.length / 2) + (aligned ? 0 : 1) + (negative ? 1 : 0);
}

/** Bytes of one attribute value, without its name. */
export function valueBytes(value: WireValue): number {
  if (value.S !== undefined) return utf8Bytes(value.S);
  if (value.N !== undefined) return numberBytes(value.N);
  if (value.B !== undefined) return base64Bytes(value.B);
  if (value.SS !== undefined) return value.SS.reduce((sum: number, s: string) => sum + utf8Bytes(s), 0);
  if (value.NS !== undefined) return value.NS.reduce((sum: number, n: string) => sum + numberBytes(n), 0);
  if (value.BS !== undefined) return value.BS.reduce((sum: number, b: string) => sum + base64Bytes(b), 0);
  if (value.L !== undefined) return 3 + value.L.reduce((sum: number, v: WireValue) => sum + 1 + valueBytes(v), 0);
  if (value.M !== undefined) return 3 + Object.keys(value.M).length + itemBytes(value.M);
  return 1; // BOOL, NULL
}

/** An item's size as DynamoDB counts it against the 400 KB limit: names + values, in bytes. */
export function itemBytes(item: WireItem): number {
  let size = 0;
  for (const name in item) size += utf8Bytes(name) + valueBytes(item[name]);
  return size;
}

/** A scalar as the document client marshals it (lib-dynamodb: a number as `String(n)`). */
function scalarValue(name: string, value: unknown): WireValue {
  if (typeof value === 'string') return { S: value };
  if (typeof value === 'number') return { N: String(value) };
  if (typeof value === 'boolean') return { BOOL: value };
  if (value === null) return { NULL: true };
  throw new TypeError(`documentItemBytes: attribute ${name} is not a scalar`);
}

/**
 * `itemBytes` of an item as the document client takes it (plain values): for every
 * attribute, the UTF-8 bytes of its name plus its value's — a string's UTF-8 bytes, a
 * number's `numberBytes`, 1 for a boolean or null. `undefined` attributes are not written
 * and count nothing. For items of scalars: a list, map or set throws a TypeError.
 *
 * @example documentItemBytes({ pk: 'task#x', n: 12, ok: true }) === 2 + 6 + 1 + 2 + 2 + 1
 */
export function documentItemBytes(item: Record<string, unknown>): number {
  let size = 0;
  for (const [name, value] of Object.entries(item)) {
    if (value !== undefined) size += utf8Bytes(name) + valueBytes(scalarValue(name, value));
  }
  return size;
}

/** Whether a text fits a partition key value (of the table or an index): at most 2,048 UTF-8 bytes. */
export const fitsPartitionKey = (key: string): boolean => utf8Bytes(key) <= DYNAMODB_LIMITS.partitionKeyBytes;

const HASH_TOO_BIG = `One or more parameter values were invalid: Size of hashkey has exceeded the maximum size limit of${DYNAMODB_LIMITS.partitionKeyBytes} bytes`;
const RANGE_TOO_BIG = `One or more parameter values were invalid: Aggregated size of all range keys has exceeded the size limit of ${DYNAMODB_LIMITS.sortKeyBytes} bytes`;

/** A key value over its limit in UTF-8 (S) or raw (B) bytes; numbers always fit. */
export function keySizeRefusal(value: WireValue | undefined, isHash: boolean): string | undefined {
  if (!value) return undefined;
  const bytes = value.S !== undefined ? utf8Bytes(value.S) : value.B !== undefined ? base64Bytes(value.B) : 0;
  if (isHash && bytes > DYNAMODB_LIMITS.partitionKeyBytes) return HASH_TOO_BIG;
  if (!isHash && bytes > DYNAMODB_LIMITS.sortKeyBytes) return RANGE_TOO_BIG;
  return undefined;
}

/** The table's own key attributes of `item` (or a Key) over their byte limits. */
export function tableKeyRefusal(item: WireItem, table: TableShape): string | undefined {
  for (const { AttributeName, KeyType } of table.KeySchema) {
    const refusal = keySizeRefusal(item[AttributeName], KeyType === 'HASH');
    if (refusal) return refusal;
  }
  return undefined;
}

const sameValue = (a: WireValue | undefined, b: WireValue | undefined) => JSON.stringify(a) === JSON.stringify(b);

/**
 * Secondary index key attributes written with `item`: not empty, within the key limits.
 * With `before` (an UpdateItem), only the attributes the update changed are checked, as
 * DynamoDB does; `viaUpdate` picks the message DynamoDB gives for an update expression.
 * Indexes are visited in name order: DynamoDB names the alphabetically first.
 */
export function indexKeyRefusal(item: WireItem, table: TableShape, before?: WireItem, viaUpdate = false) {
  const indexes = [...(table.GlobalSecondaryIndexes ?? []), ...(table.LocalSecondaryIndexes ?? [])];
  indexes.sort((a, b) => (a.IndexName < b.IndexName ? -1 : 1));
  for (const index of indexes) {
    for (const { AttributeName: name, KeyType } of index.KeySchema) {
      const value = item[name];
      if (!value || (before && sameValue(before[name], value))) continue;
      if (value.S === '' || value.B === '') {
        const kind = value.S === '' ? 'string' : 'binary';
        return viaUpdate
          ? `One or more parameter values are not valid. The update expression attempted to update a secondary index key to a value that is not supported. The AttributeValue for a key attribute cannot contain an empty ${kind} value.`
          : `One or more parameter values are not valid. A value specified for a secondary index key is not supported. The AttributeValue for a key attribute cannot contain an empty ${kind} value. IndexName: ${index.IndexName}, IndexKey: ${name}`;
      }
      const refusal = keySizeRefusal(value, KeyType === 'HASH');
      if (refusal) return refusal;
    }
  }
  return undefined;
}

/** Values nested deeper than 32 levels (the top-level attribute is level 1). */
export function nestingRefusal(values: Iterable<WireValue>): string | undefined {
  const deep = (value: WireValue, level: number): boolean => {
    const children = value.M ? Object.values(value.M) : value.L;
    if (!children) return false;
    if (level + 1 >= DYNAMODB_LIMITS.nestingLevels) return true;
    return children.some((child: WireValue) => deep(child, level + 1));
  };
  for (const value of values) {
    if (value && deep(value, 0)) {
      return 'Nesting Levels have exceeded supported limits: Attributes in the item have nested levels beyond supported limit';
    }
  }
  return undefined;
}

const EXPRESSIONS = [
  'UpdateExpression',
  'ConditionExpression',
  'KeyConditionExpression',
  'FilterExpression',
  'ProjectionExpression',
] as const;

/** A request's expression strings (4 KB each) and expression attribute values (nesting). */
export function expressionRefusal(request: Record<string, any>): string | undefined {
  for (const name of EXPRESSIONS) {
    const expression = request[name];
    if (typeof expression !== 'string') continue;
    const bytes = utf8Bytes(expression);
    if (bytes > DYNAMODB_LIMITS.expressionBytes) {
      return `Invalid ${name}: Expression size has exceeded the maximum allowed size; expression size: ${bytes}`;
    }
  }
  return nestingRefusal(Object.values(request.ExpressionAttributeValues ?? {}));
}

/** BatchWriteItem ≤ 25 requests and BatchGetItem ≤ 100 keys, counted over all tables of the call. */
export function batchRefusal(action: 'BatchWriteItem' | 'BatchGetItem', request: Record<string, any>) {
  const tables = Object.values(request.RequestItems ?? {}) as any[];
  const count = tables.reduce((sum, t) => sum + (action === 'BatchGetItem' ? (t.Keys?.length ?? 0) : t.length), 0);
  const max = action === 'BatchGetItem' ? DYNAMODB_LIMITS.batchGetKeys : DYNAMODB_LIMITS.batchWriteRequests;
  return count > max ? `Too many items requested for the ${action} call` : undefined;
}
