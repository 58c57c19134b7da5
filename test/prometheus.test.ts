// Against a real Prometheus: histories are backfilled with promtool, then queried over their past.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { request } from 'undici';
import {
  createPrometheusClient,
  evaluateAlerts,
  PrometheusQueryError,
  PrometheusUnavailableError,
  type AlertEvaluation,
  type PrometheusClient,
} from '../src/activities/prometheus.js';
import { DEFAULT_PLAN_PATH, loadPlanFile } from '../src/plan/load.js';
import { buildSchedule } from '../src/plan/schedule.js';
import type { AlertRule } from '../src/plan/schema.js';
import { genesisHistory } from './support/genesis-history.js';
import { waitFor } from './support/harness.js';
import {
  openMetrics,
  startMetricsTarget,
  startPrometheus,
  startPushgateway,
  type RunningPrometheus,
} from './support/prometheus.js';

const H = 3600;
const M = 60;
const STEP = 15;
/** Deployment time (T+0) of every scenario. */
const T0 = Date.UTC(2025, 9, 20, 0, 0, 0) / 1000;
const ms = (sec: number): number => sec * 1000;
const at = (offsetSec: number): number => ms(T0 + offsetSec);
const sec = (iso: string): number => Date.parse(iso) / 1000 - T0;
const inRange = (from: number, to: number) => (t: number) => t >= T0 + from && t < T0 + to;

function rule(overrides: Partial<AlertRule> & Pick<AlertRule, 'name' | 'expr' | 'op' | 'threshold' | 'for'>): AlertRule {
  return { priority: 'P1', source: 'prometheus', unit: 'ratio', description: overrides.name, ...overrides };
}

// Same shape as the plan's rules, with 1m rate windows so a breach's edges are sharp in time.
const LATENCY = rule({
  name: 'HighLatencyP95',
  expr: 'histogram_quantile(0.95, sum by (le) (rate(genesis_operation_duration_seconds_bucket[1m])))',
  unit: 'seconds',
  op: '>',
  threshold: 0.2,
  for: '5m',
});
const ERRORS = rule({
  name: 'HighErrorRate',
  expr: 'sum(rate(genesis_errors_total[1m])) / sum(rate(genesis_operation_duration_seconds_count[1m]))',
  op: '>',
  threshold: 0.001,
  for: '2m',
});
const DOWN = rule({
  name: 'GenesisServiceDown',
  priority: 'P0',
  expr: 'max(up{job="genesis-orchestration"})',
  unit: 'boolean',
  op: '==',
  threshold: 0,
  for: '1m',
});
const PASS_RATE = rule({
  name: 'TestPassRateLow',
  expr: 'genesis_test_pass_rate',
  unit: 'percent',
  op: '<',
  threshold: 98,
  for: '5m',
});
const RULES = [LATENCY, ERRORS, DOWN, PASS_RATE];

function byName(results: AlertEvaluation[], name: string): AlertEvaluation {
  const found = results.find((r) => r.alert === name);
  assert.ok(found, `no result for ${name}`);
  return found;
}

/**
 * Seven hours after T+0 (and one before it), with: an error blip of 60 s at T+1h, 10 minutes of
 * errors at T+2h, p95 latency over 200 ms from T+4h to T+4h30m, the service down for 2 minutes
 * at T+5h, and no data at all from T+6h20m to T+6h40m.
 */
function scenarioHistory(): string {
  const errorBlip = inRange(H, H + 60);
  const errorBurst = inRange(2 * H, 2 * H + 10 * M);
  const slow = inRange(4 * H, 4 * H + 30 * M);
  const down = inRange(5 * H, 5 * H + 2 * M);
  const gap = inRange(6 * H + 20 * M, 6 * H + 40 * M);
  return openMetrics(
    genesisHistory({
      fromSec: T0 - H,
      toSec: T0 + 7 * H,
      stepSec: STEP,
      errorRatio: (t) => (errorBlip(t) || errorBurst(t) ? 0.05 : 0),
      p95Seconds: (t) => (slow(t) ? 0.35 : 0.15),
      up: (t) => (down(t) ? 0 : 1),
      gap,
    }),
  );
}

describe('alerts over backfilled history', () => {
  let prometheus: RunningPrometheus | undefined;
  let client: PrometheusClient;

  before(async () => {
    prometheus = await startPrometheus({ history: scenarioHistory() });
    client = createPrometheusClient({ baseUrl: prometheus.url, backoffMs: 20 });
  });
  after(async () => {
    await prometheus?.stop();
  });

  const evaluate = (from: number, to: number, alerts: AlertRule[] = RULES, maxPointsPerSeries?: number) =>
    evaluateAlerts({ client, alerts, fromMs: at(from), toMs: at(to), scrapeIntervalSeconds: STEP, maxPointsPerSeries });

  it('finds a 30-minute latency breach between two 3-hourly checks, with its start and end', { timeout: 3 * 60_000 }, async () => {
    const latency = byName(await evaluate(3 * H, 6 * H), 'HighLatencyP95');

    assert.equal(latency.state, 'firing');
    assert.equal(latency.stillFiring, false);
    assert.equal(latency.breaches.length, 1);
    const [breach] = latency.breaches;
    assert.ok(breach);
    assert.ok(Math.abs(sec(breach.startedAt) - 4 * H) <= STEP, `started ${breach.startedAt}`);
    assert.ok(breach.endedAt !== null);
    // The 1m rate window keeps the breach visible for up to a minute after the last slow request.
    const end = sec(breach.endedAt);
    assert.ok(end >= 4 * H + 30 * M && end <= 4 * H + 31 * M + STEP, `ended ${breach.endedAt}`);
    assert.ok((breach.worst ?? 0) > 0.2);
    // The 2 minutes the service is down leave the 1m rates without samples, which is not ok-by-default.
    assert.ok(latency.coverage > 0.98 && latency.coverage < 1);
  });

  it('does not fire on a 60-second error blip shorter than HighErrorRate’s 2m', { timeout: 3 * 60_000 }, async () => {
    const errors = byName(await evaluate(0.5 * H, 1.5 * H), 'HighErrorRate');

    assert.equal(errors.state, 'ok');
    assert.equal(errors.blips, 1);
    assert.deepEqual(errors.breaches, []);
    assert.ok((errors.worst ?? 0) > 0.001);
  });

  it('fires on errors lasting longer than `for`', { timeout: 3 * 60_000 }, async () => {
    const errors = byName(await evaluate(1.5 * H, 2.5 * H), 'HighErrorRate');

    assert.equal(errors.state, 'firing');
    const [breach] = errors.breaches;
    assert.ok(breach);
    assert.ok(Math.abs(sec(breach.startedAt) - 2 * H) <= STEP);
    assert.ok(Math.abs(sec(breach.firingAt) - (2 * H + 2 * M)) <= STEP);
    assert.ok(breach.durationSeconds >= 10 * M);
  });

  it('reports the blip and the firing breach of one interval apart', { timeout: 3 * 60_000 }, async () => {
    const errors = byName(await evaluate(0, 3 * H), 'HighErrorRate');

    assert.equal(errors.state, 'firing');
    assert.equal(errors.breachCount, 1);
    assert.equal(errors.blips, 1);
  });

  it('fires GenesisServiceDown when the service is down for 2 minutes', { timeout: 3 * 60_000 }, async () => {
    const down = byName(await evaluate(3 * H, 6 * H), 'GenesisServiceDown');

    assert.equal(down.state, 'firing');
    assert.equal(down.worst, 0);
    const [breach] = down.breaches;
    assert.ok(breach);
    assert.equal(sec(breach.startedAt), 5 * H);
    assert.equal(sec(breach.firingAt), 5 * H + M);
    assert.equal(sec(breach.endedAt ?? ''), 5 * H + 2 * M);
  });

  it('keeps healthy alerts ok over the same interval', { timeout: 3 * 60_000 }, async () => {
    const passRate = byName(await evaluate(0, 6 * H), 'TestPassRateLow');

    assert.equal(passRate.state, 'ok');
    assert.equal(passRate.coverage, 1);
    assert.equal(passRate.worst, 100);
  });

  it('is inconclusive, not ok, across 20 minutes without data', { timeout: 3 * 60_000 }, async () => {
    const results = await evaluate(6 * H, 7 * H, [PASS_RATE, DOWN]);

    for (const result of results) {
      assert.equal(result.state, 'inconclusive', result.alert);
      assert.ok(result.coverage < 1);
      assert.ok(result.blindSpans.length > 0);
      assert.match(result.reason ?? '', /no data/);
    }
  });

  it('still finds short breaches when a long interval forces a coarser step', { timeout: 3 * 60_000 }, async () => {
    const results = await evaluate(3 * H, 6 * H, [LATENCY, DOWN], 100);

    const latency = byName(results, 'HighLatencyP95');
    assert.ok(latency.stepSeconds > STEP);
    assert.match(latency.query, /^max_over_time\(/);
    assert.equal(latency.state, 'firing');
    assert.ok(Math.abs(sec(latency.breaches[0]!.startedAt) - 4 * H) <= latency.stepSeconds);
    const down = byName(results, 'GenesisServiceDown');
    assert.equal(down.state, 'firing');
    assert.equal(down.worst, 0);
  });

  it('splits a range query over 11,000 points into requests Prometheus accepts, without gaps or overlaps', { timeout: 3 * 60_000 }, async () => {
    const [series, ...rest] = await client.rangeQuery('max(up{job="node"})', at(0), at(6 * H), 1);

    assert.equal(rest.length, 0);
    assert.ok(series);
    assert.equal(series.samples.length, 6 * H + 1);
    series.samples.forEach(([t], i) => assert.equal(t, T0 + i));
  });

  it('answers instant queries at a past evaluation time', { timeout: 3 * 60_000 }, async () => {
    const samples = await client.instantQuery('max(up{job="genesis-orchestration"})', at(5 * H + M));

    assert.deepEqual(samples, [{ labels: {}, value: 0 }]);
  });

  it('rejects invalid PromQL with PrometheusQueryError', { timeout: 3 * 60_000 }, async () => {
    await assert.rejects(client.instantQuery('rate(foo[5m]', at(H)), (err: Error) => {
      assert.ok(err instanceof PrometheusQueryError);
      assert.equal(err.name, 'PrometheusQueryError');
      assert.match(err.message, /bad_data/);
      return true;
    });
    await assert.rejects(client.rangeQuery('rate(foo[5m]', at(0), at(H), STEP), PrometheusQueryError);
  });

  it('rejects a query Prometheus cannot execute with PrometheusQueryError', { timeout: 3 * 60_000 }, async () => {
    // Two `up` series on one side of a one-to-one match: an execution error (HTTP 422).
    await assert.rejects(client.instantQuery('up + on() vector(1)', at(H)), PrometheusQueryError);
  });

  it('reports a plan error on its own alert and evaluates the others', { timeout: 3 * 60_000 }, async () => {
    const broken = rule({ name: 'Broken', expr: 'rate(foo[5m]', op: '>', threshold: 1, for: '1m' });
    const results = await evaluate(0, H, [broken, PASS_RATE]);

    const bad = byName(results, 'Broken');
    assert.equal(bad.state, 'inconclusive');
    assert.equal(bad.planError, true);
    assert.equal(bad.error?.type, 'PrometheusQueryError');
    assert.equal(byName(results, 'TestPassRateLow').state, 'ok');
  });

  it('leaves `source: monitor` alerts out', { timeout: 3 * 60_000 }, async () => {
    const monitorRule: AlertRule = { ...PASS_RATE, name: 'IntermittentTestFailures', source: 'monitor', expr: undefined };
    const results = await evaluate(0, H, [monitorRule, PASS_RATE]);

    assert.deepEqual(results.map((r) => r.alert), ['TestPassRateLow']);
  });
});

describe('when Prometheus is unreachable', () => {
  it('makes every alert inconclusive with PrometheusUnavailableError, never ok', { timeout: 3 * 60_000 }, async (t) => {
    const prometheus = await startPrometheus({
      history: openMetrics(genesisHistory({ fromSec: T0 - H, toSec: T0 + H, stepSec: STEP })),
    });
    t.after(() => prometheus.stop());
    const client = createPrometheusClient({ baseUrl: prometheus.url, attempts: 2, backoffMs: 10, timeoutMs: 5000 });
    const healthy = await evaluateAlerts({ client, alerts: RULES, fromMs: at(0), toMs: at(H), scrapeIntervalSeconds: STEP });
    assert.deepEqual(healthy.map((r) => r.state), ['ok', 'ok', 'ok', 'ok']);

    await prometheus.stop();
    const results = await evaluateAlerts({ client, alerts: RULES, fromMs: at(0), toMs: at(H), scrapeIntervalSeconds: STEP });

    assert.equal(results.length, RULES.length);
    for (const result of results) {
      assert.equal(result.state, 'inconclusive');
      assert.equal(result.error?.type, 'PrometheusUnavailableError');
      assert.equal(result.planError, undefined);
    }
    await assert.rejects(client.instantQuery('up', at(0)), PrometheusUnavailableError);
  });
});

describe('when Prometheus hangs', () => {
  it('gives up within the timeout with PrometheusUnavailableError', { timeout: 3 * 60_000 }, async (t) => {
    const prometheus = await startPrometheus();
    t.after(() => prometheus.stop());
    const client = createPrometheusClient({ baseUrl: prometheus.url, timeoutMs: 500, backoffMs: 10 });
    assert.deepEqual(await client.instantQuery('vector(1)', at(0)), [{ labels: {}, value: 1 }]);

    // stop() thaws it before SIGTERM.
    prometheus.freeze();
    await assert.rejects(client.instantQuery('vector(1)', at(0)), (err: Error) => {
      assert.ok(err instanceof PrometheusUnavailableError);
      assert.match(err.message, /timed out/);
      return true;
    });
  });
});

describe('firing alerts from Prometheus rules', () => {
  it('lists live alerts now, and the ALERTS series at a past time', { timeout: 3 * 60_000 }, async (t) => {
    const target = await startMetricsTarget({ demo_queue_depth: 1 });
    t.after(() => target.stop());
    const pushgateway = await startPushgateway();
    t.after(() => pushgateway.stop());
    const rules = [
      'groups:',
      '  - name: demo',
      '    rules:',
      '      - alert: QueueDeep',
      '        expr: demo_queue_depth > 5',
      '        for: 2s',
      '        labels: { severity: page }',
    ].join('\n');
    const prometheus = await startPrometheus({
      scrapeIntervalSeconds: 1,
      scrapeJobs: [
        { job: 'demo', targets: [target.target] },
        { job: 'pushgateway', targets: [pushgateway.target], honorLabels: true },
      ],
      rules: [rules],
    });
    t.after(() => prometheus.stop());
    const client = createPrometheusClient({ baseUrl: prometheus.url });
    const startedAt = Date.now();

    const push = await request(`${pushgateway.url}/metrics/job/deploywatch`, { method: 'PUT', body: 'deploy_marker{version="1.2.3"} 1\n' });
    await push.body.dump();
    assert.equal(push.statusCode, 200);
    target.set('demo_queue_depth', 10);
    const live = await waitFor('an alert firing in Prometheus', async () => {
      const alerts = await client.firingAlerts(Date.now());
      return alerts.length > 0 ? alerts : undefined;
    }, { timeoutMs: 60_000, everyMs: 200 });
    const firingSeenAt = Date.now();

    assert.deepEqual(live.map((a) => [a.name, a.labels.severity, a.labels.job]), [['QueueDeep', 'page', 'demo']]);
    assert.ok(live[0]!.activeAt);
    assert.equal(live[0]!.value, 10);

    const later = createPrometheusClient({ baseUrl: prometheus.url, now: () => firingSeenAt + H * 1000 });
    const past = await later.firingAlerts(firingSeenAt);
    assert.deepEqual(past.map((a) => [a.name, a.labels.severity]), [['QueueDeep', 'page']]);
    assert.ok(past[0]!.activeAt);
    assert.deepEqual(await later.firingAlerts(startedAt - 60_000), []);

    const pushed = await waitFor('the pushed deploy_marker in Prometheus', async () => {
      const samples = await client.instantQuery('deploy_marker', Date.now());
      return samples.length > 0 ? samples : undefined;
    }, { timeoutMs: 60_000, everyMs: 200 });
    assert.equal(pushed[0]!.labels.version, '1.2.3');
  });
});

describe('the default plan over a healthy 48 hours', () => {
  let prometheus: RunningPrometheus | undefined;

  before(async () => {
    prometheus = await startPrometheus({
      history: openMetrics(genesisHistory({ fromSec: T0 - H, toSec: T0 + 48 * H, stepSec: 60 })),
    });
  });
  after(async () => {
    await prometheus?.stop();
  });

  it('judges every Prometheus alert ok at every checkpoint and over the whole window', { timeout: 3 * 60_000 }, async () => {
    const plan = await loadPlanFile(DEFAULT_PLAN_PATH);
    const client = createPrometheusClient({ baseUrl: prometheus!.url });
    const alerts = plan.alerts.filter((a) => a.source === 'prometheus');
    assert.ok(alerts.length > 0);
    // The history has a sample a minute; Prometheus's lookback serves it at every 15 s step.
    const scrapeIntervalSeconds = 15;
    const offsets = [...new Set(buildSchedule(plan).map((c) => c.offsetSeconds))].filter((o) => o <= 48 * H);
    const intervals = offsets.slice(1).map((to, i) => [offsets[i]!, to] as const);
    intervals.push([0, 48 * H]);

    const problems: string[] = [];
    for (const [from, to] of intervals) {
      const results = await evaluateAlerts({ client, alerts, fromMs: at(from), toMs: at(to), scrapeIntervalSeconds });
      for (const r of results.filter((x) => x.state !== 'ok')) {
        problems.push(`${r.alert} T+${from / H}h..T+${to / H}h: ${r.state} ${r.reason ?? ''}`);
      }
    }
    assert.deepEqual(problems, []);
  });
});

