// The success criteria's Prometheus side: each SLO expression over the whole window, one point per
// measurement window, handed to the pure judge (plan/criteria/) with the monitor's own record.
import { parser } from '@prometheus-io/lezer-promql';
import type { Logger } from 'pino';
import {
  criticalStepSeconds,
  judgeCriteria,
  sloKey,
  windowGrid,
  type CriteriaEvidence,
  type CriterionResult,
  type TestRun,
  type WindowData,
} from '../plan/criteria/index.js';
import { parseDurationSeconds } from '../plan/duration.js';
import type { Plan } from '../plan/schema.js';
import type { IncidentSummary, RollbackRecord } from '../plan/records.js';
import { prometheusClientFactory, PrometheusQueryError, type PrometheusClient, type PrometheusClientFactory } from './prometheus.js';

export interface CriteriaInput {
  criteria: Plan['criteria'];
  slos: Plan['slos'];
  prometheus: Plan['prometheus'];
  /** ISO-8601 start of the judged window (T+0, or the start of an extension). */
  from: string;
  /** ISO-8601 end of the judged window (deployment-domain time, never the worker's clock). */
  to: string;
  incidents: IncidentSummary[];
  rollback: RollbackRecord | null;
  /** The monitor's own JUnit runs. */
  testRuns: TestRun[];
  /** For logs only. */
  deploymentId?: string;
}

export interface CriteriaDeps {
  prometheusClient?: PrometheusClientFactory;
  logger?: Logger;
}

/** True when the expression already averages over a range (`rate(x[5m])`, a subquery). */
export function hasRangeSelector(expr: string): boolean {
  let found = false;
  parser.parse(expr).iterate({
    enter: (node) => {
      if (node.type.name === 'MatrixSelector' || node.type.name === 'SubqueryExpr') found = true;
      return !found;
    },
  });
  return found;
}

/**
 * The expression as a value per measurement window. A bare gauge (genesis_test_pass_rate) sampled
 * once per window would miss dips between samples, so it becomes its window's average.
 */
export function windowedExpr(expr: string, windowSeconds: number, scrapeSeconds: number): string {
  if (hasRangeSelector(expr)) return expr;
  return `avg_over_time((${expr})[${windowSeconds}s:${scrapeSeconds}s])`;
}

export interface WindowQuery {
  key: string;
  expr: string;
  stepSeconds: number;
}

/** Every query the criteria need: critical SLOs per window, performance and resources for averages and trends. */
export function criteriaQueries(input: Pick<CriteriaInput, 'criteria' | 'slos' | 'prometheus'>): WindowQuery[] {
  const measurement = parseDurationSeconds(input.criteria.measurementWindow);
  const scrape = parseDurationSeconds(input.prometheus.scrapeInterval);
  const critical = input.slos.critical.map((slo) => {
    const step = criticalStepSeconds(slo, input.criteria);
    return { key: sloKey('critical', slo.id), expr: windowedExpr(slo.expr, step, scrape), stepSeconds: step };
  });
  const levels = (['performance', 'resources'] as const).flatMap((group) =>
    input.slos[group].map((slo) => ({ key: sloKey(group, slo.id), expr: windowedExpr(slo.expr, measurement, scrape), stepSeconds: measurement })),
  );
  return [...critical, ...levels];
}

/**
 * One expression on the window's grid (see `windowGrid`). A rejected query is recorded for the
 * judge (retrying cannot fix it); Prometheus being unreachable is thrown, so the activity retries
 * instead of judging a deployment on an outage of its monitoring.
 */
export async function queryWindow(client: PrometheusClient, query: WindowQuery, fromMs: number, toMs: number, signal?: AbortSignal): Promise<WindowData> {
  const grid = windowGrid(fromMs, toMs, query.stepSeconds);
  try {
    const series = await client.rangeQuery(query.expr, grid.startMs, grid.endMs, query.stepSeconds, { signal });
    return { stepSeconds: query.stepSeconds, series };
  } catch (err) {
    if (err instanceof PrometheusQueryError) return { stepSeconds: query.stepSeconds, error: err.message };
    throw err;
  }
}

export async function queryWindows(client: PrometheusClient, queries: readonly WindowQuery[], fromMs: number, toMs: number, signal?: AbortSignal): Promise<Record<string, WindowData>> {
  const results = await Promise.all(queries.map((q) => queryWindow(client, q, fromMs, toMs, signal)));
  return Object.fromEntries(queries.map((q, i) => [q.key, results[i]!]));
}

export function createCriteriaActivity(deps: CriteriaDeps = {}) {
  const clientFor = deps.prometheusClient ?? prometheusClientFactory({ logger: deps.logger });
  return async function evaluateCriteria(input: CriteriaInput): Promise<CriterionResult[]> {
    const fromMs = Date.parse(input.from);
    const toMs = Date.parse(input.to);
    if (!(Number.isFinite(fromMs) && Number.isFinite(toMs) && toMs > fromMs)) {
      throw new RangeError(`the criteria window must be two ISO-8601 times, from before to: got ${input.from} – ${input.to}`);
    }
    const client = clientFor(input.prometheus.url);
    const data = await queryWindows(client, criteriaQueries(input), fromMs, toMs);
    const evidence: CriteriaEvidence = {
      criteria: input.criteria,
      slos: input.slos,
      from: input.from,
      to: input.to,
      data,
      incidents: input.incidents,
      rollback: input.rollback,
      testRuns: input.testRuns,
    };
    const results = judgeCriteria(evidence);
    deps.logger?.info(
      { deploymentId: input.deploymentId, from: input.from, to: input.to, failed: results.filter((r) => !r.passed).map((r) => r.id) },
      'success criteria judged',
    );
    return results;
  };
}
