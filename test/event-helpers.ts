/** Talking to the strict local PutEvents endpoint (local/strict/strict-eventbridge.ts) from tests, over HTTP. */
import type { AcceptedEvent, EventBusFaults } from '../local/strict/strict-eventbridge.js';

/** Every event the endpoint accepted (its feed). */
export async function busEvents(endpoint: string): Promise<AcceptedEvent[]> {
  const res = await fetch(`${endpoint}/_skytask/events?after=0`);
  return ((await res.json()) as { events: AcceptedEvent[] }).events;
}

/** The detail-types accepted for one task, in order. */
export async function eventsOfTask(endpoint: string, id: string): Promise<string[]> {
  return (await busEvents(endpoint)).filter((e) => (e.detail as { id: string }).id === id).map((e) => e.detailType);
}

/** Inject faults (fail the next entries, hold requests). */
export async function setFaults(endpoint: string, faults: EventBusFaults): Promise<void> {
  const res = await fetch(`${endpoint}/_skytask/faults`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(faults),
  });
  if (!res.ok) throw new Error(`faults: ${res.status} ${await res.text()}`);
}

/** Wait until `check` holds (polling every 100 ms), or throw after `ms`. */
export async function until<T>(what: string, check: () => Promise<T | undefined | false>, ms = 20_000): Promise<T> {
  const deadline = Date.now() + ms;
  for (;;) {
    const value = await check();
    if (value) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}
