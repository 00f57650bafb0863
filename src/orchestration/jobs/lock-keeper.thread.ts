import { Redis } from 'ioredis';
import { parentPort, workerData } from 'node:worker_threads';

/** What the keeper is told: a job lock to keep (its key and token), or one to let go. */
export type KeeperMessage = { hold: string; token: string; jobId: string } | { drop: string };

export interface KeeperData {
  redisUrl: string;
  lockMs: number;
  stalledKey: string;
  /** Int32Array[0]: the main thread's last turn, in seconds since `startedAt`. */
  beat: SharedArrayBuffer;
  startedAt: number;
  /** A main thread that has not turned for this long is wedged: its locks lapse. */
  wedgedMs: number;
}

/** BullMQ's own extension (extendLock-2.lua): the lock is ours only while it holds our token. */
const EXTEND = `if redis.call('GET', KEYS[1]) == ARGV[1] then
  redis.call('SET', KEYS[1], ARGV[1], 'PX', ARGV[2])
  redis.call('SREM', KEYS[2], ARGV[3])
  return 1
end
return 0`;

/**
 * Keeps a worker's run-job locks alive from a thread of their own, so that a stall of the main
 * thread (a long synchronous piece of work, a GC pause) cannot let a live run's lock lapse and the
 * run be taken over while it goes on. The locks lapse when the process dies (the thread dies with
 * it) or when the main thread has not turned for `wedgedMs`.
 */
function keep(data: KeeperData): void {
  const redis = new Redis(data.redisUrl, { maxRetriesPerRequest: 1, connectionName: 'orx-lock-keeper' });
  redis.on('error', () => undefined); // the main thread's connections report Redis's state
  const beat = new Int32Array(data.beat);
  const held = new Map<string, { token: string; jobId: string }>();
  parentPort?.on('message', (message: KeeperMessage) => {
    if ('hold' in message) held.set(message.hold, { token: message.token, jobId: message.jobId });
    else held.delete(message.drop);
  });
  const renew = () => {
    const silentMs = Date.now() - (data.startedAt + Atomics.load(beat, 0) * 1000);
    if (silentMs > data.wedgedMs) return;
    for (const [key, { token, jobId }] of held) {
      redis.eval(EXTEND, 2, key, data.stalledKey, token, data.lockMs, jobId).catch(() => undefined);
    }
  };
  setInterval(renew, Math.max(100, Math.floor(data.lockMs / 3)));
}

keep(workerData as KeeperData);
