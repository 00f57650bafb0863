import { KeyedQueue } from './keyed-queue.js';

describe('KeyedQueue', () => {
  it('should run tasks of one key one after another, in order, even when one fails', async () => {
    const queue = new KeyedQueue();
    const log: string[] = [];
    const task =
      (name: string, ms: number, fail = false) =>
      () =>
        new Promise<string>((resolve, reject) =>
          setTimeout(() => {
            log.push(name);
            if (fail) reject(new Error(name));
            else resolve(name);
          }, ms),
        );
    const results = await Promise.allSettled([
      queue.run('a', task('a1', 30)),
      queue.run('a', task('a2', 1, true)),
      queue.run('a', task('a3', 1)),
      queue.run('b', task('b1', 5)),
    ]);
    expect(log).toEqual(['b1', 'a1', 'a2', 'a3']);
    expect(results.map((r) => r.status)).toEqual(['fulfilled', 'rejected', 'fulfilled', 'fulfilled']);
  });
});
