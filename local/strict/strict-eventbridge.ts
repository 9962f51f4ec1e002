/**
 * A strict local PutEvents endpoint: there is no EventBridge emulator, so the local stack and
 * the tests run this small HTTP server, which speaks the PutEvents JSON protocol
 * (`X-Amz-Target: AWSEvents.PutEvents`, `application/x-amz-json-1.1`) to the real SDK client
 * over 127.0.0.1 and enforces AWS's documented rules (lib/aws-rules/eventbridge.ts): a
 * request over 10 entries, over 1 MB or with an entry over 256 KB is refused whole
 * (ValidationException), an entry missing Source, DetailType or Detail, or whose Detail is no
 * JSON object, fails alone (`FailedEntryCount`), as AWS answers. It keeps what it accepted for
 * the local feed (`GET /_skytask/events`), and takes faults for tests (`POST /_skytask/faults`):
 * fail the next entries with an ErrorCode, or hold requests unanswered (a publisher killed
 * mid-request). Only loopback requests with its own Host are served (local/http-rules.ts).
 */
import { randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { entryRefusal, type PutEventsEntry, requestRefusal } from '../../lib/aws-rules/eventbridge.js';
import { refusal } from '../http-rules.js';
import { errorCode } from './refusals.js';

/** An event the endpoint accepted: its place in the feed, when, and the entry as sent (`Time`: epoch seconds). */
export interface AcceptedEvent {
  seq: number;
  id: string;
  received: number;
  bus: string;
  source: string;
  detailType: string;
  detail: unknown;
}

/** Faults a test injects. */
export interface EventBusFaults {
  /** Fail the next `count` entries (of `detailType`, if given) with `code` (e.g. ThrottlingException). */
  fail?: { code: string; count: number; detailType?: string };
  /** Leave unanswered every request with an entry of this detail-type, until set to null. */
  hold?: string | null;
}

export interface LocalEventBus {
  endpoint: string;
  /** The bus entries may name (its name or `arn:…:event-bus/<name>`); absent names the default bus. */
  busName: string;
  readonly events: AcceptedEvent[];
  faults: EventBusFaults;
  close(): Promise<void>;
}

/** The endpoint's state: the feed's last number, the requests held. */
interface Bus extends LocalEventBus {
  seq: number;
  held: { entries: PutEventsEntry[]; res: ServerResponse }[];
}

/** Events kept for the feed, the newest. */
const FEED_SIZE = 1000;
/** The body read at most: 1 MB of entries plus the JSON around them. */
const MAX_BODY = 2 * 1024 * 1024;

/** Start the endpoint on 127.0.0.1 (`port` 0: any free port). */
export async function startEventBus(options: { port?: number; busName?: string } = {}): Promise<LocalEventBus> {
  const bus: Bus = {
    endpoint: '',
    busName: options.busName ?? 'skytask',
    events: [],
    faults: {},
    seq: 0,
    held: [],
    close: async () => undefined,
  };
  let port = 0;
  const server = createServer((req, res) => {
    serve(bus, req, res, port).catch((err) => answer(res, 500, { __type: 'InternalException', message: String(err) }));
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, '127.0.0.1', resolve);
  });
  port = (server.address() as AddressInfo).port;
  bus.endpoint = `http://127.0.0.1:${port}`;
  bus.close = () =>
    new Promise<void>((resolve) => {
      server.close(() => resolve());
      server.closeAllConnections();
    });
  return bus;
}

async function serve(bus: Bus, req: IncomingMessage, res: ServerResponse, port: number): Promise<void> {
  const path = req.url?.split('?')[0];
  const control = path === '/_skytask/faults' || path === '/_skytask/events';
  const refused = refusal(req, port, { json: path === '/_skytask/faults' });
  if (refused) return answer(res, refused.status, { message: refused.message });
  if (path === '/_skytask/events' && req.method === 'GET') {
    const after = Number(new URL(req.url!, 'http://x').searchParams.get('after') ?? 0) || 0;
    return answer(res, 200, { events: bus.events.filter((e) => e.seq > after), last: bus.seq });
  }
  const body = await readBody(req);
  if (body === undefined) return answer(res, 413, { __type: 'ValidationException', message: 'Request too large.' });
  if (control && req.method === 'POST') {
    const faults = parse(body) as EventBusFaults;
    if ('hold' in faults) setHold(bus, faults.hold ?? null);
    if (faults.fail) bus.faults.fail = faults.fail;
    return answer(res, 200, { faults: bus.faults });
  }
  if (req.headers['x-amz-target'] !== 'AWSEvents.PutEvents') {
    return answer(res, 400, { __type: 'UnknownOperationException', message: 'Only PutEvents is served here.' });
  }
  const request = parse(body) as { Entries?: unknown } | undefined;
  const whole = requestRefusal(request?.Entries);
  if (whole) return refuse(res, 'ValidationException', whole);
  const entries = request!.Entries as PutEventsEntry[];
  if (bus.faults.hold && entries.some((e) => e?.DetailType === bus.faults.hold)) {
    const held = { entries, res };
    bus.held.push(held);
    // A caller that goes away (killed) takes its request with it: nothing of it is kept.
    res.once('close', () => bus.held.splice(bus.held.indexOf(held) >>> 0, 1));
    return;
  }
  answer(res, 200, putEvents(bus, entries));
}

/** The PutEvents answer: each entry accepted (kept for the feed) or failed with AWS's code. */
function putEvents(bus: Bus, entries: PutEventsEntry[]) {
  const results = entries.map((entry) => {
    const failed = injected(bus, entry) ?? entryRefusal(entry) ?? wrongBus(bus, entry);
    if (failed) return { ErrorCode: failed.code, ErrorMessage: failed.message };
    const id = randomUUID();
    bus.events.push({
      seq: ++bus.seq,
      id,
      received: Date.now() / 1000,
      bus: bus.busName,
      source: entry.Source!,
      detailType: entry.DetailType!,
      detail: JSON.parse(entry.Detail!),
    });
    if (bus.events.length > FEED_SIZE) bus.events.shift();
    return { EventId: id };
  });
  return { FailedEntryCount: results.filter((r) => 'ErrorCode' in r).length, Entries: results };
}

function injected(bus: Bus, entry: PutEventsEntry) {
  const fail = bus.faults.fail;
  if (!fail || fail.count <= 0 || (fail.detailType && fail.detailType !== entry.DetailType)) return undefined;
  fail.count--;
  return { code: fail.code, message: `injected failure (${fail.code})` };
}

function wrongBus(bus: Bus, entry: PutEventsEntry) {
  const name = entry.EventBusName;
  if (name === undefined || name === bus.busName || name.endsWith(`:event-bus/${bus.busName}`)) return undefined;
  return { code: 'ResourceNotFoundException', message: `Event bus ${name} does not exist.` };
}

/** Hold requests of a detail-type, or (null) answer the held ones whose caller still waits. */
function setHold(bus: Bus, detailType: string | null): void {
  bus.faults.hold = detailType;
  if (detailType) return;
  const held = bus.held.splice(0);
  for (const { entries, res } of held) if (!res.destroyed) answer(res, 200, putEvents(bus, entries));
}

function refuse(res: ServerResponse, type: string, message: string): void {
  process.stderr.write(`[skytask strict] EventBridge PutEvents refused as AWS would: ${errorCode(type)}: ${message}\n`);
  answer(res, 400, { __type: type, message });
}

function answer(res: ServerResponse, status: number, value: unknown): void {
  if (res.headersSent || res.destroyed) return;
  res.writeHead(status, { 'content-type': 'application/x-amz-json-1.1' });
  res.end(JSON.stringify(value));
}

async function readBody(req: IncomingMessage): Promise<string | undefined> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += chunk.length;
    if (size > MAX_BODY) return undefined;
    chunks.push(chunk);
  }
  return Buffer.concat(chunks).toString('utf8');
}

function parse(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}
