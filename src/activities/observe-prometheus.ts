// What a checkpoint asks Prometheus: every alert over the whole interval, every SLO row at the
// evaluation time, the key series over the interval (unusual patterns, interval worst), and the
// alerts Prometheus itself has firing. Each part reports its own failure in the result.
import type { Logger } from 'pino';
import { findAnomalies } from '../plan/anomaly.js';
import type { SeriesSamples } from '../plan/breaches.js';
import { parseDurationSeconds } from '../plan/duration.js';
import type { AlertObservation, Anomaly, Observation, SloReading } from '../plan/results.js';
import type { Plan } from '../plan/schema.js';
import { ERROR_TYPES } from '../temporal/activity-options.js';
import { criticalStatus, keySeries, levelStatus, worseDirection, worstValue, type KeySeries, type Worse } from '../plan/slos.js';
import {
  evaluateAlerts,
  mapLimit,
  PrometheusQueryError,
  PrometheusUnavailableError,
  type AlertEvaluation,
  type AlertQuery,
  type PrometheusClient,
} from './prometheus.js';

export type PrometheusObservation = Omit<Observation, 'commands'>;

export interface ObservePrometheusInput {
  client: PrometheusClient;
  scrapeInterval: string;
  /** Only `source: prometheus` rules are evaluated. */
  alerts: readonly AlertQuery[];
  slos: Plan['slos'];
  /** The checkpoint's phase: critical SLOs may have a stricter target in it. */
  phaseId: string;
  fromMs: number;
  /** The evaluation time: every query names it (or the interval ending at it), never the worker's clock. */
  toMs: number;
  signal?: AbortSignal;
  logger?: Logger;
  /** Queries in flight per part (default 4). */
  concurrency?: number;
}

/** Breaches kept per alert: the first two and the latest (which says whether it is still going on). */
const KEEP_BREACHES = 3;
const MAX_REASON_CHARS = 240;
const MAX_ANOMALIES = 8;
const MAX_FIRING = 20;
/** Key series are for patterns, not `for` arithmetic: a coarser step over long intervals is fine. */
const MAX_KEY_POINTS = 1000;
/** Unusual means unusual against the interval and the hour before it (at T+0, the old version). */
const BASELINE_MS = 3600_000;

/** Six significant digits: 0.1500000000000021 is 0.15 in history. JSON has no Infinity: null. */
function tidy(value: number | null): number | null {
  if (value === null || !Number.isFinite(value)) return null;
  return Number(value.toPrecision(6));
}

function clip(text: string): string {
  return text.length > MAX_REASON_CHARS ? `${text.slice(0, MAX_REASON_CHARS - 1)}…` : text;
}

function describeError(err: unknown): { reason: string; planError: boolean } {
  const error = err instanceof Error ? err : new Error(String(err));
  return { reason: clip(`${error.name}: ${error.message}`), planError: error instanceof PrometheusQueryError };
}

/** An alert's verdict, trimmed for workflow history. */
export function trimAlert(e: AlertEvaluation): AlertObservation {
  const kept = e.breaches.length <= KEEP_BREACHES ? e.breaches : [...e.breaches.slice(0, KEEP_BREACHES - 1), e.breaches[e.breaches.length - 1]!];
  const out: AlertObservation = {
    alert: e.alert,
    priority: e.priority,
    state: e.state,
    stillFiring: e.stillFiring,
    worst: tidy(e.worst),
    breaches: kept.map((b) => ({ startedAt: b.startedAt, firingAt: b.firingAt, endedAt: b.endedAt, worst: tidy(b.worst) })),
    blips: e.blips,
  };
  if (e.pendingSince !== null) out.pendingSince = e.pendingSince;
  if (e.breachCount > kept.length) out.breachCount = e.breachCount;
  if (e.reason !== undefined) out.reason = clip(e.reason);
  if (e.planError) out.planError = true;
  return out;
}

/** After the first unreachable answer, every later query fails at once instead of waiting again. */
function failFast(client: PrometheusClient): { client: PrometheusClient; down: () => PrometheusUnavailableError | undefined } {
  let down: PrometheusUnavailableError | undefined;
  const guard =
    <A extends unknown[], R>(fn: (...args: A) => Promise<R>) =>
    async (...args: A): Promise<R> => {
      if (down) throw down;
      try {
        return await fn(...args);
      } catch (err) {
        if (err instanceof PrometheusUnavailableError) down ??= err;
        throw err;
      }
    };
  return {
    client: {
      instantQuery: guard(client.instantQuery.bind(client)),
      rangeQuery: guard(client.rangeQuery.bind(client)),
      firingAlerts: guard(client.firingAlerts.bind(client)),
    },
    down: () => down,
  };
}

export interface ReadSlosInput {
  client: PrometheusClient;
  slos: Plan['slos'];
  phaseId: string;
  atMs: number;
  signal?: AbortSignal;
  concurrency?: number;
}

type Row =
  | { group: 'critical'; slo: Plan['slos']['critical'][number] }
  | { group: 'performance' | 'resources'; slo: Plan['slos']['performance'][number] };

/** Every row of the SLO tables at the evaluation time (instant queries); no data is `no-data`, never ok. */
export async function readSlos(input: ReadSlosInput): Promise<SloReading[]> {
  const rows: Row[] = [
    ...input.slos.critical.map((slo) => ({ group: 'critical' as const, slo })),
    ...input.slos.performance.map((slo) => ({ group: 'performance' as const, slo })),
    ...input.slos.resources.map((slo) => ({ group: 'resources' as const, slo })),
  ];
  return await mapLimit(rows, input.concurrency ?? 4, async (row): Promise<SloReading> => {
    const base = { id: row.slo.id, group: row.group };
    try {
      const samples = await input.client.instantQuery(row.slo.expr, input.atMs, { signal: input.signal });
      const worse: Worse = row.group === 'critical' ? worseDirection(row.slo) : row.slo.worse;
      const value = worstValue(samples.map((s) => s.value), worse);
      const status = row.group === 'critical' ? criticalStatus(row.slo, input.phaseId, value) : levelStatus(row.slo, value);
      const reading: SloReading = { ...base, value: tidy(value), status };
      if (value === null) reading.reason = samples.length === 0 ? 'the query returned no series' : 'the query returned only NaN';
      return reading;
    } catch (err) {
      if (input.signal?.aborted) throw err;
      const { reason, planError } = describeError(err);
      return { ...base, value: null, status: 'no-data', reason, ...(planError ? { planError } : {}) };
    }
  });
}

/** One value per timestamp: the worst across series (the plan's expressions aggregate to one anyway). */
function combine(series: SeriesSamples[], worse: Worse): Array<[number, number]> {
  const byTime = new Map<number, number[]>();
  for (const s of series) {
    for (const [t, v] of s.samples) {
      const values = byTime.get(t) ?? [];
      values.push(v);
      byTime.set(t, values);
    }
  }
  return [...byTime.entries()]
    .sort(([a], [b]) => a - b)
    .map(([t, values]) => [t, worstValue(values, worse) ?? NaN]);
}

interface KeySeriesResult {
  id: string;
  intervalWorst: number | null;
  anomalies: Anomaly[];
  error?: unknown;
}

async function readKeySeries(
  client: PrometheusClient,
  series: KeySeries[],
  fromMs: number,
  toMs: number,
  scrapeSeconds: number,
  concurrency: number,
  signal?: AbortSignal,
): Promise<KeySeriesResult[]> {
  const spanSeconds = (toMs - fromMs + BASELINE_MS) / 1000;
  const stepSeconds = Math.max(1, Math.ceil(spanSeconds / MAX_KEY_POINTS / scrapeSeconds)) * scrapeSeconds;
  const stepMs = stepSeconds * 1000;
  const endMs = Math.floor(toMs / stepMs) * stepMs;
  const startMs = Math.min(Math.ceil((fromMs - BASELINE_MS) / stepMs) * stepMs, endMs);
  // The interval's own points; a zero-length interval (T+0) judges its last point.
  const fromSeconds = Math.min(Math.ceil(fromMs / stepMs) * stepMs, endMs) / 1000;
  return await mapLimit(series, concurrency, async (key): Promise<KeySeriesResult> => {
    try {
      const samples = combine(await client.rangeQuery(key.expr, startMs, endMs, stepSeconds, { signal }), key.worse);
      const interval = samples.filter(([t]) => t >= fromSeconds);
      return {
        id: key.id,
        intervalWorst: tidy(worstValue(interval.map(([, v]) => v), key.worse)),
        anomalies: key.anomalies ? findAnomalies(key.id, samples, { minDeviation: key.minDeviation, fromSeconds }) : [],
      };
    } catch (err) {
      if (signal?.aborted) throw err;
      return { id: key.id, intervalWorst: null, anomalies: [], error: err };
    }
  });
}

/**
 * Invalid PromQL that reaches Prometheus (PrometheusQueryError) is reported here, on the alert or
 * reading it broke, and never thrown: the plan's syntax was checked before the monitor started, so
 * what still reaches Prometheus is a data-dependent execution error (422, e.g. a many-to-many match
 * once a new series appears) or a Prometheus that parses differently. Failing the activity would
 * throw away the checkpoint's commands and every other alert, and a non-retryable failure would end
 * the 48-hour monitor itself; the judge instead raises it as a PlanQueryError finding at once.
 */
export async function observePrometheus(input: ObservePrometheusInput): Promise<PrometheusObservation> {
  const { fromMs, toMs, signal, logger } = input;
  const concurrency = input.concurrency ?? 4;
  const scrapeSeconds = parseDurationSeconds(input.scrapeInterval);
  const { client, down } = failFast(input.client);

  const [evaluations, readings, keys, firing] = await Promise.all([
    evaluateAlerts({ client, alerts: input.alerts, fromMs, toMs, scrapeIntervalSeconds: scrapeSeconds, concurrency, signal, logger }),
    readSlos({ client, slos: input.slos, phaseId: input.phaseId, atMs: toMs, signal, concurrency }),
    readKeySeries(client, keySeries(input.slos), fromMs, toMs, scrapeSeconds, concurrency, signal),
    client.firingAlerts(toMs, { signal }).then(
      (alerts) => ({ names: [...new Set(alerts.map((a) => a.name))].sort().slice(0, MAX_FIRING), error: undefined as unknown }),
      (error: unknown) => {
        if (signal?.aborted) throw error;
        return { names: [] as string[], error };
      },
    ),
  ]);

  const worstById = new Map(keys.map((k) => [k.id, k]));
  const slos = readings.map((reading) => {
    const key = worstById.get(reading.id);
    return key && key.error === undefined ? { ...reading, intervalWorst: key.intervalWorst } : reading;
  });
  const anomalies = keys
    .flatMap((k) => k.anomalies)
    .sort((a, b) => b.score - a.score)
    .slice(0, MAX_ANOMALIES)
    .sort((a, b) => a.at.localeCompare(b.at));

  const unavailable = down() ?? evaluations.find((e) => e.error?.type === ERROR_TYPES.prometheusUnavailable)?.error;
  for (const failure of [...keys.map((k) => k.error), firing.error]) {
    if (failure !== undefined && !(failure instanceof PrometheusUnavailableError)) {
      logger?.warn({ error: describeError(failure).reason }, 'prometheus query failed');
    }
  }
  return {
    alerts: evaluations.map(trimAlert),
    slos,
    anomalies,
    firingInPrometheus: firing.names,
    prometheusError: unavailable ? clip(unavailable.message) : null,
  };
}
