import { Injectable } from '@nestjs/common';
import { ClusterLocks } from '../cluster/locks.js';
import { KeyedQueue } from '../common/keyed-queue.js';

/**
 * A thread document's one writer at a time: its appends (count and newest message) and its edits
 * (title, domain) queue here, one after another in this process, and in a cluster each holds the
 * thread's Redis lock too. FerretDB writes an updated document back whole, so two concurrent
 * updates of one thread would lose one of them.
 */
@Injectable()
export class ThreadWrites {
  private readonly queue = new KeyedQueue();

  constructor(private readonly locks: ClusterLocks) {}

  run<T>(threadId: string, write: () => Promise<T>): Promise<T> {
    return this.queue.run(threadId, () => this.locks.hold(`thread:${threadId}`, write));
  }
}
