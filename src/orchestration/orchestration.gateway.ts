import { Logger, OnModuleDestroy } from '@nestjs/common';
import {
  ConnectedSocket,
  MessageBody,
  OnGatewayConnection,
  OnGatewayDisconnect,
  OnGatewayInit,
  SubscribeMessage,
  WebSocketGateway,
  WebSocketServer,
} from '@nestjs/websockets';
import type { Namespace, Socket } from 'socket.io';
import { MetricsService } from '../analytics/metrics.service.js';
import { ApiKeysService } from '../auth/api-keys.service.js';
import { TooManyAuthFailures } from '../auth/auth-throttle.js';
import { clientAddressOf } from '../auth/client-address.js';
import { AppConfig } from '../config/app-config.js';
import type { Principal } from '../auth/principal.js';
import { SessionsService } from '../sessions/sessions.service.js';
import { ThreadsService } from '../threads/threads.service.js';
import { toRunEvent, type RunEventDto } from './dto/run.response.dto.js';
import { OBJECT_ID } from '../common/parse-object-id.pipe.js';
import { roomsOf, RunEventBus, type Published } from './events/run-event-bus.js';
import { FINAL_EVENTS } from './events/run-events.js';
import type { RunEvent, RunEventType } from './events/run-events.js';
import { OrchestrationService } from './orchestration.service.js';

/** `subscribe` / `unsubscribe`: one of runId, threadId, sessionId; `afterSeq` (runs) replays what came after it. */
export interface SubscribeRequest {
  runId?: string;
  threadId?: string;
  sessionId?: string;
  afterSeq?: number;
}

export type SubscribeAck = { ok: true; replayed: number } | { ok: false; error: string };

/** The server-to-client events of the namespace: every run event, under its own name. */
export type ServerEvents = { [K in RunEventType]: (event: RunEventDto) => void };

const REQUEST_FIELDS = new Set(['runId', 'threadId', 'sessionId', 'afterSeq']);

/** Per-socket limits: what one client may hold or ask at once, so one socket cannot stall the server. */
export const SOCKET_LIMITS = {
  /** Rooms (runs, threads, sessions) one socket may be subscribed to. */
  subscriptions: 100,
  /** subscribe/unsubscribe requests of one socket being answered at once. */
  inFlight: 8,
  /** The largest request payload, in characters of its JSON. */
  payloadChars: 1024,
} as const;

type Target = { kind: 'run' | 'thread' | 'session'; id: string; afterSeq?: number };

/** The JSON size of a payload, or Infinity when it cannot be serialised. */
function payloadChars(body: unknown): number {
  try {
    return JSON.stringify(body)?.length ?? 0;
  } catch {
    return Infinity;
  }
}

export function readRequest(body: unknown): Target | string {
  const size = payloadChars(body);
  if (size > SOCKET_LIMITS.payloadChars) {
    return `the request is ${Number.isFinite(size) ? `${size} characters` : 'not serialisable'}; the limit is ${SOCKET_LIMITS.payloadChars}`;
  }
  if (typeof body !== 'object' || body === null || Array.isArray(body)) {
    return 'send an object: { runId } or { threadId } or { sessionId }';
  }
  const unknown = Object.keys(body).filter((k) => !REQUEST_FIELDS.has(k));
  if (unknown.length > 0) return `unknown field ${unknown[0]}: send runId, threadId or sessionId, and afterSeq`;
  const request = body as SubscribeRequest;
  const given = (['runId', 'threadId', 'sessionId'] as const).filter((k) => request[k] !== undefined);
  if (given.length !== 1) return 'give exactly one of runId, threadId, sessionId';
  const key = given[0];
  const id = request[key];
  if (typeof id !== 'string' || !OBJECT_ID.test(id)) return `${key} must be a 24-character hexadecimal id`;
  const afterSeq = request.afterSeq;
  if (afterSeq !== undefined && (typeof afterSeq !== 'number' || !Number.isInteger(afterSeq) || afterSeq < 0)) {
    return 'afterSeq must be a whole number of 0 or more';
  }
  if (afterSeq !== undefined && key !== 'runId') return 'afterSeq goes with runId only';
  return { kind: key.slice(0, -2) as Target['kind'], id, afterSeq };
}

interface SocketState {
  principal: Principal;
  inFlight: number;
}

/** A socket waiting to join a run's room in a cluster, once the events it replayed meet the live ones. */
interface Joining {
  socket: Socket;
  runId: string;
  /** The last seq it has been sent. */
  after: number;
  reading: boolean;
  /** Live events heard while it read the stored ones. */
  heard: RunEvent[];
  replayed: number;
}

/**
 * The /orchestration namespace. The handshake's `auth.token` is checked like an HTTP API key; a
 * client then subscribes to runs, threads or sessions it owns and receives their events. It only
 * relays what the engine publishes on the bus.
 */
@WebSocketGateway({
  namespace: '/orchestration',
  // A recovered connection passes the handshake middleware again: a revoked key cannot come back.
  connectionStateRecovery: { maxDisconnectionDuration: 2 * 60_000, skipMiddlewares: false },
})
export class OrchestrationGateway implements OnGatewayInit, OnGatewayConnection, OnGatewayDisconnect, OnModuleDestroy {
  private readonly logger = new Logger(OrchestrationGateway.name);
  @WebSocketServer() private readonly server!: Namespace;
  private stopRelay: () => void = () => undefined;
  private stopRevokes: () => void = () => undefined;
  private stopHolding: () => void = () => undefined;
  private readonly addressOf: (request: Socket['request']) => string;

  constructor(
    private readonly keys: ApiKeysService,
    private readonly bus: RunEventBus,
    private readonly orchestration: OrchestrationService,
    private readonly sessions: SessionsService,
    private readonly threads: ThreadsService,
    private readonly metrics: MetricsService,
    config: AppConfig,
  ) {
    this.addressOf = clientAddressOf(config.trustProxy);
  }

  /** Sockets catching up on a run going on elsewhere (a cluster) before they join its room. */
  private readonly joining = new Map<string, Set<Joining>>();

  handleConnection(): void {
    this.metrics.sockets.inc();
  }

  handleDisconnect(): void {
    this.metrics.sockets.dec();
  }

  afterInit(namespace: Namespace): void {
    namespace.use((socket, next) => {
      const token: unknown = (socket.handshake.auth as { token?: unknown } | undefined)?.token;
      if (typeof token !== 'string' || token.length === 0)
        return next(new Error('unauthorized: send the API key as auth.token'));
      this.keys
        .authenticate(token, this.addressOf(socket.request))
        .then((principal) => {
          if (principal === null) return next(new Error('unauthorized: the API key is unknown or revoked'));
          const state: SocketState = { principal, inFlight: 0 };
          Object.assign(socket.data as object, state);
          next();
        })
        .catch((error: unknown) => {
          if (error instanceof TooManyAuthFailures) return next(new Error(`rate limited: ${error.message}`));
          next(new Error('the server could not check the API key; try again'));
        });
    });
    this.stopRelay = this.bus.listen((published) => this.deliver(published));
    this.stopHolding = this.keys.holdsKeys(() =>
      [...namespace.sockets.values()].flatMap((socket) => (socket.data as Partial<SocketState>).principal?.keyId ?? []),
    );
    // A revoked key's sockets are closed at once, without a recoverable session left behind.
    this.stopRevokes = this.keys.onRevoke((keyId) => {
      for (const socket of namespace.sockets.values()) {
        if ((socket.data as Partial<SocketState>).principal?.keyId === keyId) socket.disconnect();
      }
    });
  }

  onModuleDestroy(): void {
    this.stopRelay();
    this.stopRevokes();
    this.stopHolding();
  }

  /**
   * The one place events leave for clients. Sockets catching up on the run are joined to its room
   * first when this event is the next they need (or catch up further when they are behind it).
   */
  private deliver({ event, address }: Published): void {
    for (const joining of this.joining.get(event.runId) ?? []) {
      if (!joining.socket.connected) this.drop(joining);
      else if (joining.reading)
        joining.heard.push(event); // sent once the read it waits for is sent
      else if (event.seq === joining.after + 1) this.joined(joining);
      else if (event.seq > joining.after) void this.catchUp(joining, [event]); // stored meanwhile: read them
    }
    this.emit(roomsOf(address), event);
  }

  private emit(rooms: string[] | Socket, event: RunEvent): void {
    this.server.to(Array.isArray(rooms) ? rooms : rooms.id).emit(event.type, toRunEvent(event));
  }

  /** Joins the room now: the next event this instance delivers is the one after the socket's last. */
  private joined(joining: Joining): void {
    void joining.socket.join(`run:${joining.runId}`);
    this.drop(joining);
  }

  /** No longer catching up (joined, or gone: a socket that disconnected is joined to nothing). */
  private drop(joining: Joining): void {
    const set = this.joining.get(joining.runId);
    set?.delete(joining);
    if (set?.size === 0) this.joining.delete(joining.runId);
  }

  /**
   * Sends the socket the stored events after its last, then the live ones heard while it read (in
   * seq order, each once), and joins it to the room when its next event is the next one this
   * instance will deliver; a run that ended is left with its final event sent. Every broadcast
   * event is stored before it is sent, so a gap between the two is closed by reading again.
   */
  private async catchUp(joining: Joining, heard: RunEvent[] = []): Promise<void> {
    joining.reading = true;
    joining.heard.push(...heard);
    try {
      for (;;) {
        const events = await this.bus.eventsAfter(joining.runId, joining.after, Number.MAX_SAFE_INTEGER);
        if (!joining.socket.connected) return this.drop(joining);
        const before = joining.after;
        const queued = joining.heard.splice(0).sort((a, b) => a.seq - b.seq);
        for (const event of [...events, ...queued]) {
          if (event.seq !== joining.after + 1) continue; // a repeat, or past a gap read again below
          this.emit(joining.socket, event);
          joining.after = event.seq;
          if (FINAL_EVENTS.includes(event.type)) return this.joined(joining);
        }
        joining.replayed += joining.after - before;
        const gap = queued.some((event) => event.seq > joining.after);
        if (!gap) return; // the next live event (after + 1) joins it, in heard()
        joining.heard.push(...queued.filter((event) => event.seq > joining.after));
      }
    } finally {
      joining.reading = false;
    }
  }

  @SubscribeMessage('subscribe')
  subscribe(@ConnectedSocket() socket: Socket, @MessageBody() body: unknown): Promise<SubscribeAck> {
    return this.limited(socket, body, (target, principal) => this.join(socket, target, principal));
  }

  @SubscribeMessage('unsubscribe')
  unsubscribe(@ConnectedSocket() socket: Socket, @MessageBody() body: unknown): Promise<SubscribeAck> {
    return this.limited(socket, body, async (target) => {
      await socket.leave(`${target.kind}:${target.id}`);
      this.logger.debug(`socket ${socket.id} left ${target.kind} ${target.id}`);
      return { ok: true, replayed: 0 };
    });
  }

  /** Reads the request and holds the socket to its in-flight limit; every refusal is an acknowledgement. */
  private async limited(
    socket: Socket,
    body: unknown,
    handle: (target: Target, principal: Principal) => Promise<SubscribeAck>,
  ): Promise<SubscribeAck> {
    const target = readRequest(body);
    if (typeof target === 'string') return { ok: false, error: target };
    const state = socket.data as SocketState;
    if (state.inFlight >= SOCKET_LIMITS.inFlight) {
      return {
        ok: false,
        error: `too many requests at once: at most ${SOCKET_LIMITS.inFlight} are answered at a time per socket; wait for their acknowledgements`,
      };
    }
    state.inFlight += 1;
    try {
      return await handle(target, state.principal);
    } finally {
      state.inFlight -= 1;
    }
  }

  private async join(socket: Socket, target: Target, principal: Principal): Promise<SubscribeAck> {
    const room = `${target.kind}:${target.id}`;
    // Socket.IO puts every socket in a room of its own id, not counted as a subscription.
    if (!socket.rooms.has(room) && socket.rooms.size - 1 >= SOCKET_LIMITS.subscriptions) {
      return {
        ok: false,
        error: `too many subscriptions: a socket may hold ${SOCKET_LIMITS.subscriptions}; unsubscribe from some first`,
      };
    }
    try {
      if (target.kind === 'run') await this.orchestration.require(principal, target.id);
      else if (target.kind === 'thread') await this.threads.require(principal, target.id);
      else await this.sessions.requireOwned(principal, target.id);
    } catch {
      return { ok: false, error: `${target.kind} ${target.id} not found` };
    }
    if (!socket.connected) return { ok: false, error: 'the socket disconnected' };
    if (target.kind !== 'run' || target.afterSeq === undefined) {
      await socket.join(room);
      return { ok: true, replayed: 0 };
    }
    // A live run's log is in memory: joining and replaying in the same tick leaves no gap and no repeat.
    const live = this.bus.liveEvents(target.id, target.afterSeq);
    if (live !== undefined) {
      void socket.join(room);
      for (const event of live) this.emit(socket, event);
      return { ok: true, replayed: live.length };
    }
    if (this.bus.hearsOthers) {
      const joining: Joining = {
        socket,
        runId: target.id,
        after: target.afterSeq,
        reading: false,
        heard: [],
        replayed: 0,
      };
      const set = this.joining.get(target.id) ?? new Set();
      set.add(joining);
      this.joining.set(target.id, set);
      await this.catchUp(joining);
      return { ok: true, replayed: joining.replayed };
    }
    // One process: a run not live here has ended; its log is stored whole.
    const stored = await this.bus.eventsAfter(target.id, target.afterSeq, Number.MAX_SAFE_INTEGER);
    await socket.join(room);
    for (const event of stored) this.emit(socket, event);
    return { ok: true, replayed: stored.length };
  }
}
