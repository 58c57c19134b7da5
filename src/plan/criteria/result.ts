// What judging one success criterion of the Genesis monitoring plan gives: stored in the monitor's
// window verdicts (plan/records.ts), so kept apart from the judging itself.
export const CRITERION_IDS = [
  'test-pass-rate',
  'error-rate',
  'p95-latency',
  'uptime',
  'no-unresolved-p1',
  'performance-baseline',
  'resource-stability',
  'zero-rollbacks',
] as const;
export type CriterionId = (typeof CRITERION_IDS)[number];

export interface CriterionResult {
  id: CriterionId;
  title: string;
  passed: boolean;
  /**
   * The judged value, in the criterion's unit: percent (test-pass-rate, uptime), ratio (error-rate),
   * seconds (p95-latency), count (no-unresolved-p1, zero-rollbacks), percent worse than baseline
   * (performance-baseline), percent growth per day (resource-stability).
   */
  value: number | null;
  threshold: string;
  /** When the worst window (or event) was; null when there is none. */
  worstAt: string | null;
  detail: string;
  /** Not enough data to judge: never a pass. */
  inconclusive?: boolean;
}
