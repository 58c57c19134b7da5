// The monitor's Prometheus client, and alert evaluation over a whole interval (no blind gaps between
// checkpoints). Every query names its evaluation time; the worker's clock only bounds timeouts.
import { setTimeout as sleep } from 'node:timers/promises';
import pLimit from 'p-limit';
import { request, type Dispatcher } from 'undici';
import type { Logger } from 'pino';
import { parseDurationSeconds } from '../plan/duration.js';
import {
  evaluateBreaches,
  evaluationGrid,
  inconclusiveVerdict,
  type AlertVerdict,
  type SeriesSamples,
} from '../plan/breaches.js';
import type { AlertRule, Comparator, Priority } from '../plan/schema.js';
import { ERROR_TYPES } from '../temporal/activity-options.js';

/** Prometheus could not answer (network, 5xx, timeout): retry later; never read as "ok". */
export class PrometheusUnavailableError extends Error {
  override readonly name = ERROR_TYPES.prometheusUnavailable;
}

/** Prometheus rejected the query itself (bad PromQL, execution error): a plan error, not retryable. */
export class PrometheusQueryError extends Error {
  override readonly name = ERROR_TYPES.prometheusQuery;

  constructor(
    message: string,
    readonly expr: string,
  ) {
    super(message);
  }
}

/** Prometheus refuses range queries over 11,000 points per series. */
export const MAX_POINTS_PER_REQUEST = 11_000;

export interface InstantSample {
  labels: Record<string, string>;
  value: number;
}

export interface FiringAlert {
  name: string;
  labels: Record<string, string>;
  /** ISO time the alert became active, when Prometheus says. */
  activeAt: string | null;
  value: number | null;
}

export interface CallOptions {
  signal?: AbortSignal;
}

export interface PrometheusClient {
  instantQuery(expr: string, atEpochMs: number, options?: CallOptions): Promise<InstantSample[]>;
  /** Split into requests of at most `maxPointsPerRequest` points; series merged across them. */
  rangeQuery(expr: string, startMs: number, endMs: number, stepSeconds: number, options?: CallOptions): Promise<SeriesSamples[]>;
  /** Live `/api/v1/alerts` when `atEpochMs` is now; otherwise the ALERTS series at that time. */
  firingAlerts(atEpochMs: number, options?: CallOptions): Promise<FiringAlert[]>;
}

export interface PrometheusClientOptions {
  baseUrl: string;
  dispatcher?: Dispatcher;
  /** Budget for one request including its retries (default 15 s). */
  timeoutMs?: number;
  /** Attempts per request on PrometheusUnavailableError (default 3). */
  attempts?: number;
  /** First retry delay, doubled each time (default 250 ms). */
  backoffMs?: number;
  logger?: Logger;
  /** Only decides whether `firingAlerts` asks for the live alerts (default Date.now). */
  now?: () => number;
  /** How close to now counts as live (default 60 s). */
  liveWindowMs?: number;
  maxPointsPerRequest?: number;
}

interface ApiResponse {
  status?: 'success' | 'error';
  data?: unknown;
  errorType?: string;
  error?: string;
  warnings?: string[];
}

type RawSample = [number, string];

interface QueryData {
  resultType: 'vector' | 'matrix' | 'scalar' | 'string';
  result: unknown;
}

/** Prometheus sends values as strings: "1.5", "NaN", "+Inf". */
export function parseValue(text: string): number {
  if (text === '+Inf' || text === 'Inf') return Infinity;
  if (text === '-Inf') return -Infinity;
  return Number(text);
}

const seconds = (ms: number): string => String(ms / 1000);

function labelKey(labels: Record<string, string>): string {
  return JSON.stringify(Object.entries(labels).sort(([a], [b]) => a.localeCompare(b)));
}

function without(labels: Record<string, string>, ...names: string[]): Record<string, string> {
  return Object.fromEntries(Object.entries(labels).filter(([k]) => !names.includes(k)));
}

function describe(err: unknown): string {
  const e = err as { name?: string; code?: string; message?: string; errors?: unknown[] };
  if (e.name === 'TimeoutError') return 'timed out';
  const message = e.message || (e.errors?.[0] as Error | undefined)?.message || String(err);
  return e.code ? `${e.code}: ${message}` : message;
}

/** Builds a client per Prometheus URL (each plan names its own), with the worker's shared settings. */
export type PrometheusClientFactory = (url: string, overrides?: Partial<Omit<PrometheusClientOptions, 'baseUrl'>>) => PrometheusClient;

export function prometheusClientFactory(defaults: Omit<PrometheusClientOptions, 'baseUrl'> = {}): PrometheusClientFactory {
  return (url, overrides) => createPrometheusClient({ ...defaults, ...overrides, baseUrl: url });
}

export function createPrometheusClient(options: PrometheusClientOptions): PrometheusClient {
  const baseUrl = options.baseUrl.replace(/\/+$/, '');
  const timeoutMs = options.timeoutMs ?? 15_000;
  const attempts = options.attempts ?? 3;
  const backoffMs = options.backoffMs ?? 250;
  const now = options.now ?? Date.now;
  const liveWindowMs = options.liveWindowMs ?? 60_000;
  const maxPoints = options.maxPointsPerRequest ?? MAX_POINTS_PER_REQUEST;
  const log = options.logger;

  async function once(path: string, params: Record<string, string> | null, expr: string, remainingMs: number, signal?: AbortSignal): Promise<unknown> {
    const timeout = AbortSignal.timeout(remainingMs);
    const combined = signal ? AbortSignal.any([signal, timeout]) : timeout;
    let statusCode: number;
    let text: string;
    try {
      // POST keeps long expressions out of URL length limits.
      const res = await request(`${baseUrl}${path}`, {
        method: params ? 'POST' : 'GET',
        headers: params ? { 'content-type': 'application/x-www-form-urlencoded', accept: 'application/json' } : { accept: 'application/json' },
        body: params ? new URLSearchParams(params).toString() : undefined,
        dispatcher: options.dispatcher,
        signal: combined,
      });
      statusCode = res.statusCode;
      text = await res.body.text();
    } catch (err) {
      if (signal?.aborted) throw err;
      throw new PrometheusUnavailableError(`${baseUrl}${path}: ${describe(err)}`, { cause: err });
    }
    let body: ApiResponse | undefined;
    try {
      body = JSON.parse(text) as ApiResponse;
    } catch {
      body = undefined;
    }
    if (statusCode >= 200 && statusCode < 300 && body?.status === 'success') {
      if (body.warnings?.length) log?.warn({ path, expr, warnings: body.warnings }, 'prometheus query warnings');
      return body.data;
    }
    // 400 bad_data: the expression does not parse; 422 execution: it cannot be evaluated.
    if ((statusCode === 400 || statusCode === 422) && body?.status === 'error') {
      throw new PrometheusQueryError(`Prometheus rejected ${JSON.stringify(expr)}: ${body.errorType ?? 'error'}: ${body.error ?? ''}`, expr);
    }
    const detail = body?.error ? `: ${body.errorType ?? 'error'}: ${body.error}` : '';
    throw new PrometheusUnavailableError(`${baseUrl}${path}: HTTP ${statusCode}${detail}`);
  }

  async function call(path: string, params: Record<string, string> | null, expr: string, signal?: AbortSignal): Promise<unknown> {
    const deadline = Date.now() + timeoutMs;
    for (let attempt = 1; ; attempt++) {
      try {
        return await once(path, params, expr, Math.max(1, deadline - Date.now()), signal);
      } catch (err) {
        if (!(err instanceof PrometheusUnavailableError)) throw err;
        const delay = backoffMs * 2 ** (attempt - 1);
        if (attempt >= attempts || Date.now() + delay >= deadline) {
          err.message = `${err.message} (after ${attempt} attempt${attempt === 1 ? '' : 's'})`;
          throw err;
        }
        log?.warn({ path, attempt, error: err.message }, 'prometheus request failed, retrying');
        // An abort rejects with its reason (the activity's cancellation), as a request does.
        await sleep(delay, undefined, { signal }).catch((err: unknown) => {
          throw signal?.aborted ? (signal.reason as Error) : err;
        });
      }
    }
  }

  async function query(expr: string, atEpochMs: number, signal?: AbortSignal): Promise<QueryData> {
    return (await call('/api/v1/query', { query: expr, time: seconds(atEpochMs) }, expr, signal)) as QueryData;
  }

  async function instantQuery(expr: string, atEpochMs: number, callOptions: CallOptions = {}): Promise<InstantSample[]> {
    const data = await query(expr, atEpochMs, callOptions.signal);
    if (data.resultType === 'scalar') return [{ labels: {}, value: parseValue((data.result as RawSample)[1]) }];
    if (data.resultType !== 'vector') {
      throw new PrometheusQueryError(`${JSON.stringify(expr)} gives a ${data.resultType}; an instant vector or scalar is needed`, expr);
    }
    return (data.result as Array<{ metric: Record<string, string>; value: RawSample }>).map((r) => ({
      labels: r.metric,
      value: parseValue(r.value[1]),
    }));
  }

  async function rangeQuery(expr: string, startMs: number, endMs: number, stepSeconds: number, callOptions: CallOptions = {}): Promise<SeriesSamples[]> {
    const stepMs = stepSeconds * 1000;
    const spanMs = (maxPoints - 1) * stepMs;
    const merged = new Map<string, SeriesSamples>();
    for (let chunkStart = startMs; chunkStart <= endMs; chunkStart += spanMs + stepMs) {
      const chunkEnd = Math.min(endMs, chunkStart + spanMs);
      const params = { query: expr, start: seconds(chunkStart), end: seconds(chunkEnd), step: String(stepSeconds) };
      const data = (await call('/api/v1/query_range', params, expr, callOptions.signal)) as QueryData;
      if (data.resultType !== 'matrix') throw new PrometheusUnavailableError(`query_range answered a ${data.resultType}, not a matrix`);
      for (const r of data.result as Array<{ metric: Record<string, string>; values?: RawSample[] }>) {
        const key = labelKey(r.metric);
        const series = merged.get(key) ?? { labels: r.metric, samples: [] };
        for (const [t, v] of r.values ?? []) series.samples.push([t, parseValue(v)]);
        merged.set(key, series);
      }
    }
    return [...merged.values()];
  }

  async function firingAlerts(atEpochMs: number, callOptions: CallOptions = {}): Promise<FiringAlert[]> {
    const { signal } = callOptions;
    if (Math.abs(now() - atEpochMs) <= liveWindowMs) {
      const data = (await call('/api/v1/alerts', null, '/api/v1/alerts', signal)) as {
        alerts: Array<{ labels: Record<string, string>; state: string; activeAt?: string; value?: string }>;
      };
      return data.alerts
        .filter((a) => a.state === 'firing')
        .map((a) => ({
          name: a.labels.alertname ?? '',
          labels: without(a.labels, 'alertname'),
          activeAt: a.activeAt ? new Date(a.activeAt).toISOString() : null,
          value: a.value === undefined ? null : parseValue(a.value),
        }));
    }
    // ALERTS_FOR_STATE holds each pending/firing alert's activeAt (only for alerts with a `for`).
    const [firing, since] = await Promise.all([
      instantQuery('ALERTS{alertstate="firing"}', atEpochMs, callOptions),
      instantQuery('ALERTS_FOR_STATE', atEpochMs, callOptions),
    ]);
    const activeAt = new Map(since.map((s) => [labelKey(without(s.labels, '__name__')), s.value]));
    return firing.map((s) => {
      const labels = without(s.labels, '__name__', 'alertstate');
      const active = activeAt.get(labelKey(labels));
      return {
        name: labels.alertname ?? '',
        labels: without(labels, 'alertname'),
        activeAt: active === undefined ? null : new Date(active * 1000).toISOString(),
        value: null,
      };
    });
  }

  return { instantQuery, rangeQuery, firingAlerts };
}

/** What evaluating an alert needs from its rule (activity inputs carry no descriptions or notes). */
export type AlertQuery = Pick<AlertRule, 'name' | 'priority' | 'source' | 'expr' | 'op' | 'threshold' | 'for'>;

export interface AlertEvaluation extends AlertVerdict {
  priority: Priority;
  /** The PromQL run: the alert's expr, or a subquery of it when the step had to be coarser. */
  query: string;
  error?: { type: string; message: string };
  /** The query itself is wrong: fix the plan; retrying will not help. */
  planError?: true;
}

export interface EvaluateAlertsInput {
  client: PrometheusClient;
  alerts: readonly AlertQuery[];
  fromMs: number;
  toMs: number;
  scrapeIntervalSeconds: number;
  /** Alerts queried at once (default 4). */
  concurrency?: number;
  /** Above this many points per series the step grows (default 11,000). */
  maxPointsPerSeries?: number;
  signal?: AbortSignal;
  logger?: Logger;
}

interface QueryPlan {
  query: string;
  stepSeconds: number;
  forSeconds: number;
  op: Comparator;
  threshold: number;
  /** The query yields 1/0 for "breached somewhere in the step", not the value itself. */
  indicator: boolean;
}

/**
 * At the scrape interval when it fits; otherwise a coarser step whose every point is the worst
 * value over its step (a subquery at scrape resolution), so no breach falls between points.
 */
export function planAlertQuery(rule: AlertQuery, fromMs: number, toMs: number, scrapeIntervalSeconds: number, maxPoints = MAX_POINTS_PER_REQUEST): QueryPlan {
  const expr = rule.expr ?? '';
  const forSeconds = parseDurationSeconds(rule.for);
  const spanSeconds = (toMs - fromMs) / 1000 + forSeconds;
  const { op, threshold } = rule;
  if (spanSeconds / scrapeIntervalSeconds + 1 <= maxPoints) {
    return { query: expr, stepSeconds: scrapeIntervalSeconds, forSeconds, op, threshold, indicator: false };
  }
  const step = Math.ceil(spanSeconds / (maxPoints - 1) / scrapeIntervalSeconds) * scrapeIntervalSeconds;
  const window = `[${step}s:${scrapeIntervalSeconds}s]`;
  // A coarse point covers a whole step: count the step as breaching time, so `for` is never
  // under-estimated (a breach may be reported up to one step early, never missed).
  const coarse = { stepSeconds: step, forSeconds: Math.max(0, forSeconds - step) };
  switch (op) {
    case '>':
    case '>=':
      return { ...coarse, query: `max_over_time((${expr})${window})`, op, threshold, indicator: false };
    case '<':
    case '<=':
      return { ...coarse, query: `min_over_time((${expr})${window})`, op, threshold, indicator: false };
    case '==':
    case '!=':
      return { ...coarse, query: `max_over_time(((${expr}) ${op} bool ${threshold})${window})`, op: '==', threshold: 1, indicator: true };
  }
}

/** `fn` over `items`, at most `limit` at a time, results in order. */
export async function mapLimit<T, R>(items: readonly T[], limit: number, fn: (item: T) => Promise<R>): Promise<R[]> {
  const run = pLimit(Math.max(1, limit));
  return await Promise.all(items.map((item) => run(() => fn(item))));
}

/** One result per `source: prometheus` alert, each judged over all of [fromMs, toMs]. */
export async function evaluateAlerts(input: EvaluateAlertsInput): Promise<AlertEvaluation[]> {
  const { client, fromMs, toMs, scrapeIntervalSeconds, signal, logger } = input;
  const rules = input.alerts.filter((a) => a.source === 'prometheus');
  // Once Prometheus is known to be down, the remaining alerts say so instead of waiting again.
  let unavailable: PrometheusUnavailableError | undefined;

  return await mapLimit(rules, input.concurrency ?? 4, async (rule): Promise<AlertEvaluation> => {
    const base = { alert: rule.name, fromMs, toMs, stepSeconds: scrapeIntervalSeconds };
    let plan: QueryPlan | undefined;
    try {
      if (rule.expr === undefined) throw new PrometheusQueryError(`${rule.name} has no expr`, '');
      plan = planAlertQuery(rule, fromMs, toMs, scrapeIntervalSeconds, input.maxPointsPerSeries);
      if (unavailable) throw unavailable;
      const grid = evaluationGrid(fromMs, toMs, plan.forSeconds, plan.stepSeconds);
      const series = await client.rangeQuery(plan.query, grid.startMs, grid.endMs, plan.stepSeconds, { signal });
      const verdict = evaluateBreaches({ ...base, ...plan, series });
      if (plan.indicator) {
        // The values are 1/0 flags: only `==` knows the breaching value.
        const value = rule.op === '==' && verdict.breachCount + verdict.blips > 0 ? rule.threshold : null;
        verdict.worst = value;
        for (const b of verdict.breaches) b.worst = value;
      }
      logger?.debug({ alert: rule.name, state: verdict.state, coverage: verdict.coverage }, 'alert evaluated');
      return { ...verdict, priority: rule.priority, query: plan.query };
    } catch (err) {
      if (signal?.aborted) throw err;
      const error = err instanceof Error ? err : new Error(String(err));
      if (error instanceof PrometheusUnavailableError) unavailable ??= error;
      const planError = error instanceof PrometheusQueryError;
      logger?.warn({ alert: rule.name, error: error.message, planError }, 'alert query failed');
      return {
        ...inconclusiveVerdict({ ...base, stepSeconds: plan?.stepSeconds ?? scrapeIntervalSeconds }, `${error.name}: ${error.message}`),
        priority: rule.priority,
        query: plan?.query ?? rule.expr ?? '',
        error: { type: error.name, message: error.message },
        ...(planError ? { planError: true as const } : {}),
      };
    }
  });
}
