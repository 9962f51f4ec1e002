/**
 * What one bench phase measured, and the counting both paths share: an SDK middleware that
 * counts every request by API, and the statistics the bench prints (medians and spreads:
 * absolute figures on a shared machine move by 3× from day to day).
 */
import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import type { SQSClient } from '@aws-sdk/client-sqs';

/** One phase: `tasks` tasks from the first enqueue to the last finish write. */
export interface PhaseResult {
  label: string;
  tasks: number;
  seconds: number;
  /** Enqueue (the record's time queued) to the finish (its time ended), per task, in ms. */
  latenciesMs: number[];
  /** AWS requests by API (`DynamoDB UpdateItem`…) during the phase. */
  calls: Map<string, number>;
}

/** Counts every request sent through the clients it is attached to, by API, until `snapshot`. */
export interface CallCounter {
  attach(client: DynamoDBClient | SQSClient, service: 'DynamoDB' | 'SQS'): void;
  reset(): void;
  snapshot(): Map<string, number>;
}

export function createCallCounter(): CallCounter {
  let calls = new Map<string, number>();
  return {
    attach(client, service) {
      (client.middlewareStack as DynamoDBClient['middlewareStack']).add(
        (next: any, context: any) => async (args: any) => {
          const api = `${service} ${String(context.commandName).replace(/Command$/, '')}`;
          calls.set(api, (calls.get(api) ?? 0) + 1);
          return next(args);
        },
        { step: 'initialize', name: 'benchCallCounter' },
      );
    },
    reset: () => {
      calls = new Map();
    },
    snapshot: () => new Map(calls),
  };
}

/** The p-th percentile of sorted numbers (nearest rank). */
export const percentile = (sorted: readonly number[], p: number) =>
  sorted.length ? sorted[Math.min(sorted.length - 1, Math.floor((sorted.length * p) / 100))] : Number.NaN;

export const median = (xs: readonly number[]) =>
  percentile(
    [...xs].sort((a, b) => a - b),
    50,
  );

/** "median (min–max)" of a few runs. */
export function spread(xs: readonly number[], digits = 0): string {
  const sorted = [...xs].sort((a, b) => a - b);
  const f = (n: number) => n.toFixed(digits);
  return `${f(median(sorted))} (${f(sorted[0])}–${f(sorted[sorted.length - 1])})`;
}

/** kwargs whose JSON text is `bytes` long: `{"i":n,"pad":"xxx…"}`. */
export function kwargsOfSize(i: number, bytes: number): { i: number; pad: string } {
  const base = JSON.stringify({ i, pad: '' }).length;
  return { i, pad: 'x'.repeat(Math.max(0, bytes - base)) };
}

/** Resolves when `check` is true, polling every `ms`. */
export async function until(check: () => boolean, ms = 5): Promise<void> {
  while (!check()) await new Promise((r) => setTimeout(r, ms));
}
