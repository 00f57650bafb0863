import type { Types } from 'mongoose';
import { ConflictException, Injectable, Logger, NotFoundException } from '@nestjs/common';
import { IdSource } from '../common/id-source.js';
import { Page, toPage } from '../common/pagination.js';
import { ownerScope, type Principal } from '../auth/principal.js';
import { CreateSessionDto } from './dto/create-session.dto.js';
import { EndSessionDto } from './dto/end-session.dto.js';
import { ListSessionsQueryDto } from './dto/list-sessions.query.dto.js';
import { SessionSettingsDto } from './dto/session-settings.dto.js';
import { SessionResponseDto, toSessionResponse } from './dto/session.response.dto.js';
import { UpdateSessionDto } from './dto/update-session.dto.js';
import { DEFAULT_SETTINGS, SessionSettings } from './session.schema.js';
import { SessionRecord, SessionsRepository } from './sessions.repository.js';

/** A model named in both lists is excluded: exclusion wins, and the preferred list drops it. */
function withoutExcluded(preferred: readonly string[], excluded: readonly string[]): string[] {
  return preferred.filter((m) => !excluded.includes(m));
}

const TOUCH_INTERVAL_MS = 1000;
const MAX_TOUCHED = 100_000;

@Injectable()
export class SessionsService {
  private readonly logger = new Logger(SessionsService.name);
  /** When this process last marked each session active. */
  private readonly touched = new Map<string, number>();
  constructor(private readonly sessions: SessionsRepository) {}

  async create(principal: Principal, dto: CreateSessionDto, ids = new IdSource()): Promise<SessionResponseDto> {
    const settings: SessionSettings = {
      ...DEFAULT_SETTINGS,
      preferredModels: [],
      excludedModels: [],
      ...definedOnly(dto.settings),
    };
    settings.preferredModels = withoutExcluded(settings.preferredModels, settings.excludedModels);
    const created = await this.sessions.insert({
      _id: ids.next(),
      ownerId: principal.ownerId,
      title: dto.title,
      userId: dto.userId ?? null,
      settings,
    });
    return toSessionResponse(created);
  }

  async list(principal: Principal, query: ListSessionsQueryDto): Promise<Page<SessionResponseDto>> {
    const docs = await this.sessions.list(
      ownerScope(principal),
      { status: query.status, userId: query.userId },
      query.limit,
      query.cursor,
    );
    return toPage(docs, query.limit, toSessionResponse);
  }

  async get(principal: Principal, id: string): Promise<SessionResponseDto> {
    return toSessionResponse(await this.require(principal, id));
  }

  /** The session document, or a 404 that does not tell a foreign session from a missing one. */
  async require(principal: Principal, id: string): Promise<SessionRecord> {
    const session = await this.sessions.findById(ownerScope(principal), id);
    if (session === null) throw new NotFoundException(`session ${id} not found`);
    return session;
  }

  /** A 404 unless the session is the principal's (its costs are not read: a socket's subscribe). */
  async requireOwned(principal: Principal, id: string): Promise<void> {
    await this.requireDocument(principal, id);
  }

  /** The session without its runs' costs summed, or the same 404 as require(). */
  private async requireDocument(principal: Principal, id: string): Promise<SessionRecord> {
    const session = await this.sessions.findDocument(ownerScope(principal), id);
    if (session === null) throw new NotFoundException(`session ${id} not found`);
    return session;
  }

  /**
   * Like require(), and the session must still be active (409 otherwise). Its `totalCostUsd` is
   * not summed: posts and run starts need the session, not its total.
   */
  async requireActive(principal: Principal, id: string): Promise<SessionRecord> {
    const session = await this.requireDocument(principal, id);
    if (session.status !== 'active') {
      throw new ConflictException(`session ${id} is ${session.status}; start a new session to continue`);
    }
    return session;
  }

  async update(principal: Principal, id: string, dto: UpdateSessionDto): Promise<SessionResponseDto> {
    const current = await this.require(principal, id);
    const settings = definedOnly(dto.settings);
    if (settings.preferredModels !== undefined || settings.excludedModels !== undefined) {
      settings.preferredModels = withoutExcluded(
        settings.preferredModels ?? current.settings.preferredModels,
        settings.excludedModels ?? current.settings.excludedModels,
      );
    }
    const updated = await this.sessions.update(ownerScope(principal), id, {
      title: dto.title,
      userId: dto.userId,
      settings,
    });
    if (updated === null) throw new NotFoundException(`session ${id} not found`);
    return toSessionResponse(updated);
  }

  async end(principal: Principal, id: string, dto: EndSessionDto): Promise<SessionResponseDto> {
    const ended = await this.sessions.end(ownerScope(principal), id, dto.status ?? 'completed');
    if (ended !== null) return toSessionResponse(ended);
    const current = await this.require(principal, id);
    throw new ConflictException(`session ${id} is already ${current.status}`);
  }

  /** Records what a run cost, in the session's total. */
  setRunCost(session: Pick<SessionRecord, '_id'>, runId: Types.ObjectId, usd: number): Promise<void> {
    return this.sessions.setRunCost(session._id, runId, usd);
  }

  /**
   * Marks the session active now: best effort (it never fails the write that caused it), and at
   * most once a second per session, so a busy session's posts do not all rewrite its document.
   */
  async touch(session: SessionRecord): Promise<void> {
    const id = session._id.toHexString();
    const now = Date.now();
    if (now - (this.touched.get(id) ?? 0) < TOUCH_INTERVAL_MS) return;
    if (this.touched.size >= MAX_TOUCHED) this.touched.clear();
    this.touched.set(id, now);
    await this.sessions.touch(session._id, new Date(now)).catch((error: unknown) => {
      this.touched.delete(id);
      this.logger.warn(
        `Marking session ${session._id.toHexString()} active failed: ${error instanceof Error ? error.message : String(error)}`,
      );
    });
  }
}

/** The settings a client actually sent (class-transformer leaves omitted ones undefined). */
function definedOnly(dto: SessionSettingsDto | undefined): Partial<SessionSettings> {
  const out: Record<string, unknown> = {};
  for (const [name, value] of Object.entries(dto ?? {})) if (value !== undefined) out[name] = value;
  return out;
}
