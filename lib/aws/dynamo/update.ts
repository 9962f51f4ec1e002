import { UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { taskKey } from '../../keys.js';
import { headWriteUnits } from './item.js';
import { type Item, isConditionFailed, type TaskTable } from './table.js';

/**
 * No live run holds the task: waiting for a run (its `lease_until` is 0: item.ts), or STARTED
 * by a run whose lease expired (`:now`).
 */
export const IDLE = '#status IN (:queued_, :retry_, :started_) AND #lease_until < :now';

/** One conditional update of a task's head. */
export interface TaskUpdate {
  /** Attributes to set; an undefined value removes the attribute. */
  set?: Item;
  /** Numbers to add. */
  add?: Item;
  remove?: string[];
  /**
   * The write's condition; `#name` placeholders are filled in. `attribute_exists(pk)` is added
   * unless it compares `#status` with `=` or `IN`, which an absent item fails already. No
   * doubled parentheses (dynalite refuses them), and no nested groups where they can be
   * avoided (dynalite takes milliseconds to parse each: BENCHMARKS.md).
   */
  condition?: string;
  values?: Item;
}

/** A written update: the head before and after it, and the write units DynamoDB billed for it. */
export interface Written {
  old: Item;
  item: Item;
  units: number;
}

/** The UpdateExpression and its placeholders for an update. */
function expressionOf(op: TaskUpdate) {
  const names: Record<string, string> = {};
  const values: Item = { ...op.values };
  // Every attribute goes through a #placeholder: several names are reserved words.
  const name = (attr: string) => ((names[`#${attr}`] = attr), `#${attr}`);
  const sets: string[] = [];
  const removes = (op.remove ?? []).map(name);
  for (const [attr, value] of Object.entries(op.set ?? {})) {
    if (value === undefined) removes.push(name(attr));
    else sets.push(`${name(attr)} = :set_${attr}`), (values[`:set_${attr}`] = value);
  }
  const adds = Object.entries(op.add ?? {}).map(
    ([attr, n]) => ((values[`:add_${attr}`] = n), `${name(attr)} :add_${attr}`),
  );
  const condition = conditionOf(op.condition);
  if (condition.text.includes(':queued_'))
    Object.assign(values, { ':queued_': 'QUEUED', ':retry_': 'RETRY', ':started_': 'STARTED' });
  for (const attr of condition.names) name(attr);
  const clauses = [
    sets.length ? `SET ${sets.join(', ')}` : '',
    removes.length ? `REMOVE ${[...new Set(removes)].join(', ')}` : '',
    adds.length ? `ADD ${adds.join(', ')}` : '',
  ];
  return { update: clauses.filter(Boolean).join(' '), condition: condition.text, names, values };
}

const conditions = new Map<string | undefined, { text: string; names: string[] }>();

/** A condition as sent, and the attribute names it uses (the conditions are a few constant texts: kept). */
function conditionOf(given: string | undefined) {
  let found = conditions.get(given);
  if (!found) {
    const text = given && /#status (=|IN) /.test(given) ? given : `attribute_exists(pk)${given ? ` AND ${given}` : ''}`;
    found = { text, names: [...text.matchAll(/#([a-z_]+)/g)].map((m) => m[1]) };
    conditions.set(given, found);
  }
  return found;
}

/** The item an update leaves, from the item it found: SET, REMOVE and ADD as DynamoDB applies them. */
export function applyUpdate(old: Item, op: TaskUpdate): Item {
  const item: Item = { ...old };
  for (const attr of op.remove ?? []) delete item[attr];
  for (const [attr, value] of Object.entries(op.set ?? {})) {
    if (value === undefined) delete item[attr];
    else item[attr] = value;
  }
  for (const [attr, n] of Object.entries(op.add ?? {})) item[attr] = (item[attr] ?? 0) + n;
  return item;
}

/**
 * One conditional UpdateItem on an existing task's head. It asks for the head as it was
 * (`ALL_OLD`: the head, never a side item, so never more than `LIMITS.headBytes` while the task
 * runs) and applies the update to it here, which gives both the head as written and the
 * exact units of the write. Undefined when the condition failed (nothing was written).
 */
export async function updateTask(table: TaskTable, id: string, op: TaskUpdate): Promise<Written | undefined> {
  const { update, condition, names, values } = expressionOf(op);
  try {
    const { Attributes } = await table.doc.send(
      new UpdateCommand({
        TableName: table.name,
        Key: taskKey(id),
        UpdateExpression: update,
        ConditionExpression: condition,
        ExpressionAttributeNames: names,
        ExpressionAttributeValues: Object.keys(values).length ? values : undefined,
        ReturnValues: 'ALL_OLD',
      }),
    );
    const old = Attributes!;
    const item = applyUpdate(old, op);
    return { old, item, units: headWriteUnits(old, item) };
  } catch (err) {
    if (isConditionFailed(err)) return undefined;
    throw err;
  }
}
