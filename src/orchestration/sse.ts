import type { FastifyReply } from 'fastify';
import { toRunEvent } from './dto/run.response.dto.js';
import type { RunEventBus } from './events/run-event-bus.js';
import { FINAL_EVENTS, type RunEvent } from './events/run-events.js';

const HEARTBEAT_MS = 15_000;

/**
 * Streams a run's events as Server-Sent Events: those after `afterSeq` first (from memory or the
 * store), then the live ones, in order and without repeats, until the run's final event.
 */
export function streamRunEvents(reply: FastifyReply, bus: RunEventBus, runId: string, afterSeq: number): void {
  reply.hijack();
  const raw = reply.raw;
  for (const [name, value] of Object.entries(reply.getHeaders())) {
    if (value !== undefined) raw.setHeader(name, value);
  }
  raw.writeHead(200, {
    'content-type': 'text/event-stream; charset=utf-8',
    'cache-control': 'no-cache',
    connection: 'keep-alive',
  });

  const heartbeat = setInterval(() => raw.write(': keep-alive\n\n'), HEARTBEAT_MS);
  const end = () => {
    clearInterval(heartbeat);
    stop();
    if (!raw.writableEnded) raw.end();
  };
  const stop = followRun(bus, runId, afterSeq, (event) => {
    if (raw.writableEnded) return;
    raw.write(`id: ${event.seq}\nevent: ${event.type}\ndata: ${JSON.stringify(toRunEvent(event))}\n\n`);
    if (FINAL_EVENTS.includes(event.type)) end();
  });
  raw.on('close', end);
  // A run that ended earlier has nothing more to send (in a cluster it may be going on elsewhere).
  stop.replayed.then(
    () => {
      if (!bus.isLive(runId) && !bus.hearsOthers) end();
    },
    () => end(), // the store could not be read: the client reconnects with its last id
  );
}

/**
 * Hands `deliver` a run's events after `afterSeq`: the past ones first (from memory or the
 * store), then the live ones, in order and without repeats. Returns the way to stop, with
 * `replayed`, settled once the past has been delivered.
 */
export function followRun(
  bus: RunEventBus,
  runId: string,
  afterSeq: number,
  deliver: (event: RunEvent) => void,
): (() => void) & { replayed: Promise<void> } {
  let last = afterSeq;
  let replaying = true;
  const held: RunEvent[] = [];
  const pass = (event: RunEvent) => {
    if (event.seq <= last) return;
    last = event.seq;
    deliver(event);
  };
  // Listen before reading the past, so nothing falls between the two; hold live events meanwhile.
  const stop = bus.listen(({ event }) => {
    if (event.runId !== runId) return;
    if (replaying) held.push(event);
    else pass(event);
  });
  const replayed = bus.eventsAfter(runId, afterSeq, Number.MAX_SAFE_INTEGER).then((past) => {
    for (const event of past) pass(event);
    replaying = false;
    for (const event of held.sort((a, b) => a.seq - b.seq)) pass(event);
  });
  return Object.assign(stop, { replayed });
}
