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
import type { Principal } from '../auth/principal.js';
import { SessionsService } from '../sessions/sessions.service.js';
import { ThreadsService } from '../threads/threads.service.js';
import { toRunEvent, type RunEventDto } from './dto/run.response.dto.js';
import { RunEventBus } from './events/run-event-bus.js';
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

const ID = /^[0-9a-f]{24}$/;
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
  if (typeof id !== 'string' || !ID.test(id)) return `${key} must be a 24-character hexadecimal id`;
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

  constructor(
    private readonly keys: ApiKeysService,
    private readonly bus: RunEventBus,
    private readonly orchestration: OrchestrationService,
    private readonly sessions: SessionsService,
    private readonly threads: ThreadsService,
    private readonly metrics: MetricsService,
  ) {}

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
        .authenticate(token, socket.handshake.address)
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
    this.stopRelay = this.bus.listen(({ event, address }) => {
      this.emit([`run:${address.runId}`, `thread:${address.threadId}`, `session:${address.sessionId}`], event);
    });
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
  }

  /** The one place events leave for clients. */
  private emit(rooms: string[] | Socket, event: RunEvent): void {
    const payload = toRunEvent(event);
    const type = event.type;
    if (Array.isArray(rooms)) this.server.to(rooms).emit(type, payload);
    else rooms.emit(type, payload);
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
      else await this.sessions.require(principal, target.id);
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
    const stored = await this.bus.eventsAfter(target.id, target.afterSeq, Number.MAX_SAFE_INTEGER);
    await socket.join(room);
    for (const event of stored) this.emit(socket, event);
    return { ok: true, replayed: stored.length };
  }
}
