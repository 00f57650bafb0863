import {
  BrokenCircuitError,
  CircuitBreakerPolicy,
  CircuitState,
  circuitBreaker,
  ConsecutiveBreaker,
  DelegateBackoff,
  handleWhen,
  IPolicy,
  IRetryBackoffContext,
  retry,
  wrap,
} from 'cockatiel';
import { Logger } from '@nestjs/common';
import { LinkedAbort } from '../common/linked-abort.js';
import { spanEvent } from '../common/tracing.js';
import { ProviderError } from './provider.error.js';
import { send } from './adapters/send.js';
import type { CompletionRequest, ProviderAdapter, ProviderEvent } from './provider.types.js';

export interface ResilienceOptions {
  /** Retries after the first attempt, per target. */
  maxRetries: number;
  /** Backoff: full jitter over min(maxDelayMs, baseDelayMs · 2^attempt). */
  baseDelayMs: number;
  maxDelayMs: number;
  /** The most a Retry-After header may make us wait. */
  retryAfterCapMs: number;
  /** The whole call, all retries and fallbacks included. */
  deadlineMs: number;
  /** Consecutive failures that put a model in cooldown, and how long before one probe is let through. */
  cooldownFailures: number;
  cooldownMs: number;
}

export const DEFAULT_RESILIENCE: ResilienceOptions = {
  maxRetries: 2,
  baseDelayMs: 250,
  maxDelayMs: 4000,
  retryAfterCapMs: 20_000,
  deadlineMs: 120_000,
  cooldownFailures: 3,
  cooldownMs: 30_000,
};

/** One model of one provider, reachable through an adapter. */
export interface Target {
  provider: string;
  /** The model id as the provider knows it. */
  model: string;
  adapter: ProviderAdapter;
}

export type CooldownState = 'closed' | 'open' | 'half_open';

/** What the caller learns about the attempts made before the answer started. */
export interface AttemptReport {
  target: Target;
  attempt: number;
  error?: ProviderError;
}

/** The wait before retry `attempt` (1-based): full jitter, but never less than a (capped) Retry-After. */
export function retryDelayMs(
  options: ResilienceOptions,
  attempt: number,
  error: unknown,
  random = Math.random,
): number {
  const ceiling = Math.min(options.maxDelayMs, options.baseDelayMs * 2 ** (attempt - 1));
  const jittered = Math.round(random() * ceiling);
  const retryAfter = error instanceof ProviderError ? error.details.retryAfterMs : undefined;
  return retryAfter === undefined ? jittered : Math.max(jittered, Math.min(retryAfter, options.retryAfterCapMs));
}

/**
 * The one resilience layer in front of every provider call: retries with backoff, per-model
 * cooldown with a half-open probe (cockatiel), an overall deadline, and fallback to the next
 * target, but only until the first piece of the answer has been passed on.
 */
export class Resilience {
  private readonly logger = new Logger(Resilience.name);
  /** The model's breaker for everyone, by `provider/model`. */
  private readonly breakers = new Map<string, CircuitBreakerPolicy>();
  private readonly openedAt = new Map<string, number>();
  /** Owners whose calls to a model failed since its last success. */
  private readonly failingOwners = new Map<string, Set<string>>();
  private readonly policies = new Map<string, IPolicy>();

  constructor(readonly options: ResilienceOptions = DEFAULT_RESILIENCE) {}

  private key(target: Pick<Target, 'provider' | 'model'>): string {
    return `${target.provider}/${target.model}`;
  }

  /**
   * Whether a failure counts towards the model's cooldown for everyone: only once calls of two
   * owners or more failed since its last success, or for a call no owner made (a probe), so that
   * one tenant's crafted requests cannot cool a model down for the others.
   */
  private spread(key: string, owner: string | undefined): boolean {
    if (owner === undefined) return true;
    const owners = this.failingOwners.get(key) ?? new Set<string>();
    owners.add(owner);
    this.failingOwners.set(key, owners);
    return owners.size >= 2;
  }

  /** A breaker that opens after `cooldownFailures` consecutive failures against the model that `counts`. */
  private newBreaker(counts: (e: ProviderError) => boolean = () => true): CircuitBreakerPolicy {
    return circuitBreaker(
      handleWhen((e) => e instanceof ProviderError && e.countsAgainstModel && counts(e)),
      { halfOpenAfter: this.options.cooldownMs, breaker: new ConsecutiveBreaker(this.options.cooldownFailures) },
    );
  }

  private breaker(target: Target): CircuitBreakerPolicy {
    const key = this.key(target);
    let breaker = this.breakers.get(key);
    if (breaker === undefined) {
      breaker = this.newBreaker((e) => this.spread(key, e.details.owner));
      breaker.onBreak(() => {
        this.openedAt.set(key, Date.now());
        this.logger.warn(
          `${key} is cooling down: ${this.options.cooldownFailures} failures in a row; one call may probe it in ${Math.round(this.options.cooldownMs / 1000)} s`,
        );
        spanEvent('orchestratex.cooldown_started', { 'orchestratex.target': key });
      });
      breaker.onReset(() => this.logger.log(`${key} answers again: its cooldown is over`));
      breaker.onSuccess(() => this.failingOwners.delete(key));
      this.breakers.set(key, breaker);
    }
    return breaker;
  }

  /**
   * Retries inside the owner's breaker of the model (one per policy: that owner's failures cool the
   * model for that owner), inside the model's breaker for everyone; one policy per model and owner,
   * shared by their calls (they keep no per-call state).
   */
  private policy(target: Target, owner: string | undefined): IPolicy {
    const key = `${this.key(target)}|${owner ?? ''}`;
    let policy = this.policies.get(key);
    if (policy === undefined) {
      const breakers = owner === undefined ? [] : [this.newBreaker()];
      policy = wrap(
        retry(
          handleWhen((e) => e instanceof ProviderError && e.retryable && !e.handOver),
          {
            maxAttempts: this.options.maxRetries,
            backoff: new DelegateBackoff((ctx: IRetryBackoffContext<unknown>) =>
              retryDelayMs(this.options, ctx.attempt, 'error' in ctx.result ? ctx.result.error : undefined),
            ),
          },
        ),
        ...breakers,
        this.breaker(target),
      );
      this.policies.set(key, policy);
    }
    return policy;
  }

  /** A warn line per failed attempt: the model, the error's class and status; never a key or a prompt. */
  private logFailedAttempt(target: Target, attempt: number, failure: ProviderError): void {
    if (failure.errorClass === 'cancelled') return; // the client went: nothing failed
    const status = failure.details.status === undefined ? '' : ` (HTTP ${failure.details.status})`;
    spanEvent('orchestratex.attempt_failed', {
      'orchestratex.target': this.key(target),
      'orchestratex.attempt': attempt,
      'error.type': failure.errorClass,
      ...(failure.details.status !== undefined && { 'http.response.status_code': failure.details.status }),
    });
    this.logger.warn(
      `Attempt ${attempt} at ${this.key(target)} failed: ${failure.errorClass}${status}: ${failure.message}`,
    );
  }

  /** Every model that is cooling down (open) or being probed (half open). */
  cooldowns(): { provider: string; model: string; state: CooldownState }[] {
    return [...this.breakers.keys()]
      .map((key) => {
        const [provider, ...rest] = key.split('/');
        const model = rest.join('/');
        return { provider, model, state: this.cooldownState({ provider, model }) };
      })
      .filter((c) => c.state !== 'closed');
  }

  /**
   * `open` while cooling down; `half_open` once a probe is due or under way (cockatiel only leaves
   * Open when the next call comes, so a breaker past its cooldown counts as half open).
   */
  cooldownState(target: Pick<Target, 'provider' | 'model'>): CooldownState {
    const key = this.key(target);
    const state = this.breakers.get(key)?.state;
    if (state === CircuitState.Isolated) return 'open';
    if (state === CircuitState.Open) {
      return Date.now() - (this.openedAt.get(key) ?? 0) >= this.options.cooldownMs ? 'half_open' : 'open';
    }
    if (state === CircuitState.HalfOpen) return 'half_open';
    return 'closed';
  }

  /**
   * Streams the answer of the first target that can give one. `onAttempt` hears of every failed
   * attempt (for usage records and logs). Errors after the first piece of text reach the caller.
   */
  async *stream(
    targets: Target[],
    request: CompletionRequest,
    signal: AbortSignal,
    onAttempt: (report: AttemptReport) => void = () => undefined,
    owner?: string,
  ): AsyncIterable<ProviderEvent & { target?: Target }> {
    if (targets.length === 0) throw new ProviderError('not_found', 'No model is available for this request');
    const deadline = new LinkedAbort(
      signal,
      this.options.deadlineMs,
      () => new ProviderError('timeout', 'The overall deadline for this call passed'),
    );
    deadline.arm();
    try {
      const combined = deadline.signal;
      let lastError: ProviderError | undefined;

      for (const [index, target] of targets.entries()) {
        let attempt = 0;
        const hasNext = index < targets.length - 1;
        const policy = this.policy(target, owner);

        let opened: { iterator: AsyncIterator<ProviderEvent>; first: IteratorResult<ProviderEvent> };
        try {
          opened = await policy.execute(async () => {
            attempt += 1;
            const events = send(target.adapter, target.model, request, combined);
            const iterator = events[Symbol.asyncIterator]();
            try {
              return { iterator, first: await iterator.next() };
            } catch (error) {
              const failure = asProviderError(error, target, combined, deadline);
              failure.details.owner = owner;
              // A model that hung for a whole attempt gives way to the next one instead of being waited on again.
              failure.handOver = hasNext && failure.errorClass === 'timeout' && !deadline.timedOut;
              onAttempt({ target, attempt, error: failure });
              this.logFailedAttempt(target, attempt, failure);
              throw failure;
            }
          }, combined);
        } catch (error) {
          lastError = asProviderError(error, target, combined, deadline);
          if (lastError.errorClass === 'cancelled' || combined.aborted) throw lastError;
          const next = targets[index + 1];
          if (next !== undefined) {
            this.logger.warn(
              `Falling back from ${this.key(target)} to ${this.key(next)} after ${lastError.errorClass}`,
            );
            spanEvent('orchestratex.fallback', {
              'orchestratex.from': this.key(target),
              'orchestratex.to': this.key(next),
              'error.type': lastError.errorClass,
            });
          }
          continue; // fall back to the next target: nothing was passed on yet
        }

        onAttempt({ target, attempt });
        let result = opened.first;
        try {
          while (!result.done) {
            yield { ...result.value, target };
            result = await opened.iterator.next();
          }
        } catch (error) {
          throw asProviderError(error, target, combined, deadline);
        }
        return;
      }
      throw lastError ?? new ProviderError('unknown', 'No target answered');
    } finally {
      deadline.dispose();
    }
  }
}

function asProviderError(error: unknown, target: Target, signal: AbortSignal, deadline: LinkedAbort): ProviderError {
  const details = { provider: target.provider, model: target.model };
  if (error instanceof BrokenCircuitError) {
    return new ProviderError(
      'cooling_down',
      `${target.provider}/${target.model} is cooling down after repeated failures`,
      details,
    );
  }
  if (deadline.timedOut) return new ProviderError('timeout', 'The overall deadline for this call passed', details);
  if (error instanceof ProviderError) return error;
  if (signal.aborted) return new ProviderError('cancelled', 'The request was cancelled', details);
  return new ProviderError('unknown', error instanceof Error ? error.message : String(error), details);
}
