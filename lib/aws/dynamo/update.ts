import { UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { taskKey } from '../../keys.js';
import { type Item, isConditionFailed, type TaskTable } from './table.js';

/** No live run holds the task: waiting for a run, or STARTED by a run whose lease expired (`:now`). */
export const IDLE = `(#status IN (:queued_, :retry_) OR (#status = :started_ AND #lease_until < :now))`;

/** One conditional update of a task item. */
export interface TaskUpdate {
  /** Attributes to set; an undefined value removes the attribute. */
  set?: Item;
  /** Numbers to add. */
  add?: Item;
  remove?: string[];
  /** Besides `attribute_exists(pk)`; `#name` placeholders are filled in. No doubled parentheses (dynalite refuses them). */
  condition?: string;
  values?: Item;
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
  const condition = `attribute_exists(pk)${op.condition ? ` AND ${op.condition}` : ''}`;
  if (condition.includes(':queued_'))
    Object.assign(values, { ':queued_': 'QUEUED', ':retry_': 'RETRY', ':started_': 'STARTED' });
  for (const [, attr] of condition.matchAll(/#([a-z_]+)/g)) name(attr);
  const clauses = [
    sets.length ? `SET ${sets.join(', ')}` : '',
    removes.length ? `REMOVE ${[...new Set(removes)].join(', ')}` : '',
    adds.length ? `ADD ${adds.join(', ')}` : '',
  ];
  return { update: clauses.filter(Boolean).join(' '), condition, names, values };
}

/**
 * One conditional UpdateItem on an existing task. Returns the new item, or undefined
 * when the condition failed (nothing was written).
 */
export async function updateTask(table: TaskTable, id: string, op: TaskUpdate): Promise<Item | undefined> {
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
        ReturnValues: 'ALL_NEW',
      }),
    );
    return Attributes;
  } catch (err) {
    if (isConditionFailed(err)) return undefined;
    throw err;
  }
}
