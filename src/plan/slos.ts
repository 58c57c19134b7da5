// The SLO tables as readings: status of a value against a row, which rows are the Genesis monitoring plan's key
// series, and which way each one gets worse. Pure: the checkpoint activity and the judge share it.
import { isBreaching } from './breaches.js';
import type { Comparator, LevelSlo, Plan, Slo } from './schema.js';
import type { SloReading } from './results.js';

export type Worse = 'above' | 'below';

/** The rows the Genesis monitoring plan's manual triggers and checklist assertions talk about, by role. */
export interface SloRoles {
  passRate?: Slo;
  errorRate?: Slo;
  latency?: Slo;
  uptime?: Slo;
  throughput?: LevelSlo;
}

/** A series queried over the whole interval: anomalies and the interval's worst value. */
export interface KeySeries {
  id: string;
  group: SloReading['group'];
  expr: string;
  worse: Worse;
  /** Deviation from the median that counts as unusual (see anomaly.ts), in the series' unit. */
  minDeviation: number;
  /** Uptime dips are the service-down alert's and the availability checks' to judge, not a pattern. */
  anomalies: boolean;
}

const lowerIsBetter = (op: Comparator): boolean => op === '<' || op === '<=';

export function worseDirection(slo: Slo): Worse {
  return lowerIsBetter(slo.op) ? 'above' : 'below';
}

/** By the default plan's ids first, then by unit or expression, so a renamed row is still found. */
export function sloRoles(slos: Plan['slos']): SloRoles {
  const critical = (id: string, fallback: (s: Slo) => boolean): Slo | undefined =>
    slos.critical.find((s) => s.id === id) ?? slos.critical.find(fallback);
  return {
    passRate: critical('test-pass-rate', (s) => /pass_rate/.test(s.expr)),
    errorRate: critical('error-rate', (s) => s.unit === 'ratio'),
    latency: critical('p95-latency', (s) => s.unit === 'seconds'),
    uptime: critical('uptime', (s) => /\bup\s*\{/.test(s.expr)),
    throughput: slos.performance.find((s) => s.id === 'throughput') ?? slos.performance.find((s) => s.unit === 'ops-per-second'),
  };
}

export function targetFor(slo: Slo, phaseId: string): number {
  return slo.phaseTargets[phaseId] ?? slo.target;
}

/** The most alarming of several values (several series, or a range). */
export function worstValue(values: readonly number[], worse: Worse): number | null {
  const finite = values.filter((v) => !Number.isNaN(v));
  if (finite.length === 0) return null;
  return worse === 'above' ? Math.max(...finite) : Math.min(...finite);
}

export function criticalStatus(slo: Slo, phaseId: string, value: number | null): SloReading['status'] {
  if (value === null || Number.isNaN(value)) return 'no-data';
  // `op` states the objective ("pass rate >= 98"): meeting it is ok.
  return isBreaching(value, slo.op, targetFor(slo, phaseId)) ? 'ok' : 'breached';
}

/** The Genesis monitoring plan's tables say "warning >150ms, critical >200ms": strict comparisons. */
export function levelStatus(row: LevelSlo, value: number | null): SloReading['status'] {
  if (value === null || Number.isNaN(value)) return 'no-data';
  const beyond = (limit: number): boolean => (row.worse === 'above' ? value > limit : value < limit);
  if (beyond(row.critical)) return 'critical';
  if (beyond(row.warning)) return 'warning';
  return 'ok';
}

/** Where a critical SLO would sit with nothing wrong: 0 errors or latency, 100% of tests or uptime. */
function ideal(slo: Slo): number {
  if (lowerIsBetter(slo.op)) return 0;
  if (slo.unit === 'percent') return 100;
  if (slo.unit === 'ratio' || slo.unit === 'boolean') return 1;
  return 2 * slo.target;
}

/**
 * The critical SLOs (the Genesis monitoring plan's error ratio, P95 latency, pass rate, uptime), throughput and the
 * resources. "Unusual" starts at half the distance from a good reading to the threshold: half the
 * error budget (0.05% errors), 100 ms of P95, 1 point of pass rate, half of baseline-to-warning.
 */
export function keySeries(slos: Plan['slos']): KeySeries[] {
  const roles = sloRoles(slos);
  const out: KeySeries[] = slos.critical.map((slo) => ({
    id: slo.id,
    group: 'critical',
    expr: slo.expr,
    worse: worseDirection(slo),
    minDeviation: Math.abs(slo.target - ideal(slo)) / 2,
    anomalies: slo !== roles.uptime,
  }));
  const levels = (row: LevelSlo, group: 'performance' | 'resources'): KeySeries => {
    const good = row.baseline ?? row.normal;
    return {
      id: row.id,
      group,
      expr: row.expr,
      worse: row.worse,
      minDeviation: good === undefined ? Math.abs(row.warning) / 4 : Math.abs(row.warning - good) / 2,
      anomalies: true,
    };
  };
  if (roles.throughput) out.push(levels(roles.throughput, 'performance'));
  out.push(...slos.resources.map((row) => levels(row, 'resources')));
  return out;
}
