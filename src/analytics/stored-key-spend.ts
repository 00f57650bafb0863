import { Injectable } from '@nestjs/common';
import { UsageRepository } from './usage.repository.js';

/** Spend per API key and UTC day (`YYYY-MM-DD`), in USD. */
export type SpendByKeyAndDay = Map<string, Map<string, number>>;

/**
 * What every key's calls cost, as the analytics module stored it (the key rollups, summed over
 * their writers): where a key's spend counters start from.
 */
@Injectable()
export class StoredKeySpend {
  constructor(private readonly repository: UsageRepository) {}

  async byKeyAndDay(): Promise<SpendByKeyAndDay> {
    const docs = await this.repository.findRollups('key', {}, ['keyId', 'day', 'n.costUsd']);
    const spend: SpendByKeyAndDay = new Map();
    for (const doc of docs as { keyId: string; day: Date; n?: { costUsd?: number } }[]) {
      const day = doc.day.toISOString().slice(0, 10);
      const days = spend.get(doc.keyId) ?? new Map<string, number>();
      days.set(day, (days.get(day) ?? 0) + (doc.n?.costUsd ?? 0));
      spend.set(doc.keyId, days);
    }
    return spend;
  }
}
