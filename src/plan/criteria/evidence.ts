// What the criteria are judged on: each SLO expression over the window on a fixed step grid, and
// the monitor's own record (incidents, the rollback, its JUnit runs).
import type { IncidentSummary, RollbackRecord } from '../records.js';
import type { SeriesSamples } from '../breaches.js';
import { parseDurationSeconds } from '../duration.js';
import type { Plan, Slo } from '../schema.js';

/** One run of a JUnit-reporting command by the monitor itself. */
export interface TestRun {
  at: string;
  command: string;
  /** Percent of executed tests that passed; null when nothing ran. */
  passRate: number | null;
}

export type SloGroup = 'critical' | 'performance' | 'resources';

/** What one query over the window returned: samples on the step grid, or why there are none. */
export type WindowData = { stepSeconds: number; series: SeriesSamples[] } | { stepSeconds: number; error: string };

export interface CriteriaEvidence {
  criteria: Plan['criteria'];
  slos: Plan['slos'];
  from: string;
  to: string;
  /** Keyed by `sloKey(group, id)`: each SLO expression over the window, on `windowGrid`. */
  data: Record<string, WindowData>;
  incidents: readonly IncidentSummary[];
  rollback: RollbackRecord | null;
  testRuns: readonly TestRun[];
}

/** Averages and trends over less than this share of the window say little about the whole of it. */
export const MIN_COVERAGE = 0.9;

/** A trend needs at least this many points. */
export const MIN_TREND_POINTS = 3;


export function sloKey(group: SloGroup, id: string): string {
  return `${group}/${id}`;
}

export interface WindowGrid {
  startMs: number;
  endMs: number;
  stepSeconds: number;
  count: number;
}

/**
 * The evaluation times that tile (from, to]: each point covers the step that ends at it, so the
 * first window never reaches back before the deployment. Ends exactly at `to`.
 */
export function windowGrid(fromMs: number, toMs: number, stepSeconds: number): WindowGrid {
  const stepMs = stepSeconds * 1000;
  const count = Math.max(1, Math.floor((toMs - fromMs) / stepMs + 1e-9));
  return { startMs: toMs - (count - 1) * stepMs, endMs: toMs, stepSeconds, count };
}

/** The critical SLO's step: its own window when that tiles the measurement window finer (uptime's 1m). */
export function criticalStepSeconds(slo: Slo, criteria: Plan['criteria']): number {
  return Math.min(parseDurationSeconds(slo.window), parseDurationSeconds(criteria.measurementWindow));
}
