// The judge against hand-built observations, with the real default plan.
import { before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { emptyHistory, judgeCheckpoint, type JudgeHistory } from '../src/plan/judge/index.js';
import { DEFAULT_PLAN_PATH, loadPlanFile } from '../src/plan/load.js';
import type { AlertObservation, CheckpointResult, CommandResult, Observation, SloReading } from '../src/plan/results.js';
import { buildSchedule, type Checkpoint } from '../src/plan/schedule.js';
import type { Plan } from '../src/plan/schema.js';

const H = 3600;
const T0 = Date.UTC(2025, 9, 20);
const iso = (hours: number): string => new Date(T0 + hours * H * 1000).toISOString();

let plan: Plan;
let schedule: Checkpoint[];
before(async () => {
  plan = await loadPlanFile(DEFAULT_PLAN_PATH);
  schedule = buildSchedule(plan);
}, { timeout: 60_000 });

function checkpointAt(hours: number): Checkpoint {
  const cp = schedule.find((c) => c.offsetSeconds === Math.round(hours * H));
  assert.ok(cp, `no checkpoint at T+${hours}h`);
  return cp;
}

function okAlerts(): AlertObservation[] {
  return plan.alerts
    .filter((a) => a.source === 'prometheus')
    .map((a) => ({ alert: a.name, priority: a.priority, state: 'ok', stillFiring: false, worst: null, breaches: [], blips: 0 }));
}

function healthySlos(): SloReading[] {
  const values: Record<string, number> = {
    'test-pass-rate': 100,
    'error-rate': 0,
    'p95-latency': 0.15,
    uptime: 100,
    'htdag-decomposition': 0.11,
    'halo-routing': 0.11,
    'aop-validation': 0.05,
    throughput: 7.6,
    cpu: 35,
    memory: 45,
    disk: 50,
  };
  const group = (id: string): SloReading['group'] =>
    plan.slos.critical.some((s) => s.id === id) ? 'critical' : plan.slos.performance.some((s) => s.id === id) ? 'performance' : 'resources';
  // Key series (critical, throughput, resources) are also read over the interval.
  return Object.entries(values).map(([id, value]) =>
    group(id) === 'performance' && id !== 'throughput' ? { id, group: group(id), value, status: 'ok' } : { id, group: group(id), value, status: 'ok', intervalWorst: value },
  );
}

function junit(id: string, passed: number, failing: string[] = [], skipped = 0): CommandResult {
  const failed = failing.length;
  const executed = passed + failed;
  return {
    id,
    ok: failed === 0,
    exitCode: failed === 0 ? 0 : 1,
    durationMs: 10,
    outputTail: '',
    tests: { passed, failed, skipped, total: executed + skipped, passRate: executed === 0 ? null : Math.round((passed / executed) * 10000) / 100, failing },
  };
}

function defaultCommand(id: string): CommandResult {
  if (id === 'production-tests') return junit(id, 20);
  if (id === 'full-suite') return junit(id, 50);
  const result: CommandResult = { id, ok: true, exitCode: 0, durationMs: 10, outputTail: 'ok\n' };
  if (id === 'log-review') result.logCounts = { errors: 0, warnings: 0 };
  return result;
}

type Patch = {
  commands?: Record<string, CommandResult>;
  alerts?: Record<string, Partial<AlertObservation>>;
  slos?: Record<string, Partial<SloReading>>;
} & Partial<Omit<Observation, 'commands' | 'alerts' | 'slos'>>;

function observe(cp: Checkpoint, patch: Patch = {}): Observation {
  const { commands = {}, alerts = {}, slos = {}, ...rest } = patch;
  return {
    commands: cp.commands.map((id) => commands[id] ?? defaultCommand(id)),
    alerts: okAlerts().map((a) => ({ ...a, ...alerts[a.alert] })),
    slos: healthySlos().map((s) => ({ ...s, ...slos[s.id] })),
    anomalies: [],
    firingInPrometheus: [],
    prometheusError: null,
    ...rest,
  };
}

interface Step {
  hours: number;
  patch?: Patch;
}

/** Judges checkpoints in order, carrying the history; returns each result. */
function run(steps: Step[], options: { plan?: Plan; history?: JudgeHistory } = {}): { results: CheckpointResult[]; history: JudgeHistory } {
  let history = options.history ?? emptyHistory();
  const results: CheckpointResult[] = [];
  let previous: string | undefined;
  for (const step of steps) {
    const checkpoint = checkpointAt(step.hours);
    const judged = judgeCheckpoint({
      plan: options.plan ?? plan,
      checkpoint,
      evaluationTime: iso(step.hours),
      intervalStart: previous ?? iso(step.hours),
      observation: observe(checkpoint, step.patch),
      history,
    });
    results.push(judged.result);
    history = judged.history;
    previous = iso(step.hours);
  }
  return { results, history };
}

const judgeOne = (hours: number, patch?: Patch, history?: JudgeHistory): CheckpointResult => run([{ hours, patch }], { history }).results[0]!;
const named = (r: CheckpointResult, alert: string) => r.findings.filter((f) => f.alert === alert);
const assertionOf = (r: CheckpointResult, name: string) => {
  const found = r.assertions.find((a) => a.assert === name);
  assert.ok(found, `no ${name} assertion in ${JSON.stringify(r.assertions)}`);
  return found;
};

describe('judgeCheckpoint', () => {
  it('passes a healthy checkpoint: no findings, every alert clear, assertions with evidence', { timeout: 60_000 }, () => {
    const result = judgeOne(0);

    assert.equal(result.health, 'healthy');
    assert.deepEqual(result.findings, []);
    assert.deepEqual(result.inconclusive, []);
    for (const a of okAlerts()) assert.ok(result.clear.includes(a.alert), `${a.alert} clear`);
    assert.ok(result.clear.includes('MonitoringBlind'));
    const up = assertionOf(result, 'all-services-up');
    assert.equal(up.passed, true);
    assert.match(up.detail, /uptime 100%.*health check passed/);
    assert.equal(assertionOf(result, 'phase-availability').passed, true);
  });

  it('makes one finding per breach, ended or still going on', { timeout: 60_000 }, () => {
    const result = judgeOne(30, {
      alerts: {
        HighLatencyP95: {
          state: 'firing',
          stillFiring: true,
          worst: 0.41,
          breaches: [
            { startedAt: iso(28), firingAt: iso(28.1), endedAt: iso(28.5), worst: 0.35 },
            { startedAt: iso(29.5), firingAt: iso(29.6), endedAt: null, worst: 0.41 },
          ],
        },
      },
    });

    const findings = named(result, 'HighLatencyP95');
    assert.equal(findings.length, 2);
    assert.deepEqual(findings.map((f) => [f.startedAt, f.endedAt]), [[iso(28), iso(28.5)], [iso(29.5), null]]);
    assert.ok(findings.every((f) => f.priority === 'P1' && f.kind === 'alert'));
    assert.equal(result.health, 'critical');
    assert.ok(!result.clear.includes('HighLatencyP95'));
  });

  it('raises GenesisServiceDown (P0) only from a real firing verdict, never from an inconclusive one', { timeout: 60_000 }, () => {
    const firing = judgeOne(1, {
      alerts: {
        GenesisServiceDown: { state: 'firing', stillFiring: true, worst: 0, breaches: [{ startedAt: iso(0.9), firingAt: iso(0.92), endedAt: null, worst: 0 }] },
      },
      slos: { uptime: { value: 0, status: 'breached', intervalWorst: 0 } },
    });
    assert.equal(named(firing, 'GenesisServiceDown')[0]?.priority, 'P0');
    assert.equal(firing.health, 'critical');

    const unknown = judgeOne(1, {
      alerts: { GenesisServiceDown: { state: 'inconclusive', reason: 'no data from … to …' } },
      slos: { uptime: { value: null, status: 'no-data' } },
    });
    assert.deepEqual(unknown.findings.filter((f) => f.priority === 'P0'), []);
    assert.equal(unknown.health, 'blind');
    assert.deepEqual(unknown.inconclusive, ['GenesisServiceDown']);
    assert.ok(!unknown.clear.includes('GenesisServiceDown'));
    assert.equal(assertionOf(unknown, 'no-critical-alerts').passed, false);
  });

  it('never passes while Prometheus is down, and raises MonitoringBlind at the plan’s count', { timeout: 60_000 }, () => {
    const down: Patch = {
      prometheusError: 'http://127.0.0.1:9/api/v1/query_range: ECONNREFUSED (after 3 attempts)',
      alerts: Object.fromEntries(okAlerts().map((a) => [a.alert, { state: 'inconclusive' as const, reason: 'PrometheusUnavailableError' }])),
      slos: Object.fromEntries(healthySlos().map((s) => [s.id, { value: null, status: 'no-data' as const, intervalWorst: null }])),
    };
    const { results, history } = run([{ hours: 1, patch: down }, { hours: 1.25, patch: down }, { hours: 1.5, patch: down }, { hours: 1.75 }]);
    const [first, second, third, recovered] = results;

    assert.equal(first!.health, 'blind');
    assert.deepEqual(named(first!, 'MonitoringBlind'), []);
    assert.equal(first!.clear.length > 0 && first!.clear.some((n) => okAlerts().some((a) => a.alert === n)), false);
    const blind = named(second!, 'MonitoringBlind');
    assert.equal(blind.length, 1);
    assert.equal(blind[0]!.priority, 'P1');
    assert.equal(blind[0]!.startedAt, iso(1));
    assert.equal(blind[0]!.endedAt, null);
    assert.match(blind[0]!.summary, /Prometheus unavailable/);
    // Nothing is known to be wrong with the service: blind, not critical (so never "passed" either).
    assert.equal(second!.health, 'blind');
    assert.equal(named(third!, 'MonitoringBlind')[0]?.evidence.consecutive, 3);
    assert.equal(recovered!.health, 'healthy');
    assert.ok(recovered!.clear.includes('MonitoringBlind'));
    assert.equal(history.inconclusiveStreak, 0);
  });

  it('judges its own JUnit runs with the plan’s TestPassRateLow and TestPassRateDegrading rules', { timeout: 60_000 }, () => {
    const low = judgeOne(0.5, { commands: { 'production-tests': junit('production-tests', 18, ['tests.t::test_db', 'tests.t::test_cache']) } });
    const [finding] = named(low, 'TestPassRateLow');
    assert.equal(finding?.priority, 'P1');
    assert.equal(finding?.worst, 90);
    assert.match(finding?.summary ?? '', /90%.*test_db, tests\.t::test_cache/);
    assert.equal(finding?.evidence.failing, 'tests.t::test_db, tests.t::test_cache');
    assert.deepEqual(named(low, 'TestPassRateDegrading'), []);
    // Below the seed's 95%: straight to the incident commander too.
    const [trigger] = named(low, 'PassRateBelow95');
    assert.equal(trigger?.kind, 'trigger');
    assert.equal(trigger?.straightToCommander, true);

    const degrading = judgeOne(0.5, { commands: { 'production-tests': junit('production-tests', 197, ['tests.t::test_slow', 'tests.t::test_db']) } });
    assert.equal(named(degrading, 'TestPassRateDegrading')[0]?.priority, 'P2');
    assert.deepEqual(named(degrading, 'TestPassRateLow'), []);
    assert.ok(degrading.clear.includes('TestPassRateLow'));
    assert.ok(!degrading.clear.includes('TestPassRateDegrading'));
  });

  it('takes the pass-rate threshold from the plan, which stays the authority', { timeout: 60_000 }, () => {
    const lenient: Plan = { ...plan, alerts: plan.alerts.map((a) => (a.name === 'TestPassRateLow' ? { ...a, threshold: 90 } : a)) };
    const { results } = run([{ hours: 0.5, patch: { commands: { 'production-tests': junit('production-tests', 19, ['t::a']) } } }], { plan: lenient });

    assert.deepEqual(named(results[0]!, 'TestPassRateLow'), []);
    assert.equal(named(results[0]!, 'TestPassRateDegrading').length, 1);
  });

  it('raises TestSuiteNotRunning only when a scheduled run has produced nothing for its grace period', { timeout: 60_000 }, () => {
    const broken = { id: 'production-tests', ok: false, exitCode: null, durationMs: 5, outputTail: '', error: 'spawn pytest ENOENT' };
    const { results } = run([
      { hours: 0.75 },
      { hours: 1, patch: { commands: { 'production-tests': broken } } },
      { hours: 1.25, patch: { commands: { 'production-tests': broken } } },
      { hours: 1.5 },
    ]);

    assert.deepEqual(named(results[1]!, 'TestSuiteNotRunning'), [], 'one missed run is within the 15-minute grace');
    const [late] = named(results[2]!, 'TestSuiteNotRunning');
    assert.equal(late?.priority, 'P1');
    assert.equal(late?.startedAt, iso(1));
    assert.match(late?.summary ?? '', /ENOENT/);
    assert.deepEqual(named(results[3]!, 'TestSuiteNotRunning'), []);
    assert.ok(results[3]!.clear.includes('TestSuiteNotRunning'));
  });

  it('never raises TestSuiteNotRunning between the runs of a 6-hourly suite, and does when one is missed', { timeout: 60_000 }, () => {
    const noReport = { id: 'full-suite', ok: false, exitCode: 0, durationMs: 5, outputTail: '', error: 'no usable JUnit report: ENOENT' };
    const hours = [12, 13, 14, 15, 16, 17, 18, 19, 20];
    const { results } = run(hours.map((h) => ({ hours: h, patch: h === 18 ? { commands: { 'full-suite': noReport } } : {} })));

    hours.slice(0, 7).forEach((h, i) => assert.deepEqual(named(results[i]!, 'TestSuiteNotRunning'), [], `T+${h}h`));
    const [missed] = named(results[7]!, 'TestSuiteNotRunning');
    assert.equal(missed?.startedAt, iso(18));
    assert.equal(missed?.evidence.lastResultsAt, iso(12));
    assert.equal(named(results[8]!, 'TestSuiteNotRunning').length, 1, 'still overdue until the suite runs again');
  });

  it('reports a missed last run of a suite the next phase no longer runs once', { timeout: 60_000 }, () => {
    const broken = { id: 'production-tests', ok: false, exitCode: 2, durationMs: 5, outputTail: '', error: 'timed out after 900s' };
    const { results } = run([{ hours: 5.75 }, { hours: 6, patch: { commands: { 'production-tests': broken } } }, { hours: 7 }, { hours: 8 }]);

    assert.equal(named(results[2]!, 'TestSuiteNotRunning').length, 1);
    assert.deepEqual(named(results[3]!, 'TestSuiteNotRunning'), []);
  });

  it('raises IntermittentTestFailures (P4) for a flapping or known-flaky test failing too often in 24 h', { timeout: 60_000 }, () => {
    const flaky: Plan = { ...plan, knownFlakyTests: ['test_known_flaky'] };
    const steps: Step[] = [0, 0.25, 0.5, 0.75, 1, 1.25, 1.5].map((hours, i) => {
      const failing = [...(i % 2 === 0 ? ['tests.p::test_flapping'] : []), 'tests.p::test_always_broken'];
      if (i >= 2 && i <= 5) failing.push('tests.p::test_known_flaky');
      return { hours, patch: { commands: { 'production-tests': junit('production-tests', 200 - failing.length, failing) } } };
    });
    const { results, history } = run(steps, { plan: flaky });

    const findings = results.map((r) => named(r, 'IntermittentTestFailures'));
    // test_flapping fails at runs 0, 2, 4, 6: the 4th failure (> 3 per day) is at T+1.5h.
    // test_known_flaky fails at runs 2..5: the 4th at T+1.25h.
    assert.deepEqual(findings.map((f) => f.length), [0, 0, 0, 0, 0, 1, 1]);
    assert.equal(findings[5]![0]!.priority, 'P4');
    assert.match(findings[5]![0]!.summary, /test_known_flaky ×4/);
    assert.match(findings[6]![0]!.summary, /test_flapping ×4/);
    assert.doesNotMatch(findings[6]![0]!.summary, /test_always_broken/, 'broken every time is a regression, not flakiness');
    assert.equal(results[6]!.health, 'degraded', 'P4 alone does not make it critical (the other failing tests do degrade it)');
    assert.ok(history.testOutcomes.length <= 20);
  });

  it('keeps the test history bounded however many tests fail', { timeout: 60_000 }, () => {
    const many = Array.from({ length: 20 }, (_, i) => `tests.p::test_${i}`);
    const steps: Step[] = Array.from({ length: 24 }, (_, i) => ({
      hours: (i + 1) * 0.25,
      patch: { commands: { 'production-tests': junit('production-tests', 100, many.map((t) => `${t}_${i}`)) } },
    }));
    const { history } = run(steps);

    assert.equal(history.testOutcomes.length, 20);
    assert.ok(JSON.stringify(history).length < 8000, `${JSON.stringify(history).length} bytes`);
  });

  it('treats a failing health check as the service’s problem and one that cannot run as blindness', { timeout: 60_000 }, () => {
    const failing = judgeOne(0.25, { commands: { 'health-check': { id: 'health-check', ok: false, exitCode: 1, durationMs: 5, outputTail: 'db: FAIL\n' } } });
    assert.equal(named(failing, 'HealthCheckFailed')[0]?.priority, 'P1');
    assert.match(named(failing, 'HealthCheckFailed')[0]!.summary, /db: FAIL/);
    assert.equal(assertionOf(failing, 'health-check-pass').passed, false);
    assert.equal(failing.health, 'critical');

    const missing = { id: 'health-check', ok: false, exitCode: null, durationMs: 1, outputTail: '', error: 'spawn /x/health_check.sh ENOENT' };
    const { results } = run([{ hours: 0.25, patch: { commands: { 'health-check': missing } } }, { hours: 0.5, patch: { commands: { 'health-check': missing } } }]);
    assert.deepEqual(named(results[0]!, 'HealthCheckFailed'), []);
    assert.ok(results[0]!.inconclusive.includes('HealthCheckFailed'));
    assert.equal(results[0]!.health, 'blind');
    assert.match(named(results[1]!, 'MonitoringBlind')[0]?.summary ?? '', /health check could not run/);
  });

  it('turns log review counts over the plan’s limits into a LogErrors finding (P3)', { timeout: 60_000 }, () => {
    const review = (errors: number, warnings: number): CommandResult => ({
      id: 'log-review',
      ok: true,
      exitCode: 0,
      durationMs: 5,
      outputTail: '',
      logCounts: { errors, warnings },
    });
    const noisy = judgeOne(0.5, { commands: { 'log-review': review(3, 10) } });
    const [finding] = named(noisy, 'LogErrors');
    assert.equal(finding?.priority, 'P3');
    assert.equal(finding?.startedAt, iso(0.5));
    assert.match(finding?.summary ?? '', /3 errors \(max 0\), 10 warnings \(max 50\)/);
    assert.equal(noisy.health, 'degraded');

    const quiet = judgeOne(0.5, { commands: { 'log-review': review(0, 50) } });
    assert.ok(quiet.clear.includes('LogErrors'));
  });

  it('reports a query Prometheus rejects as a plan error at once, not as blindness', { timeout: 60_000 }, () => {
    const result = judgeOne(0.5, {
      alerts: { HighErrorRate: { state: 'inconclusive', planError: true, reason: "PrometheusQueryError: Prometheus rejected \"…\": execution: many-to-many matching not allowed" } },
    });

    const [finding] = named(result, 'PlanQueryError');
    assert.equal(finding?.priority, 'P1');
    assert.match(finding?.summary ?? '', /HighErrorRate.*many-to-many/);
    assert.deepEqual(named(result, 'MonitoringBlind'), []);
    assert.ok(result.inconclusive.includes('HighErrorRate'));
  });

  it('computes the manual-escalation triggers: multiple P1 alerts within the hour', { timeout: 60_000 }, () => {
    const firing = (hours: number) => ({
      state: 'firing' as const,
      stillFiring: false,
      worst: 1,
      breaches: [{ startedAt: iso(hours - 0.2), firingAt: iso(hours - 0.15), endedAt: iso(hours - 0.05), worst: 1 }],
    });
    const { results } = run([
      { hours: 1, patch: { alerts: { HighErrorRate: firing(1) } } },
      { hours: 1.5, patch: { alerts: { HighLatencyP95: firing(1.5) } } },
      { hours: 3 },
      { hours: 3.25, patch: { alerts: { HighLatencyP95: firing(3.25) } } },
    ]);

    assert.deepEqual(named(results[0]!, 'MultipleP1Alerts'), []);
    const [trigger] = named(results[1]!, 'MultipleP1Alerts');
    assert.equal(trigger?.kind, 'trigger');
    assert.equal(trigger?.priority, 'P1');
    assert.equal(trigger?.straightToCommander, true);
    assert.match(trigger?.summary ?? '', /HighErrorRate, HighLatencyP95/);
    assert.deepEqual(named(results[3]!, 'MultipleP1Alerts'), [], 'the first ones are outside the hour');
  });

  it('computes the manual-escalation triggers: error ratio, availability, pass rate from readings and verdicts', { timeout: 60_000 }, () => {
    const result = judgeOne(2, {
      slos: { 'error-rate': { value: 0.02, status: 'breached' }, uptime: { value: 98, status: 'breached', intervalWorst: 90 } },
    });
    assert.equal(named(result, 'ErrorRateAbove1Percent')[0]?.endedAt, null);
    assert.equal(named(result, 'AvailabilityBelow99')[0]?.worst, 98);

    // A spike seen only by the alert over the interval, already over: a notice (endedAt set).
    const past = judgeOne(2, {
      alerts: {
        HighErrorRate: { state: 'firing', worst: 0.03, breaches: [{ startedAt: iso(1.8), firingAt: iso(1.83), endedAt: iso(1.9), worst: 0.03 }] },
      },
    });
    const [error] = named(past, 'ErrorRateAbove1Percent');
    assert.equal(error?.startedAt, iso(1.8));
    assert.equal(error?.endedAt, iso(1.9));

    const passRate = judgeOne(2, { alerts: { TestPassRateLow: { state: 'ok', worst: 94, blips: 1 } } });
    assert.equal(named(passRate, 'PassRateBelow95')[0]?.endedAt, iso(2), 'a blip: over by the evaluation time');
    assert.deepEqual(named(passRate, 'TestPassRateLow'), [], 'a blip shorter than `for` is no finding…');
    assert.ok(!passRate.clear.includes('TestPassRateLow'), '…but the interval was not clear');
    const pending = judgeOne(2, { alerts: { HighLatencyP95: { state: 'ok', worst: 0.3, pendingSince: iso(1.95) } } });
    assert.ok(!pending.clear.includes('HighLatencyP95'), 'a breach shorter than `for` so far is not clear');
  });

  it('escalates unusual patterns only in the direction that hurts (or oscillation)', { timeout: 60_000 }, () => {
    const pattern = (series: string, kind: 'spike' | 'drop' | 'oscillation') => ({ series, kind, at: iso(1.9), endedAt: null, value: 1, median: 0, score: 9 });
    const good = judgeOne(2, { anomalies: [pattern('error-rate', 'drop'), pattern('throughput', 'spike')] });
    assert.deepEqual(named(good, 'UnusualMetricPattern'), []);
    assert.ok(good.clear.includes('UnusualMetricPattern'));

    const bad = judgeOne(2, { anomalies: [pattern('throughput', 'drop'), pattern('p95-latency', 'oscillation')] });
    const [trigger] = named(bad, 'UnusualMetricPattern');
    assert.equal(trigger?.straightToCommander, true);
    assert.match(trigger?.summary ?? '', /throughput drop.*p95-latency oscillation/);
    // Resource anomalies also fail the T+2h assertion.
    const resources = judgeOne(2, { anomalies: [pattern('memory', 'spike')] });
    assert.equal(assertionOf(resources, 'resource-usage-stable').passed, false);
  });

  it('checks the checklist assertions with evidence', { timeout: 60_000 }, () => {
    const resource = judgeOne(2, { slos: { cpu: { value: 70, status: 'ok', intervalWorst: 85 } } });
    const stable = assertionOf(resource, 'resource-usage-stable');
    assert.equal(stable.passed, false, 'a CPU peak over warning between checks is not stable');
    assert.match(stable.detail, /cpu 70% \(ok, worst 85% over the interval\)/);

    const perf = judgeOne(3, { slos: { 'halo-routing': { value: 0.145, status: 'warning' } } });
    assert.equal(assertionOf(perf, 'performance-within-slo').passed, false);
    assert.match(assertionOf(perf, 'performance-within-slo').detail, /halo-routing 0\.145 \(warning\)/);

    const load = judgeOne(5, { slos: { throughput: { value: 5, status: 'warning' } } });
    assert.equal(assertionOf(load, 'stable-under-load').passed, false);
    assert.equal(load.health, 'degraded');

    const availability = judgeOne(4.5, { slos: { uptime: { value: 100, status: 'ok', intervalWorst: 99.5 } } });
    assert.equal(assertionOf(availability, 'phase-availability').passed, false, 'phase 1 demands 100% over the whole interval');
    assert.equal(judgeOne(7).assertions.some((a) => a.assert === 'phase-availability'), false, 'only phase 1 demands 100%');
  });

  it('compares test runs with the T+0 baseline for no-test-regressions', { timeout: 60_000 }, () => {
    const steps: Step[] = [0, 0.25, 0.5, 0.75, 1, 1.25, 1.5, 1.75, 2, 2.25, 2.5, 2.75, 3, 3.25, 3.5, 3.75, 4].map((hours) => ({
      hours,
      patch: {
        commands: {
          'production-tests': junit('production-tests', 18, hours === 4 ? ['t::known_bad', 't::new_bad'] : ['t::known_bad']),
        },
      },
    }));
    const { results } = run(steps);

    const regression = assertionOf(results.at(-1)!, 'no-test-regressions');
    assert.equal(regression.passed, false);
    assert.match(regression.detail, /new failures: t::new_bad/);
    assert.doesNotMatch(regression.detail, /new failures: .*known_bad/);

    const none = run(steps.map((s) => ({ hours: s.hours }))).results.at(-1)!;
    assert.equal(assertionOf(none, 'no-test-regressions').passed, true);
  });

  it('writes reviews from the window so far', { timeout: 60_000 }, () => {
    const hours = [0, 0.25, 0.5, 0.75, 1];
    const { results } = run(hours.map((h) => ({ hours: h, patch: h === 0.5 ? { commands: { 'log-review': { id: 'log-review', ok: true, exitCode: 0, durationMs: 1, outputTail: '', logCounts: { errors: 2, warnings: 0 } } } } : {} })));

    const review = assertionOf(results.at(-1)!, 'review');
    assert.equal(review.passed, true);
    assert.match(review.detail, /hourly-summary of the window before this checkpoint: 4 checkpoints since 2025-10-20T00:00:00\.000Z \(3 healthy, 1 degraded, 0 critical, 0 blind\); findings: LogErrors/);
    assert.equal(assertionOf(results.at(-1)!, 'no-critical-alerts').passed, true);
  });

  it('orders health: critical over blind over degraded', { timeout: 60_000 }, () => {
    const both = judgeOne(1, {
      alerts: {
        HighErrorRate: { state: 'firing', stillFiring: true, breaches: [{ startedAt: iso(0.9), firingAt: iso(0.93), endedAt: null, worst: 0.004 }] },
        HighLatencyP95: { state: 'inconclusive', reason: 'no data' },
      },
    });
    assert.equal(both.health, 'critical');
    const blindAndWarn = judgeOne(1, {
      alerts: {
        HighCPUUsage: { state: 'firing', stillFiring: true, breaches: [{ startedAt: iso(0.9), firingAt: iso(0.95), endedAt: null, worst: 85 }] },
        HighLatencyP95: { state: 'inconclusive', reason: 'no data' },
      },
    });
    assert.equal(blindAndWarn.health, 'blind');
    const ended = judgeOne(1, {
      alerts: { HighCPUUsage: { state: 'firing', breaches: [{ startedAt: iso(0.8), firingAt: iso(0.85), endedAt: iso(0.9), worst: 85 }] } },
    });
    assert.equal(ended.health, 'degraded');
    const notCritical = judgeOne(1, { alerts: { HighCPUUsage: { state: 'inconclusive', reason: 'no data' } } });
    assert.equal(notCritical.health, 'degraded', 'blind to a P2 alert only: degraded, not blind');
  });

  it('is pure: the input history is not changed, and an older history shape is accepted', { timeout: 60_000 }, () => {
    const history = { inconclusiveStreak: 1 } as JudgeHistory;
    const before = JSON.stringify(history);
    const result = judgeOne(0.25, { prometheusError: 'down', alerts: { HighErrorRate: { state: 'inconclusive' } } }, history);

    assert.equal(JSON.stringify(history), before);
    assert.equal(named(result, 'MonitoringBlind').length, 1);
  });

  it('keeps the carried history small over the whole 48-hour window', { timeout: 60_000 }, () => {
    const { results, history } = run(schedule.map((c) => ({ hours: c.offsetSeconds / H })));

    assert.ok(results.every((r) => r.health === 'healthy'), JSON.stringify(results.find((r) => r.health !== 'healthy')));
    assert.ok(JSON.stringify(history).length < 2000, `${JSON.stringify(history).length} bytes`);
    assert.equal(history.window.checkpoints, 51);
  });
});
