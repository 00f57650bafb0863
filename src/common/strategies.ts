/** The ways a run can put models to work (see `orchestration/engine/strategy-catalogue.ts`). */
export const STRATEGIES = ['route', 'improve', 'ensemble', 'cascade', 'compare', 'council', 'debate'] as const;
export type Strategy = (typeof STRATEGIES)[number];
