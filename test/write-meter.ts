/**
 * A DynamoDB write-unit meter, independent of skytask's own accounting: an SDK middleware
 * that sizes every item a write touches, before and after, and counts what DynamoDB bills.
 * The bench (`npm run bench`) and the cost tests use it; dynalite's ConsumedCapacity is no
 * help there, as it reports the base table only and no index writes.
 *
 * The rules (AWS: DynamoDB Developer Guide, "Capacity unit consumption for writes", "Item
 * sizes and formats", "Provisioned throughput considerations for GSIs"):
 * - A PutItem, UpdateItem or DeleteItem costs ⌈max(item size before, after) / 1 KB⌉ units,
 *   at least 1; a write whose condition fails costs the same for the item as it is.
 * - An item's size is the UTF-8 bytes of its attribute names plus its values: a string its
 *   UTF-8 bytes, a number about 1 byte per two significant digits plus 1, binary its bytes, a
 *   boolean or null 1, a list or map 3 plus its elements plus 1 byte each.
 * - Each global secondary index: an entry appears (1 write), disappears (1), moves to another
 *   key (2: a delete and a put) or has a projected attribute changed (1). An entry is the
 *   table's key, the index's key and the projected attributes, plus 100 bytes; it costs
 *   ⌈size / 1 KB⌉ per write.
 *
 * It reads each item before and after the write with a client of its own (not metered), so
 * it is exact for writes that do not race other writes to the same item.
 */
import {
  type AttributeValue,
  DescribeTableCommand,
  DynamoDBClient,
  type DynamoDBClientConfig,
  GetItemCommand,
} from '@aws-sdk/client-dynamodb';

type AvItem = Record<string, AttributeValue>;

/** One index as the meter needs it: its key attributes and what it projects. */
interface IndexShape {
  name: string;
  keys: string[];
  /** Projected non-key attributes; `'ALL'` for every attribute. */
  projected: string[] | 'ALL';
}

/** One metered write. */
export interface WriteEntry {
  api: 'PutItem' | 'UpdateItem' | 'DeleteItem' | 'BatchWriteItem';
  /** The item's partition and sort key values ('' for a table without a sort key). */
  pk: string;
  sk: string;
  table: number;
  index: number;
  /** Bytes of the item the write answered with (ReturnValues), 0 for none. */
  returnedBytes: number;
}

interface TableShape {
  keys: string[];
  indexes: IndexShape[];
}

/** Write units, split as AWS bills them. */
export interface Units {
  table: number;
  index: number;
  /** Writes sent (each PutItem, UpdateItem, DeleteItem, and each request of a BatchWriteItem). */
  writes: number;
}

const utf8 = (text: string) => Buffer.byteLength(text, 'utf8');

/** A number's size as AWS documents it: leading and trailing zeros trimmed, 1 byte per two significant digits, plus 1. */
function numberSize(text: string): number {
  const digits = text
    .replace(/^-/, '')
    .replace(/[eE].*$/, '')
    .replace('.', '')
    .replace(/^0+/, '')
    .replace(/0+$/, '');
  return Math.ceil(Math.max(1, digits.length) / 2) + 1;
}

function valueSize(value: AttributeValue): number {
  if (value.S !== undefined) return utf8(value.S);
  if (value.N !== undefined) return numberSize(value.N);
  if (value.B !== undefined) return value.B.length;
  if (value.BOOL !== undefined || value.NULL !== undefined) return 1;
  if (value.SS) return value.SS.reduce((n, s) => n + utf8(s), 0);
  if (value.NS) return value.NS.reduce((n, s) => n + numberSize(s), 0);
  if (value.BS) return value.BS.reduce((n, b) => n + b.length, 0);
  if (value.L) return 3 + value.L.reduce((n, v) => n + 1 + valueSize(v), 0);
  if (value.M) return 3 + Object.entries(value.M).reduce((n, [k, v]) => n + 1 + utf8(k) + valueSize(v), 0);
  throw new TypeError(`write meter: unknown attribute value ${JSON.stringify(value)}`);
}

/** An item's size in bytes as DynamoDB counts it (names and values). */
export function avItemSize(item: AvItem | undefined): number {
  if (!item) return 0;
  return Object.entries(item).reduce((n, [name, value]) => n + utf8(name) + valueSize(value), 0);
}

/** The size of an item as the document client hands it back (plain values, not AttributeValues). */
function plainSize(value: unknown): number {
  if (typeof value === 'string') return utf8(value);
  if (typeof value === 'number') return numberSize(String(value));
  if (typeof value === 'boolean' || value === null) return 1;
  if (value instanceof Set) return [...value].reduce((n, v) => n + plainSize(v), 0);
  if (Array.isArray(value)) return 3 + value.reduce((n, v) => n + 1 + plainSize(v), 0);
  if (value && typeof value === 'object') {
    return 3 + Object.entries(value).reduce((n, [k, v]) => n + 1 + utf8(k) + plainSize(v), 0);
  }
  return 0;
}

const AV_TYPES = ['S', 'N', 'B', 'BOOL', 'NULL', 'SS', 'NS', 'BS', 'L', 'M'];
const isAv = (value: unknown) =>
  !!value && typeof value === 'object' && Object.keys(value).length === 1 && AV_TYPES.includes(Object.keys(value)[0]);

/** An item's size, whether in AttributeValues or as plain values. */
function anyItemSize(item: Record<string, unknown> | undefined): number {
  if (!item) return 0;
  return Object.entries(item).reduce(
    (n, [name, v]) => n + utf8(name) + (isAv(v) ? valueSize(v as AttributeValue) : plainSize(v)),
    0,
  );
}

const kbUnits = (bytes: number) => Math.max(1, Math.ceil(bytes / 1024));
const same = (a: AttributeValue | undefined, b: AttributeValue | undefined) => JSON.stringify(a) === JSON.stringify(b);

/** Index write units of one item going from `before` to `after` (undefined: absent). */
function indexUnits(shape: TableShape, before: AvItem | undefined, after: AvItem | undefined): number {
  let units = 0;
  for (const index of shape.indexes) {
    const inIndex = (item: AvItem | undefined) => !!item && index.keys.every((k) => item[k] !== undefined);
    const entrySize = (item: AvItem) => {
      const names = new Set([...shape.keys, ...index.keys]);
      const projected = index.projected === 'ALL' ? Object.keys(item) : index.projected;
      for (const name of projected) names.add(name);
      return 100 + avItemSize(Object.fromEntries([...names].filter((n) => item[n]).map((n) => [n, item[n]])));
    };
    const was = inIndex(before) ? before : undefined;
    const is = inIndex(after) ? after : undefined;
    if (!was && !is) continue;
    if (!was) units += kbUnits(entrySize(is!));
    else if (!is) units += kbUnits(entrySize(was));
    else if (!index.keys.every((k) => same(was[k], is[k]))) units += kbUnits(entrySize(was)) + kbUnits(entrySize(is));
    else {
      const names = index.projected === 'ALL' ? new Set([...Object.keys(was), ...Object.keys(is)]) : index.projected;
      if ([...names].some((n) => !same(was[n], is[n]))) units += kbUnits(entrySize(is));
    }
  }
  return units;
}

/** The write meter: `attach` it to the client whose writes count; read the totals by item. */
export interface WriteMeter {
  /** Meter every write sent through `client` (its own middleware stack). */
  attach(client: DynamoDBClient): void;
  /** Units so far, all items; or only the items whose partition key value `pk` matches. */
  total(pk?: (value: string) => boolean): Units;
  /** Units so far of the items under one partition key value (`task#<id>`: a task's items). */
  of(pkValue: string): Units;
  /** Every metered write so far, in the order they ended. */
  log(): WriteEntry[];
  reset(): void;
  destroy(): void;
}

/**
 * A meter over tables it learns with DescribeTable. `config`: how to reach DynamoDB (the
 * emulator's endpoint). Writes are metered one at a time per item: concurrent writes to
 * different items are fine.
 */
export function createWriteMeter(config: DynamoDBClientConfig): WriteMeter {
  const reader = new DynamoDBClient(config);
  const shapes = new Map<string, Promise<TableShape>>();
  const byPk = new Map<string, Units>();
  let entries: WriteEntry[] = [];

  const shapeOf = (table: string) => {
    let shape = shapes.get(table);
    if (!shape) {
      shape = reader.send(new DescribeTableCommand({ TableName: table })).then(({ Table }) => ({
        keys: (Table?.KeySchema ?? []).map((k) => k.AttributeName!),
        indexes: (Table?.GlobalSecondaryIndexes ?? []).map((i) => ({
          name: i.IndexName!,
          keys: (i.KeySchema ?? []).map((k) => k.AttributeName!),
          projected:
            i.Projection?.ProjectionType === 'ALL'
              ? ('ALL' as const)
              : i.Projection?.ProjectionType === 'INCLUDE'
                ? (i.Projection.NonKeyAttributes ?? [])
                : [],
        })),
      }));
      shapes.set(table, shape);
    }
    return shape;
  };

  const read = async (table: string, key: AvItem) =>
    (await reader.send(new GetItemCommand({ TableName: table, Key: key, ConsistentRead: true }))).Item;

  function add(pk: string, units: Partial<Units>) {
    const was = byPk.get(pk) ?? { table: 0, index: 0, writes: 0 };
    byPk.set(pk, {
      table: was.table + (units.table ?? 0),
      index: was.index + (units.index ?? 0),
      writes: was.writes + (units.writes ?? 0),
    });
  }

  function record(api: WriteEntry['api'], shape: TableShape, key: AvItem, units: Units, returned?: AvItem) {
    const [pk, sk] = [key[shape.keys[0]]?.S ?? '', shape.keys[1] ? (key[shape.keys[1]]?.S ?? '') : ''];
    add(pk, units);
    entries.push({ api, pk, sk, table: units.table, index: units.index, returnedBytes: anyItemSize(returned) });
  }

  /** Meter one item's write: `send` performs it; `put` is the item a put writes (else read after). */
  async function meterItem(
    api: WriteEntry['api'],
    table: string,
    key: AvItem,
    put: AvItem | undefined,
    send: () => Promise<any>,
  ) {
    const shape = await shapeOf(table);
    const before = await read(table, key);
    let result: any;
    try {
      result = await send();
    } catch (err) {
      if ((err as Error).name === 'ConditionalCheckFailedException') {
        record(api, shape, key, { table: kbUnits(avItemSize(before)), index: 0, writes: 1 });
      }
      throw err;
    }
    const after = api === 'DeleteItem' ? undefined : (put ?? (await read(table, key)));
    const table_ = kbUnits(Math.max(avItemSize(before), avItemSize(after)));
    record(
      api,
      shape,
      key,
      { table: table_, index: indexUnits(shape, before, after), writes: 1 },
      result.output?.Attributes,
    );
    return result;
  }

  const keyOf = async (table: string, item: AvItem) =>
    Object.fromEntries((await shapeOf(table)).keys.map((k) => [k, item[k]]));

  async function meterBatch(input: any, next: () => Promise<any>) {
    // Each request of the batch is metered as its own write; the batch is sent once.
    const requests: { table: string; key: AvItem; put?: AvItem }[] = [];
    for (const [table, list] of Object.entries(input.RequestItems ?? {}) as [string, any[]][]) {
      for (const r of list) {
        if (r.PutRequest) requests.push({ table, key: await keyOf(table, r.PutRequest.Item), put: r.PutRequest.Item });
        else requests.push({ table, key: r.DeleteRequest.Key });
      }
    }
    const befores = await Promise.all(requests.map((r) => read(r.table, r.key)));
    const result = await next();
    const unprocessed = JSON.stringify(result.output?.UnprocessedItems ?? {});
    for (const [n, r] of requests.entries()) {
      if (unprocessed.includes(JSON.stringify(r.key))) continue;
      const shape = await shapeOf(r.table);
      record('BatchWriteItem', shape, r.key, {
        table: kbUnits(Math.max(avItemSize(befores[n]), avItemSize(r.put))),
        index: indexUnits(shape, befores[n], r.put),
        writes: 1,
      });
    }
    return result;
  }

  const middleware = (next: any, context: any) => async (args: any) => {
    const input = args.input;
    switch (context.commandName) {
      case 'PutItemCommand':
        return meterItem('PutItem', input.TableName, await keyOf(input.TableName, input.Item), input.Item, () =>
          next(args),
        );
      case 'UpdateItemCommand':
        return meterItem('UpdateItem', input.TableName, input.Key, undefined, () => next(args));
      case 'DeleteItemCommand':
        return meterItem('DeleteItem', input.TableName, input.Key, undefined, () => next(args));
      case 'BatchWriteItemCommand':
        return meterBatch(input, () => next(args));
      case 'TransactWriteItemsCommand':
        throw new Error('write meter: transactions are not metered (skytask uses none)');
      default:
        return next(args);
    }
  };

  const sum = (entries: Units[]): Units =>
    entries.reduce((a, u) => ({ table: a.table + u.table, index: a.index + u.index, writes: a.writes + u.writes }), {
      table: 0,
      index: 0,
      writes: 0,
    });

  return {
    attach(client) {
      // At the build step the document client has marshalled the input: plain AttributeValues.
      client.middlewareStack.add(middleware, { step: 'build', name: 'writeMeter' });
    },
    total: (pk) => sum([...byPk.entries()].filter(([k]) => !pk || pk(k)).map(([, u]) => u)),
    of: (pkValue) => byPk.get(pkValue) ?? { table: 0, index: 0, writes: 0 },
    log: () => [...entries],
    reset: () => {
      byPk.clear();
      entries = [];
    },
    destroy: () => reader.destroy(),
  };
}
