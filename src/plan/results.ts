// What a checkpoint reports back to the monitor. Plain data: it is stored in workflow history,
// so it stays small (output tails, counts), never whole logs.
import type { Priority } from './schema.js';

export type Health = 'healthy' | 'degraded' | 'critical' | 'blind';

export interface TestSummary {
  passed: number;
  failed: number;
  skipped: number;
  total: number;
  /** Percent of executed (non-skipped) tests that passed; null when nothing ran. */
  passRate: number | null;
  /** Names of failing tests (at most 20; `failed` is the exact count). */
  failing: string[];
}

export interface CommandResult {
  id: string;
  ok: boolean;
  exitCode: number | null;
  /** Set when the command could not run or was killed (timeout, missing binary). */
  error?: string;
  durationMs: number;
  outputTail: string;
  tests?: TestSummary;
  /** Error and warning lines over the whole output (the log-review command only). */
  logCounts?: { errors: number; warnings: number };
}

/**
 * Something a checkpoint found that may open an incident: an alert of the Genesis monitoring plan (from Prometheus or the
 * monitor's own record) or one of the Genesis monitoring plan's manual-escalation triggers.
 */
export interface Finding {
  /** The Genesis monitoring plan's alert name (HighErrorRate, …) or a trigger name (PassRateBelow95, …). */
  alert: string;
  priority: Priority;
  kind: 'alert' | 'trigger';
  summary: string;
  /** When the breach began, from the data; null when unknown. */
  startedAt: string | null;
  /** When it ended; null while it is still going on at the evaluation time. */
  endedAt: string | null;
  worst: number | null;
  evidence: Record<string, string | number | boolean | null>;
  /** Manual-escalation triggers go straight to the incident commander. */
  straightToCommander: boolean;
}

export interface AssertionResult {
  assert: string;
  passed: boolean;
  detail: string;
}

/** One alert's verdict over the interval since the previous checkpoint (trimmed for history). */
export interface AlertObservation {
  alert: string;
  priority: Priority;
  state: 'firing' | 'ok' | 'inconclusive';
  stillFiring: boolean;
  worst: number | null;
  breaches: Array<{ startedAt: string; firingAt: string; endedAt: string | null; worst: number | null }>;
  blips: number;
  /** A breach still shorter than `for` at the evaluation time: not firing yet, not clear either. */
  pendingSince?: string;
  /** Set when more breaches were found than `breaches` keeps. */
  breachCount?: number;
  reason?: string;
  /** The query itself is wrong (Prometheus answered 400): a plan error, not an outage. */
  planError?: boolean;
}

/** An SLO table row's value at the evaluation time. */
export interface SloReading {
  id: string;
  group: 'critical' | 'performance' | 'resources';
  value: number | null;
  status: 'ok' | 'warning' | 'critical' | 'breached' | 'no-data';
  /** The worst value over the interval since the previous checkpoint, for key series only. */
  intervalWorst?: number | null;
  /** Why there is no value (query error, no series, NaN). */
  reason?: string;
  /** The query itself is wrong: fix the plan. */
  planError?: boolean;
}

/** An unusual pattern in a key series over the interval (the Genesis monitoring plan's spikes, drops, oscillations). */
export interface Anomaly {
  series: string;
  kind: 'spike' | 'drop' | 'oscillation';
  at: string;
  /** First later point back to normal; null while still unusual at the interval's end. */
  endedAt?: string | null;
  value: number;
  median: number;
  score: number;
}

/** What the checkpoint activity saw; the workflow judges it (plan/judge/). */
export interface Observation {
  commands: CommandResult[];
  alerts: AlertObservation[];
  slos: SloReading[];
  anomalies: Anomaly[];
  /** Alerts Prometheus itself had firing at the evaluation time (the Genesis monitoring plan's "review Prometheus alerts"). */
  firingInPrometheus: string[];
  /** Set when Prometheus could not be asked at all. */
  prometheusError: string | null;
}

export interface CheckpointResult {
  commands: CommandResult[];
  alerts: AlertObservation[];
  slos: SloReading[];
  anomalies: Anomaly[];
  findings: Finding[];
  health: Health;
  /** The checklist line's assertions, with their evidence. */
  assertions: AssertionResult[];
  /** Alert names that could not be judged at this checkpoint (no data is never a pass). */
  inconclusive: string[];
  /** Alert names judged clear over the whole interval. */
  clear: string[];
}
