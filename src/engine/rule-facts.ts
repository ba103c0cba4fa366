/**
 * The facts a policy rule can test, all present on every decision (a rule never meets an undefined fact).
 * Money facts are in USD as plain numbers: thresholds only, the planner itself compares exact pico-dollars.
 */
export interface RuleFacts {
  readonly tenant: string;
  /** The public model name the caller asked for. */
  readonly model: string;
  readonly endpoint: 'chat' | 'embeddings';
  /** The request's tags (header, tenant defaults, detector), sorted. */
  readonly tags: readonly string[];
  /** The level the tags need, e.g. `restricted`. */
  readonly sensitivity: string;
  /** Position of `sensitivity` among the configured levels, 0 = lowest. */
  readonly sensitivityRank: number;
  readonly inputTokens: number;
  /** The request's `max_tokens`, or null when it set none. */
  readonly maxOutputTokens: number | null;
  readonly stream: boolean;
  /** Latency SLO in ms, or null when none applies. */
  readonly sloMs: number | null;
  /** Null where the tenant has no such budget. */
  readonly budgetDailySpentUsd: number | null;
  readonly budgetDailyRemainingUsd: number | null;
  readonly budgetMonthlySpentUsd: number | null;
  readonly budgetMonthlyRemainingUsd: number | null;
  /** 0–23, UTC. */
  readonly hourUtc: number;
  /** 0 = Sunday … 6 = Saturday, UTC. */
  readonly dayOfWeek: number;
}

export const RULE_FACT_NAMES: readonly (keyof RuleFacts)[] = [
  'tenant',
  'model',
  'endpoint',
  'tags',
  'sensitivity',
  'sensitivityRank',
  'inputTokens',
  'maxOutputTokens',
  'stream',
  'sloMs',
  'budgetDailySpentUsd',
  'budgetDailyRemainingUsd',
  'budgetMonthlySpentUsd',
  'budgetMonthlyRemainingUsd',
  'hourUtc',
  'dayOfWeek',
];
