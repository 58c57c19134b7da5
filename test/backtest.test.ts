// The backtest: the whole plan replayed against history in a real Prometheus, on the
// time-skipping server. Four deployments, each two days apart in one Prometheus's history.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import pino from 'pino';
import { runBacktest, type BacktestResult } from '../src/backtest.js';
import { DEFAULT_PLAN_PATH, loadPlanFile } from '../src/plan/load.js';
import type { Plan } from '../src/plan/schema.js';
import { genesisHistory } from './support/genesis-history.js';
import { openMetrics, startPrometheus, type RunningPrometheus } from './support/prometheus.js';
import { testRuntime, workflowBundle } from './support/temporal.js';

const HOUR = 3600;
// Deployments start on whole hours, ten days ago and three days apart: histories never overlap.
const BASE = Math.floor(Date.now() / 1000 / HOUR) * HOUR - 10 * 24 * HOUR;
const SCENARIOS = ['healthy', 'latency-regression', 'outage', 'error-burst'] as const;
type Scenario = (typeof SCENARIOS)[number];
const deployedAt = (s: Scenario): number => BASE + SCENARIOS.indexOf(s) * 72 * HOUR;
const within = (t: number, s: Scenario, fromH: number, toH: number): boolean => t >= deployedAt(s) + fromH * HOUR && t < deployedAt(s) + toH * HOUR;

let prometheus: RunningPrometheus;
let plan: Plan;

before(async () => {
  testRuntime();
  plan = await loadPlanFile(DEFAULT_PLAN_PATH);
  const history = SCENARIOS.map((s) =>
    openMetrics(
      genesisHistory({
        fromSec: deployedAt(s) - 2 * HOUR,
        toSec: deployedAt(s) + 50 * HOUR,
        stepSec: 60,
        // Phase 3: P95 climbs to 350 ms from T+30h and stays there.
        p95Seconds: (t) => (s === 'latency-regression' && within(t, s, 30, 99) ? 0.35 : 0.15),
        // A 5-minute outage at T+10h.
        up: (t) => (s === 'outage' && within(t, s, 10, 10 + 5 / 60) ? 0 : 1),
        // Half an hour of 2% errors from T+28h, between the T+27h and T+30h checks.
        errorRatio: (t) => (s === 'error-burst' && within(t, s, 28, 28.5) ? 0.02 : 0),
      }),
    ),
  );
  prometheus = await startPrometheus({ history });
}, { timeout: 3 * 60_000 });
after(async () => {
  await prometheus?.stop();
}, { timeout: 3 * 60_000 });

async function backtest(s: Scenario): Promise<BacktestResult> {
  const result = await runBacktest({
    prometheusUrl: prometheus.url,
    deployedAt: new Date(deployedAt(s) * 1000).toISOString(),
    plan,
    logger: pino({ level: 'silent' }),
    workflowBundle: await workflowBundle(),
  });
  console.log(`backtest ${s}: ${result.outcome} in ${result.wallSeconds.toFixed(1)} s`);
  return result;
}

const criterion = (r: BacktestResult, id: string) => r.criteria.find((c) => c.id === id);
const hoursAfter = (iso: string, s: Scenario) => (Date.parse(iso) / 1000 - deployedAt(s)) / HOUR;

test('a healthy deployment graduates: 51 checkpoints at their historical times, every criterion passed', { timeout: 5 * 60_000 }, async () => {
  const r = await backtest('healthy');
  assert.equal(r.outcome, 'graduated');
  assert.equal(r.checkpoints.length, 51);
  assert.deepEqual(r.checkpoints.slice(0, 3).map((c) => c.offsetHours), [0, 0.25, 0.5]);
  assert.equal(r.checkpoints.at(-1)?.at, new Date((deployedAt('healthy') + 48 * HOUR) * 1000).toISOString());
  assert.ok(r.checkpoints.every((c) => c.status === 'passed'), `not passed: ${r.checkpoints.filter((c) => c.status !== 'passed').map((c) => `${c.offsetHours}h ${c.status}`).join(', ')}`);
  assert.deepEqual(r.incidents, []);
  assert.deepEqual(r.rollbacks, []);
  assert.deepEqual(r.criteria.map((c) => c.id).sort(), [
    'error-rate', 'no-unresolved-p1', 'p95-latency', 'performance-baseline', 'resource-stability', 'test-pass-rate', 'uptime', 'zero-rollbacks',
  ]);
  assert.ok(r.criteria.every((c) => c.passed), JSON.stringify(r.criteria.filter((c) => !c.passed)));
});

test('a latency regression in phase 3 is found with its start time, escalates on its timers, and extends the window', { timeout: 5 * 60_000 }, async () => {
  const r = await backtest('latency-regression');
  assert.equal(r.outcome, 'extend');
  const incident = r.incidents.find((i) => i.alert === 'HighLatencyP95');
  assert.ok(incident, JSON.stringify(r.incidents));
  assert.equal(incident.priority, 'P1');
  // The breach began at T+30h (the 5-minute rate window may put the first breaching sample a little later).
  const started = hoursAfter(incident.startedAt, 'latency-regression');
  assert.ok(started >= 30 && started <= 30 + 10 / 60, `started at T+${started}h`);
  // Alertmanager would have delivered it minutes after it fired, not at the T+33h checkpoint.
  const detected = hoursAfter(incident.detectedAt, 'latency-regression');
  assert.ok(detected > started && detected < 30.5, `detected at T+${detected}h`);
  assert.deepEqual(incident.escalatedTo, ['on-call', 'incident-commander', 'engineering-lead'], 'nobody answers a backtest: every timer runs');
  assert.equal(criterion(r, 'p95-latency')?.passed, false);
  assert.ok(hoursAfter(criterion(r, 'p95-latency')!.worstAt!, 'latency-regression') >= 30);
  assert.deepEqual(r.rollbacks, [], 'latency never rolls back by itself');
});

test('a short outage rolls back at once, once', { timeout: 5 * 60_000 }, async () => {
  const r = await backtest('outage');
  assert.equal(r.outcome, 'rolled-back');
  assert.equal(r.rollbacks.length, 1);
  assert.match(r.rollbacks[0]!.reason, /GenesisServiceDown/);
  const down = r.incidents.find((i) => i.alert === 'GenesisServiceDown');
  assert.ok(down, JSON.stringify(r.incidents));
  assert.equal(down.priority, 'P0');
  const rolledBackAt = hoursAfter(r.rollbacks[0]!.at, 'outage');
  assert.ok(rolledBackAt > 10 && rolledBackAt < 10 + 5 / 60, `rolled back at T+${rolledBackAt}h, during the outage`);
  assert.ok(down.escalatedTo.includes('incident-commander'), 'P0 activates the incident commander');
  assert.ok(r.checkpoints.length < 51, 'no checks after the rollback');
});

test('a half-hour error burst that ended before the next check still fails the error-rate criterion', { timeout: 5 * 60_000 }, async () => {
  const r = await backtest('error-burst');
  const errors = criterion(r, 'error-rate');
  assert.equal(errors?.passed, false);
  const worst = hoursAfter(errors!.worstAt!, 'error-burst');
  assert.ok(worst >= 28 && worst <= 28.6, `worst window at T+${worst}h`);
  const incident = r.incidents.find((i) => i.alert === 'HighErrorRate');
  assert.ok(incident, JSON.stringify(r.incidents));
  assert.ok(hoursAfter(incident.startedAt, 'error-burst') >= 28 && hoursAfter(incident.startedAt, 'error-burst') < 28.5);
  assert.equal(r.outcome, 'extend');
  assert.deepEqual(r.rollbacks, []);
});
