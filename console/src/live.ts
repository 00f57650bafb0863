import { io, type Socket } from 'socket.io-client';
import { api, storedKey } from './api.js';
import type { RunEvent } from './types.js';

/** The state of the live feed, shown beside a run. */
export type FeedState =
  | { state: 'connecting' }
  | { state: 'live'; replayed: number }
  | { state: 'reconnecting'; reason: string }
  | { state: 'closed'; reason: string };

let socket: Socket | null = null;

/** One Socket.IO connection for the tab, authenticated with the stored key. */
function connection(): Socket {
  if (socket === null) {
    socket = io('/orchestration', { auth: { token: storedKey.get() ?? '' }, transports: ['websocket'] });
  }
  return socket;
}

/** Closes the connection (on sign-out: the next one carries the new key). */
export function disconnectLive(): void {
  socket?.disconnect();
  socket = null;
}

type SubscribeAck = { ok: true; replayed: number } | { ok: false; error: string };

/**
 * Follows one run: subscribes with `afterSeq` (0 on a fresh page, the last seq seen after a lost
 * connection), hands each event over once and in seq order, and fills any gap from the REST event
 * log before going on. Returns the function that stops following.
 */
export function followRun(
  runId: string,
  onEvent: (event: RunEvent) => void,
  onState: (state: FeedState) => void,
): () => void {
  const live = connection();
  let last = 0;
  let filling: Promise<void> | null = null;
  const waiting: RunEvent[] = [];
  let stopped = false;

  const deliverInOrder = () => {
    waiting.sort((a, b) => a.seq - b.seq);
    while (waiting.length > 0 && waiting[0].seq <= last + 1) {
      const event = waiting.shift()!;
      if (event.seq === last + 1) {
        last = event.seq;
        onEvent(event);
      }
    }
    if (waiting.length > 0 && filling === null) filling = fill();
  };

  /** Events after `last` that the socket did not bring (a dropped connection): read from the log. */
  const fill = async (): Promise<void> => {
    try {
      const missing = await api.get<RunEvent[]>(`/api/orchestrate/runs/${runId}/events`, { after: last, limit: 1000 });
      if (!stopped) waiting.push(...missing);
    } finally {
      filling = null;
    }
    if (!stopped) deliverInOrder();
  };

  const received = (_type: string, event: RunEvent) => {
    if (stopped || event?.runId !== runId || event.seq <= last) return;
    waiting.push(event);
    if (filling === null) deliverInOrder();
  };

  const subscribe = async () => {
    const ack = (await live.timeout(15_000).emitWithAck('subscribe', { runId, afterSeq: last })) as SubscribeAck;
    if (stopped) return;
    if (ack.ok) onState({ state: 'live', replayed: ack.replayed });
    else onState({ state: 'closed', reason: ack.error });
  };
  const subscribeQuietly = () => {
    subscribe().catch((error: unknown) => onState({ state: 'reconnecting', reason: String(error) }));
  };

  const connected = () => {
    // A recovered connection keeps its rooms and gets what it missed; a new one subscribes again.
    if (live.recovered) onState({ state: 'live', replayed: 0 });
    else subscribeQuietly();
  };
  const disconnected = (reason: string) => {
    if (reason === 'io server disconnect' || reason === 'io client disconnect') {
      onState({ state: 'closed', reason: 'the server closed the connection (was the key revoked?)' });
    } else onState({ state: 'reconnecting', reason });
  };
  const refused = (error: Error) => onState({ state: 'closed', reason: error.message });

  live.onAny(received);
  live.on('connect', connected);
  live.on('disconnect', disconnected);
  live.on('connect_error', refused);
  onState({ state: 'connecting' });
  if (live.connected) subscribeQuietly();

  return () => {
    stopped = true;
    live.offAny(received);
    live.off('connect', connected);
    live.off('disconnect', disconnected);
    live.off('connect_error', refused);
    if (live.connected) live.emit('unsubscribe', { runId });
  };
}
