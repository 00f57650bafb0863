import { READS_AT_ONCE, ReadGate, TooManyReads } from './read-gate.js';

describe('ReadGate', () => {
  it('should serve a key READS_AT_ONCE reads at a time, queue the next ones, and leave other keys alone', async () => {
    const gate = new ReadGate();
    const leaves = await Promise.all(Array.from({ length: READS_AT_ONCE }, () => gate.enter('a')));
    let fifth = false;
    const waiting = gate.enter('a').then((leave) => {
      fifth = true;
      return leave;
    });
    await new Promise((r) => setImmediate(r));
    expect(fifth).toBe(false);
    // Another key is not behind key a.
    const other = await gate.enter('b');
    other();
    leaves[0]();
    (await waiting)();
    expect(fifth).toBe(true);
    for (const leave of leaves.slice(1)) leave();
  });

  it('should refuse a read past the queue with a 429', async () => {
    const gate = new ReadGate();
    const entering = Array.from({ length: READS_AT_ONCE + 64 }, () => gate.enter('a'));
    await expect(gate.enter('a')).rejects.toBeInstanceOf(TooManyReads);
    const first = await Promise.all(entering.slice(0, READS_AT_ONCE));
    for (const leave of first) leave();
  });
});
