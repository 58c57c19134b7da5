// The success criteria against a real Prometheus holding backfilled 48-hour histories: one
// Prometheus, each scenario's deployment a week after the previous one's.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createCriteriaActivity, hasRangeSelector, windowedExpr } from '../src/activities/criteria.js';
import { createPrometheusClient } from '../src/activities/prometheus.js';
import type { CriterionId, CriterionResult } from '../src/plan/criteria/index.js';
import { DEFAULT_PLAN_PATH, loadPlanFile } from '../src/plan/load.js';
import type { Plan } from '../src/plan/schema.js';
import { genesisHistory, type GenesisHistoryOptions } from './support/genesis-history.js';
import { openMetrics, startPrometheus, type RunningPrometheus } from './support/prometheus.js';

const H = 3600;
const DAY = 24 * H;
const WEEK = 7 * DAY;
/** History resolution: coarser than a real scrape keeps the backfill small; [5m] rates still see 5 samples. */
const STEP = 60;
const T0 = Date.UTC(2025, 9, 20, 0, 0, 0) / 1000;

type Scenario = 'healthy' | 'errorBurst' | 'latencyPhase3' | 'memoryLeak';
const SCENARIOS: Scenario[] = ['healthy', 'errorBurst', 'latencyPhase3', 'memoryLeak'];
const deployedAt = (s: Scenario): number => T0 + SCENARIOS.indexOf(s) * WEEK;
const iso = (sec: number): string => new Date(sec * 1000).toISOString();
const offsetHours = (isoTime: string, s: Scenario): number => (Date.parse(isoTime) / 1000 - deployedAt(s)) / H;

/** Daily rhythm around a level: real hosts are never flat, and a trend test must not call this a leak. */
const daily = (level: number, amplitude: number) => (t: number) => level + amplitude * Math.sin((2 * Math.PI * t) / DAY);

function history(s: Scenario): string {
  const t0 = deployedAt(s);
  const within = (fromH: number, toH: number) => (t: number) => t >= t0 + fromH * H && t < t0 + toH * H;
  const options: GenesisHistoryOptions = {
    fromSec: t0 - H,
    toSec: t0 + 48 * H,
    stepSec: STEP,
    cpuBusy: daily(0.35, 0.05),
    memoryUsed: daily(0.45, 0.02),
  };
  switch (s) {
    case 'healthy':
      break;
    case 'errorBurst': {
      // Half an hour of 2% errors at T+10h, long over by T+48h; HTDAG 5% slower than its 110 ms baseline.
      const burst = within(10, 10.5);
      options.errorRatio = (t) => (burst(t) ? 0.02 : 0);
      options.htdagMeanSeconds = () => 0.11 * 1.05;
      break;
    }
    case 'latencyPhase3': {
      // P95 at 300 ms from T+30h (the passive phase) to the end; HTDAG 30% faster than baseline.
      const slow = within(30, 49);
      options.p95Seconds = (t) => (slow(t) ? 0.3 : 0.15);
      options.htdagMeanSeconds = () => 0.11 * 0.7;
      break;
    }
    case 'memoryLeak': {
      // Memory climbs 10 points a day (40% → 60%), about 20%/day of its level; HTDAG 20% slower.
      options.memoryUsed = (t) => 0.4 + (0.1 * (t - t0)) / DAY;
      options.htdagMeanSeconds = () => 0.11 * 1.2;
      break;
    }
  }
  return openMetrics(genesisHistory(options));
}

function byId(results: CriterionResult[], id: CriterionId): CriterionResult {
  const found = results.find((r) => r.id === id);
  assert.ok(found, `no result for ${id}`);
  return found;
}

function assertPassed(results: CriterionResult[], ids: CriterionId[]): void {
  for (const id of ids) {
    const r = byId(results, id);
    assert.equal(r.passed, true, `${id} should pass: ${r.detail}`);
    assert.equal(r.inconclusive, undefined, `${id} should be conclusive`);
  }
}

describe('success criteria over backfilled 48-hour histories', () => {
  let prometheus: RunningPrometheus | undefined;
  let plan: Plan;

  before(async () => {
    plan = await loadPlanFile(DEFAULT_PLAN_PATH);
    prometheus = await startPrometheus({ history: SCENARIOS.map(history) });
  });
  after(async () => {
    await prometheus?.stop();
  });

  const evaluate = (from: number, to: number, options: { maxPointsPerRequest?: number; testRuns?: Array<{ at: string; command: string; passRate: number | null }> } = {}) => {
    const evaluateCriteria = createCriteriaActivity({
      prometheusClient: (url) => createPrometheusClient({ baseUrl: url, backoffMs: 20, maxPointsPerRequest: options.maxPointsPerRequest }),
    });
    return evaluateCriteria({
      criteria: plan.criteria,
      slos: plan.slos,
      prometheus: { ...plan.prometheus, url: prometheus!.url },
      from: iso(from),
      to: iso(to),
      incidents: [],
      rollback: null,
      testRuns: options.testRuns ?? [],
    });
  };
  const window48 = (s: Scenario, options?: Parameters<typeof evaluate>[2]) => evaluate(deployedAt(s), deployedAt(s) + 48 * H, options);

  it('passes every criterion for a healthy deployment, in the seed order', { timeout: 3 * 60_000 }, async () => {
    const results = await window48('healthy', {
      testRuns: [{ at: iso(deployedAt('healthy') + 12 * H), command: 'full-suite', passRate: 99 }],
    });
    assert.deepEqual(
      results.map((r) => r.id),
      ['test-pass-rate', 'error-rate', 'p95-latency', 'uptime', 'no-unresolved-p1', 'performance-baseline', 'resource-stability', 'zero-rollbacks'],
    );
    assertPassed(results, results.map((r) => r.id));
    assert.equal(byId(results, 'uptime').value, 100);
    assert.equal(byId(results, 'error-rate').value, 0);
    assert.ok(Math.abs(byId(results, 'p95-latency').value! - 0.15) < 0.005, byId(results, 'p95-latency').detail);
    assert.ok(Math.abs(byId(results, 'resource-stability').value!) < 5, byId(results, 'resource-stability').detail);
    assert.match(byId(results, 'error-rate').detail, /all 576 5m windows within the limit/);
  });

  it("fails the test pass rate on the monitor's own run even when Prometheus is fine: the worse of both", { timeout: 3 * 60_000 }, async () => {
    const runAt = iso(deployedAt('healthy') + 30 * H);
    const result = byId(await window48('healthy', { testRuns: [{ at: runAt, command: 'full-suite', passRate: 96 }] }), 'test-pass-rate');
    assert.equal(result.passed, false);
    assert.equal(result.value, 96);
    assert.equal(result.worstAt, runAt);
  });

  it('fails the error rate for a half-hour burst that ended long before the end, at the burst', { timeout: 3 * 60_000 }, async () => {
    const results = await window48('errorBurst');
    const errors = byId(results, 'error-rate');
    assert.equal(errors.passed, false, errors.detail);
    assert.equal(errors.inconclusive, undefined);
    assert.ok(Math.abs(errors.value! - 0.02) < 0.001, `worst window ${errors.value}`);
    const at = offsetHours(errors.worstAt!, 'errorBurst');
    assert.ok(at > 10 && at <= 10.5 + 5 / 60, `worst window at T+${at}h, not inside the burst`);
    // HTDAG 5% slower is inside the 10% tolerance.
    assertPassed(results, ['test-pass-rate', 'p95-latency', 'uptime', 'performance-baseline', 'resource-stability']);
    assert.ok(Math.abs(byId(results, 'performance-baseline').value! - 5) < 0.5, byId(results, 'performance-baseline').detail);
  });

  it('fails P95 latency for a regression in phase 3, reporting when', { timeout: 3 * 60_000 }, async () => {
    const results = await window48('latencyPhase3');
    const p95 = byId(results, 'p95-latency');
    assert.equal(p95.passed, false, p95.detail);
    assert.ok(Math.abs(p95.value! - 0.3) < 0.01, `worst window ${p95.value}`);
    const at = offsetHours(p95.worstAt!, 'latencyPhase3');
    assert.ok(at > 30 && at <= 48, `worst window at T+${at}h, not in phase 3`);
    assert.match(p95.detail, /windows outside the limit/);
    // 30% faster than baseline is fine: the tolerance is one-sided.
    assertPassed(results, ['error-rate', 'uptime', 'performance-baseline', 'resource-stability']);
    assert.match(byId(results, 'performance-baseline').detail, /HTDAG decomposition: 77 ms vs baseline 110 ms \(-30%\)/);
  });

  it('fails resource stability for a steady memory leak, and the baseline for HTDAG 20% slower', { timeout: 3 * 60_000 }, async () => {
    const results = await window48('memoryLeak');
    const resources = byId(results, 'resource-stability');
    assert.equal(resources.passed, false, resources.detail);
    assert.equal(resources.inconclusive, undefined);
    assert.ok(resources.value! > 15 && resources.value! < 25, `growth ${resources.value}%/day`);
    assert.match(resources.detail, /Memory usage: \+\d/);
    assert.ok(offsetHours(resources.worstAt!, 'memoryLeak') > 47, 'the peak of a leak is at the end');
    const performance = byId(results, 'performance-baseline');
    assert.equal(performance.passed, false, performance.detail);
    assert.ok(Math.abs(performance.value! - 20) < 0.5, performance.detail);
    assert.match(performance.detail, /HTDAG decomposition: 132 ms vs baseline 110 ms \(\+20%, over the 10% limit\)/);
    assertPassed(results, ['test-pass-rate', 'error-rate', 'p95-latency', 'uptime']);
  });

  it('judges an extension period on its own', { timeout: 3 * 60_000 }, async () => {
    const start = deployedAt('errorBurst') + 24 * H;
    const results = await evaluate(start, start + 24 * H);
    assertPassed(results, ['error-rate', 'p95-latency', 'uptime', 'performance-baseline', 'resource-stability']);
    assert.match(byId(results, 'error-rate').detail, /all 288 5m windows/);
  });

  it('gives the same verdicts when every range query has to be split into chunks', { timeout: 3 * 60_000 }, async () => {
    const whole = await window48('latencyPhase3');
    const chunked = await window48('latencyPhase3', { maxPointsPerRequest: 50 });
    assert.deepEqual(chunked, whole);
  });

  it('never passes without data: every Prometheus criterion is inconclusive', { timeout: 3 * 60_000 }, async () => {
    const results = await evaluate(T0 - 3 * DAY, T0 - DAY);
    for (const id of ['test-pass-rate', 'error-rate', 'p95-latency', 'uptime', 'performance-baseline', 'resource-stability'] as const) {
      const r = byId(results, id);
      assert.equal(r.passed, false, `${id} passed without data`);
      assert.equal(r.inconclusive, true, `${id} should be inconclusive: ${r.detail}`);
      assert.match(r.detail, /no data/, `${id}: ${r.detail}`);
    }
    assertPassed(results, ['no-unresolved-p1', 'zero-rollbacks']);
  });

  it('records a query Prometheus rejects as inconclusive instead of failing the activity', { timeout: 3 * 60_000 }, async () => {
    const evaluateCriteria = createCriteriaActivity();
    const broken = { ...plan.slos, critical: plan.slos.critical.map((s) => (s.id === 'p95-latency' ? { ...s, expr: 'histogram_quantile(0.95, genesis_test_pass_rate[5m])' } : s)) };
    const results = await evaluateCriteria({
      criteria: plan.criteria,
      slos: broken,
      prometheus: { ...plan.prometheus, url: prometheus!.url },
      from: iso(deployedAt('healthy')),
      to: iso(deployedAt('healthy') + 48 * H),
      incidents: [],
      rollback: null,
      testRuns: [],
    });
    const p95 = byId(results, 'p95-latency');
    assert.equal(p95.inconclusive, true);
    assert.match(p95.detail, /query .* failed/);
  });

  it('averages a bare gauge over each window, and leaves range expressions alone', { timeout: 3 * 60_000 }, () => {
    assert.equal(hasRangeSelector('genesis_test_pass_rate'), false);
    assert.equal(hasRangeSelector('x{le=~"[0-9]"}'), false);
    assert.equal(hasRangeSelector('sum(rate(x[5m]))'), true);
    assert.equal(windowedExpr('genesis_test_pass_rate', 300, 15), 'avg_over_time((genesis_test_pass_rate)[300s:15s])');
    assert.equal(windowedExpr('sum(rate(x[5m]))', 300, 15), 'sum(rate(x[5m]))');
  });
});
