// The checkpoint activity against real components: Prometheus (backfilled with promtool), the
// Pushgateway, real commands and real pytest. Each observation is then judged as the workflow does.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { join, resolve } from 'node:path';
import { MockActivityEnvironment } from '@temporalio/testing';
import pino from 'pino';
import { request } from 'undici';
import { createCheckpointActivity, type CheckpointInput } from '../src/activities/checkpoint.js';
import { createPrometheusClient } from '../src/activities/prometheus.js';
import { emptyHistory, judgeCheckpoint, type JudgeHistory } from '../src/plan/judge/index.js';
import { DEFAULT_PLAN_PATH, loadPlanFile } from '../src/plan/load.js';
import type { CheckpointResult, Observation } from '../src/plan/results.js';
import { buildSchedule, type Checkpoint } from '../src/plan/schedule.js';
import type { AlertRule, CommandSpec, Plan } from '../src/plan/schema.js';
import { genesisHistory, type GenesisHistoryOptions } from './support/genesis-history.js';
import { waitFor } from './support/harness.js';
import { withFixtureCommands } from './support/plans.js';
import {
  freePort,
  openMetrics,
  startMetricsTarget,
  startPrometheus,
  startPushgateway,
  type RunningPrometheus,
  type RunningPushgateway,
} from './support/prometheus.js';

const H = 3600;
const M = 60;
const STEP = 15;
/** Deployment time (T+0) of every scenario. */
const T0 = Date.UTC(2025, 9, 20) / 1000;
const iso = (offsetSec: number): string => new Date((T0 + offsetSec) * 1000).toISOString();
const sec = (isoTime: string): number => Date.parse(isoTime) / 1000 - T0;
const within = (from: number, to: number) => (t: number) => t >= T0 + from && t < T0 + to;
const FIXTURES = resolve(__dirname, 'fixtures', 'bin');
const EXAMPLE = resolve(__dirname, '..', 'examples', 'genesis-service');
const logger = pino({ level: 'silent' });

let plan: Plan;
let activity: ReturnType<typeof createCheckpointActivity>;

/**
 * One hour-long slot per Prometheus alert of the default plan, starting at T+1h: from slot+10m its
 * condition holds well past its `for`; from slot+45m a blip breaches the *expression* for less
 * than `for`. The plan's 5m rate windows stretch a raw burst by up to 5 minutes, so each blip is
 * shaped to keep the expression over the threshold for less than `for` (worked out per rule).
 */
interface Scenario {
  alert: string;
  fire: { minutes: number; history: (inFire: (t: number) => boolean) => GenesisHistoryOptions };
  blip: { seconds: number; history: (inBlip: (t: number) => boolean) => GenesisHistoryOptions };
}

type Shape = Omit<GenesisHistoryOptions, 'fromSec' | 'toSec' | 'stepSec'>;
const shape = (s: Shape) => s as GenesisHistoryOptions;

const SCENARIOS: Scenario[] = [
  {
    alert: 'TestPassRateLow',
    fire: { minutes: 12, history: (on) => shape({ passRatePercent: (t) => (on(t) ? 95 : 100) }) },
    blip: { seconds: 3 * M, history: (on) => shape({ passRatePercent: (t) => (on(t) ? 95 : 100) }) },
  },
  {
    alert: 'TestPassRateDegrading',
    fire: { minutes: 15, history: (on) => shape({ passRatePercent: (t) => (on(t) ? 98.5 : 100) }) },
    blip: { seconds: 5 * M, history: (on) => shape({ passRatePercent: (t) => (on(t) ? 98.5 : 100) }) },
  },
  {
    // With both counters sampled together, the 5m ratio is (errors in window) / (operations in
    // window): 14 steps at 0.145% errors read 0.1015% only while all 14 are inside the window
    // (7 samples, 1m30s < 2m), and 13 of them read 0.094%.
    alert: 'HighErrorRate',
    fire: { minutes: 10, history: (on) => shape({ errorRatio: (t) => (on(t) ? 0.05 : 0) }) },
    blip: { seconds: 14 * STEP, history: (on) => shape({ errorRatio: (t) => (on(t) ? 0.00145 : 0) }) },
  },
  {
    // One slow step is inside the 5m window for 20 samples: 4m45s over 200 ms, short of 5m.
    alert: 'HighLatencyP95',
    fire: { minutes: 15, history: (on) => shape({ p95Seconds: (t) => (on(t) ? 0.35 : 0.15) }) },
    blip: { seconds: STEP, history: (on) => shape({ p95Seconds: (t) => (on(t) ? 2 : 0.15) }) },
  },
  {
    alert: 'HTDAGDecompositionSlow',
    fire: { minutes: 20, history: (on) => shape({ htdagMeanSeconds: (t) => (on(t) ? 0.2 : 0.11) }) },
    blip: { seconds: 2 * M, history: (on) => shape({ htdagMeanSeconds: (t) => (on(t) ? 0.5 : 0.11) }) },
  },
  {
    alert: 'HALORoutingSlow',
    fire: { minutes: 20, history: (on) => shape({ haloMeanSeconds: (t) => (on(t) ? 0.2 : 0.11) }) },
    blip: { seconds: 2 * M, history: (on) => shape({ haloMeanSeconds: (t) => (on(t) ? 0.5 : 0.11) }) },
  },
  {
    // Six minutes fully busy keep the 5m average over 80% for about 4.5 minutes.
    alert: 'HighCPUUsage',
    fire: { minutes: 20, history: (on) => shape({ cpuBusy: (t) => (on(t) ? 0.95 : 0.35) }) },
    blip: { seconds: 6 * M, history: (on) => shape({ cpuBusy: (t) => (on(t) ? 1 : 0.35) }) },
  },
  {
    alert: 'HighMemoryUsage',
    fire: { minutes: 15, history: (on) => shape({ memoryUsed: (t) => (on(t) ? 0.9 : 0.45) }) },
    blip: { seconds: 5 * M, history: (on) => shape({ memoryUsed: (t) => (on(t) ? 0.9 : 0.45) }) },
  },
  {
    alert: 'GenesisServiceDown',
    fire: { minutes: 3, history: (on) => shape({ up: (t) => (on(t) ? 0 : 1) }) },
    blip: { seconds: 30, history: (on) => shape({ up: (t) => (on(t) ? 0 : 1) }) },
  },
];

const slotStart = (i: number): number => (1 + i) * H;
const FIRE_AT = 10 * M;
const BLIP_AT = 45 * M;

/** The scenarios' histories, merged: each option function switches on only inside its own slot. */
function scenarioHistory(): GenesisHistoryOptions {
  const merged: Record<string, (t: number) => number> = {};
  SCENARIOS.forEach((s, i) => {
    const fireOn = within(slotStart(i) + FIRE_AT, slotStart(i) + FIRE_AT + s.fire.minutes * M);
    const blipOn = within(slotStart(i) + BLIP_AT, slotStart(i) + BLIP_AT + s.blip.seconds);
    const inSlot = within(slotStart(i), slotStart(i + 1));
    for (const options of [s.fire.history(fireOn), s.blip.history(blipOn)]) {
      for (const [key, fn] of Object.entries(options) as Array<[string, (t: number) => number]>) {
        const previous = merged[key];
        const defaultValue = fn(-1);
        merged[key] = (t) => (inSlot(t) && fn(t) !== defaultValue ? fn(t) : previous ? previous(t) : defaultValue);
      }
    }
  });
  return { fromSec: T0 - H, toSec: T0 + 11 * H, stepSec: STEP, ...merged };
}

/**
 * Passive phase: a 30-minute P95 latency breach at T+28h, between the T+27h and T+30h checks.
 */
function passiveHistory(): GenesisHistoryOptions {
  const slow = within(28 * H, 28 * H + 30 * M);
  return { fromSec: T0 + 26 * H, toSec: T0 + 31 * H, stepSec: STEP, p95Seconds: (t) => (slow(t) ? 0.35 : 0.15) };
}

function checkpointFor(offsetSec: number, phaseId: string, commands: string[] = []): Checkpoint {
  return { index: 1, offsetSeconds: offsetSec, phaseId, label: `T+${offsetSec / H}h ${phaseId} check`, title: 'test', commands, asserts: [] };
}

function inputFor(p: Plan, checkpoint: Checkpoint, fromSec: number, overrides: Partial<CheckpointInput> = {}): CheckpointInput {
  return {
    deploymentId: 'checks-test',
    service: p.service,
    checkpoint: { index: checkpoint.index, label: checkpoint.label, offsetSeconds: checkpoint.offsetSeconds, phaseId: checkpoint.phaseId },
    evaluationTime: iso(checkpoint.offsetSeconds),
    intervalStart: iso(fromSec),
    commands: Object.fromEntries(checkpoint.commands.map((id) => [id, p.commands[id]!])),
    prometheus: p.prometheus,
    alerts: p.alerts.filter((a) => a.source === 'prometheus'),
    slos: p.slos,
    logReview: p.logReview,
    ...overrides,
  };
}

async function observe(input: CheckpointInput, run = activity): Promise<Observation> {
  return await new MockActivityEnvironment().run(run, input);
}

function judge(p: Plan, checkpoint: Checkpoint, input: CheckpointInput, observation: Observation, history: JudgeHistory = emptyHistory()) {
  return judgeCheckpoint({ plan: p, checkpoint, evaluationTime: input.evaluationTime, intervalStart: input.intervalStart, observation, history });
}

const findingsOf = (result: CheckpointResult, alert: string) => result.findings.filter((f) => f.alert === alert);

before(async () => {
  plan = await loadPlanFile(DEFAULT_PLAN_PATH);
  activity = createCheckpointActivity({ logger });
}, { timeout: 3 * 60_000 });

describe('alerts of the default plan against real Prometheus', () => {
  let prometheus: RunningPrometheus | undefined;
  let p: Plan;

  before(async () => {
    prometheus = await startPrometheus({ history: [openMetrics(genesisHistory(scenarioHistory())), openMetrics(genesisHistory(passiveHistory()))] });
    p = { ...plan, prometheus: { ...plan.prometheus, url: prometheus.url } };
  });
  after(async () => {
    await prometheus?.stop();
  });

  for (const [i, scenario] of SCENARIOS.entries()) {
    it(`${scenario.alert} fires when its condition holds for its for-duration, and not for a shorter blip`, { timeout: 3 * 60_000 }, async () => {
      const rule = plan.alerts.find((a) => a.name === scenario.alert)!;
      const slot = slotStart(i);

      const fireCheckpoint = checkpointFor(slot + 40 * M, 'passive');
      const fireInput = inputFor(p, fireCheckpoint, slot);
      const fired = await observe(fireInput);
      const firedVerdict = fired.alerts.find((a) => a.alert === scenario.alert)!;
      assert.equal(firedVerdict.state, 'firing', `${scenario.alert}: ${JSON.stringify(firedVerdict)}`);
      const judged = judge(p, fireCheckpoint, fireInput, fired).result;
      const [finding] = findingsOf(judged, scenario.alert);
      assert.ok(finding, `${scenario.alert} finding`);
      assert.equal(finding.priority, rule.priority);
      assert.ok(Math.abs(sec(finding.startedAt!) - (slot + FIRE_AT)) <= 6 * M, `${scenario.alert} started ${finding.startedAt}`);

      const blipCheckpoint = checkpointFor(slot + H, 'passive');
      const blipInput = inputFor(p, blipCheckpoint, slot + 40 * M);
      const blipped = await observe(blipInput);
      const blipVerdict = blipped.alerts.find((a) => a.alert === scenario.alert)!;
      assert.equal(blipVerdict.state, 'ok', `${scenario.alert}: ${JSON.stringify(blipVerdict)}`);
      assert.ok(blipVerdict.blips >= 1, `${scenario.alert} saw the blip: ${JSON.stringify(blipVerdict)}`);
      const judgedBlip = judge(p, blipCheckpoint, blipInput, blipped).result;
      assert.deepEqual(findingsOf(judgedBlip, scenario.alert), []);
      assert.ok(!judgedBlip.clear.includes(scenario.alert), 'a blip is no finding, but the interval was not clear either');
    });
  }

  it('finds a 30-minute breach between two passive-phase checks with its start and end', { timeout: 3 * 60_000 }, async () => {
    const fixture = { ...withFixtureCommands(p), prometheus: p.prometheus };
    const schedule = buildSchedule(fixture);
    const checkpoint = schedule.find((c) => c.offsetSeconds === 30 * H)!;
    const previous = schedule[checkpoint.index - 1]!;
    assert.equal(previous.offsetSeconds, 27 * H);
    const input = inputFor(fixture, checkpoint, previous.offsetSeconds);

    const observation = await observe(input);
    const { result } = judge(fixture, checkpoint, input, observation);

    const [breach, ...others] = findingsOf(result, 'HighLatencyP95');
    assert.equal(others.length, 0);
    assert.ok(breach);
    assert.ok(Math.abs(sec(breach.startedAt!) - 28 * H) <= STEP, `started ${breach.startedAt}`);
    assert.ok(breach.endedAt !== null, 'the breach is over');
    // The 5m rate window keeps slow requests visible for up to 5 minutes after the last one.
    const end = sec(breach.endedAt);
    assert.ok(end >= 28 * H + 30 * M && end <= 28 * H + 35 * M + STEP, `ended ${breach.endedAt}`);
    assert.ok((breach.worst ?? 0) > 0.2);
    assert.ok(!result.clear.includes('HighLatencyP95'));
    assert.notEqual(result.health, 'healthy');
    // Every other alert was judged over the whole three hours.
    assert.deepEqual(result.inconclusive, []);
    assert.deepEqual(result.slos.find((s) => s.id === 'p95-latency')?.status, 'ok', 'the reading at T+30h is fine again');
    assert.ok(observation.commands.every((c) => c.ok));
  });

  it('keeps each checkpoint’s observation small for the default plan', { timeout: 3 * 60_000 }, async () => {
    const fixture = { ...withFixtureCommands(p), prometheus: p.prometheus };
    const checkpoint = buildSchedule(fixture).find((c) => c.offsetSeconds === 3.25 * H)!;
    const input = inputFor(fixture, checkpoint, checkpoint.offsetSeconds - 15 * M);

    const observation = await observe(input);

    // T+3.25h sits in the HighErrorRate slot: a breach and an unusual pattern are in it.
    assert.ok(observation.alerts.some((a) => a.state === 'firing'));
    assert.ok(JSON.stringify(observation).length <= 4096, `${JSON.stringify(observation).length} bytes`);
  });

  it('reads every SLO row at the evaluation time, with phase targets and the interval’s worst', { timeout: 3 * 60_000 }, async () => {
    const checkpoint = checkpointFor(slotStart(8) + FIRE_AT + 2 * M, 'intensive');
    const input = inputFor(p, checkpoint, checkpoint.offsetSeconds - 15 * M);

    const { slos } = await observe(input);

    assert.equal(slos.length, plan.slos.critical.length + plan.slos.performance.length + plan.slos.resources.length);
    const uptime = slos.find((s) => s.id === 'uptime')!;
    assert.equal(uptime.value, 0);
    assert.equal(uptime.status, 'breached');
    assert.equal(uptime.intervalWorst, 0);
    assert.equal(slos.find((s) => s.id === 'cpu')?.status, 'ok');
    assert.equal(slos.find((s) => s.id === 'halo-routing')?.intervalWorst, undefined, 'only key series are read over the interval');
  });
});

describe('when Prometheus cannot be asked', () => {
  it('is inconclusive, never a pass, and raises MonitoringBlind after consecutive checks', { timeout: 3 * 60_000 }, async () => {
    const port = await freePort();
    const p = { ...withFixtureCommands(plan), prometheus: { ...plan.prometheus, url: `http://127.0.0.1:${port}` } };
    const quick = createCheckpointActivity({ logger, prometheusClient: (url) => createPrometheusClient({ baseUrl: url, backoffMs: 10 }) });
    const schedule = buildSchedule(p);
    let history = emptyHistory();
    const results: CheckpointResult[] = [];
    for (const checkpoint of schedule.slice(1, 3)) {
      const input = inputFor(p, checkpoint, checkpoint.offsetSeconds - 15 * M);
      const observation = await observe(input, quick);
      assert.match(observation.prometheusError ?? '', /ECONNREFUSED/);
      const judged = judge(p, checkpoint, input, observation, history);
      history = judged.history;
      results.push(judged.result);
    }
    const [first, second] = results;

    assert.equal(first!.health, 'blind');
    assert.deepEqual(first!.clear.filter((name) => plan.alerts.some((a) => a.name === name && a.source === 'prometheus')), []);
    assert.equal(first!.inconclusive.length, plan.alerts.filter((a) => a.source === 'prometheus').length + 0);
    assert.ok(first!.slos.every((s) => s.status === 'no-data'));
    assert.deepEqual(first!.findings.filter((f) => f.alert === 'GenesisServiceDown'), []);
    const [blind] = findingsOf(second!, 'MonitoringBlind');
    assert.ok(blind);
    assert.equal(blind.priority, 'P1');
    assert.equal(blind.evidence.consecutive, 2);
    assert.notEqual(second!.health, 'healthy');
  });

  it('reports invalid PromQL that reaches Prometheus as a plan error, and judges the rest', { timeout: 3 * 60_000 }, async () => {
    const prometheus = await startPrometheus({ history: openMetrics(genesisHistory({ fromSec: T0 - H, toSec: T0 + H, stepSec: STEP })) });
    try {
      const broken: AlertRule = { ...plan.alerts.find((a) => a.name === 'HighErrorRate')!, expr: 'sum(rate(genesis_errors_total[5m]' };
      const p = { ...plan, prometheus: { ...plan.prometheus, url: prometheus.url }, alerts: plan.alerts.map((a) => (a.name === broken.name ? broken : a)) };
      const checkpoint = checkpointFor(30 * M, 'intensive');
      const input = inputFor(p, checkpoint, 15 * M);

      const observation = await observe(input);
      const { result } = judge(p, checkpoint, input, observation);

      const verdict = observation.alerts.find((a) => a.alert === 'HighErrorRate')!;
      assert.equal(verdict.planError, true);
      assert.match(verdict.reason ?? '', /PrometheusQueryError.*bad_data/);
      const [planError] = findingsOf(result, 'PlanQueryError');
      assert.equal(planError?.priority, 'P1');
      assert.match(planError?.summary ?? '', /HighErrorRate/);
      assert.ok(result.clear.includes('HighLatencyP95'));
      assert.equal(observation.prometheusError, null);
    } finally {
      await prometheus.stop();
    }
  });
});

describe('the alerts Prometheus itself has firing', () => {
  it('lists them at the evaluation time', { timeout: 3 * 60_000 }, async () => {
    const rules = JSON.stringify({ groups: [{ name: 'test', rules: [{ alert: 'AlwaysFiring', expr: 'vector(1)', for: '0s' }] }] });
    const prometheus = await startPrometheus({ rules: [rules], evaluationIntervalSeconds: 1 });
    try {
      await waitFor('the first rule evaluation', async () => {
        const res = await request(`${prometheus.url}/api/v1/alerts`);
        const body = (await res.body.json()) as { data: { alerts: unknown[] } };
        return body.data.alerts.length > 0 ? true : undefined;
      }, { timeoutMs: 60_000, everyMs: 200 });
      const p = { ...plan, prometheus: { ...plan.prometheus, url: prometheus.url } };
      const now = Date.now();
      const input = { ...inputFor(p, checkpointFor(0, 'intensive'), 0), evaluationTime: new Date(now).toISOString(), intervalStart: new Date(now - 15 * 60_000).toISOString() };

      const observation = await observe(input);

      assert.deepEqual(observation.firingInPrometheus, ['AlwaysFiring']);
      assert.equal(observation.prometheusError, null);
    } finally {
      await prometheus.stop();
    }
  });
});

describe('test commands, JUnit and the Pushgateway', () => {
  let pushgateway: RunningPushgateway | undefined;
  before(async () => {
    pushgateway = await startPushgateway();
  });
  after(async () => {
    await pushgateway?.stop();
  });

  /** A checkpoint that only runs `commands` (Prometheus is not part of these tests). */
  function commandsOnly(commands: Record<string, CommandSpec>, deploymentId = 'checks-junit'): CheckpointInput {
    return {
      deploymentId,
      service: plan.service,
      checkpoint: { index: 1, label: 'T+0.25h intensive check', offsetSeconds: 15 * M, phaseId: 'intensive' },
      evaluationTime: iso(15 * M),
      intervalStart: iso(0),
      commands,
      prometheus: { ...plan.prometheus, url: 'http://127.0.0.1:1', pushgatewayUrl: pushgateway!.url },
      alerts: [],
      slos: { critical: [], performance: [], resources: [] },
      logReview: { command: 'log-review', maxErrors: 0, maxWarnings: 50 },
    };
  }

  it('judges a pytest-like run with failures as TestPassRateLow, naming the failing tests, and pushes its counts', { timeout: 3 * 60_000 }, async () => {
    const tests: CommandSpec = { title: 'Production tests', argv: [join(FIXTURES, 'junit-report.sh'), '{junit}', '18', '2'], timeoutSeconds: 30, junit: true, env: {} };
    const input = commandsOnly({ 'production-tests': tests }, 'genesis/4.0.0');

    const observation = await observe(input);
    const run = observation.commands[0]!;
    assert.equal(run.ok, false);
    assert.deepEqual(run.tests && { passed: run.tests.passed, failed: run.tests.failed, passRate: run.tests.passRate }, { passed: 18, failed: 2, passRate: 90 });

    const checkpoint = checkpointFor(15 * M, 'intensive', ['production-tests']);
    const { result } = judge(plan, checkpoint, input, observation);
    const [low] = findingsOf(result, 'TestPassRateLow');
    assert.equal(low?.priority, 'P1');
    assert.match(low?.summary ?? '', /tests\.test_production_health::test_bad_0, tests\.test_production_health::test_bad_1/);
    assert.equal(findingsOf(result, 'PassRateBelow95')[0]?.straightToCommander, true);

    const res = await request(`${pushgateway!.url}/metrics`);
    const text = await res.body.text();
    const labels = 'deployment="genesis/4.0.0",instance="",job="deploywatch",suite="production-tests"';
    for (const [name, value] of [
      ['genesis_tests_passed_total', 18],
      ['genesis_tests_failed_total', 2],
      ['genesis_tests_skipped_total', 0],
      ['genesis_tests_total_total', 20],
      ['genesis_test_pass_rate', 90],
    ] as const) {
      assert.ok(text.includes(`${name}{${labels}} ${value}\n`), `${name} ${value} not in:\n${text.split('\n').filter((l) => l.startsWith('genesis_')).join('\n')}`);
    }
  });

  it('carries on when the Pushgateway cannot be reached: pushing is for dashboards only', { timeout: 3 * 60_000 }, async () => {
    const tests: CommandSpec = { title: 'Production tests', argv: [join(FIXTURES, 'junit-report.sh'), '{junit}', '20', '0'], timeoutSeconds: 30, junit: true, env: {} };
    const input = commandsOnly({ 'production-tests': tests });
    input.prometheus = { ...input.prometheus!, pushgatewayUrl: `http://127.0.0.1:${await freePort()}` };

    const observation = await observe(input);

    assert.equal(observation.commands[0]!.ok, true);
    assert.equal(observation.commands[0]!.tests?.passRate, 100);
  });

  it('runs the example service’s real pytest suite through the production-tests command path', { timeout: 3 * 60_000 }, async () => {
    const target = await startMetricsTarget({ genesis_service_up: 1, genesis_error_ratio: 0 });
    try {
      const production = (await loadPlanFile(DEFAULT_PLAN_PATH)).commands['production-tests']!;
      const tests: CommandSpec = {
        ...production,
        argv: ['python3', '-m', 'pytest', ...production.argv.slice(1).filter((a) => a !== '-v'), '-q', '-p', 'no:cacheprovider'],
        cwd: EXAMPLE,
        timeoutSeconds: 120,
        env: { GENESIS_METRICS_URL: target.url, GENESIS_FAILING_TESTS: 'test_halo_routing', PYTHONDONTWRITEBYTECODE: '1' },
      };
      assert.ok(tests.argv.includes('--junitxml') && tests.argv.includes('{junit}'));

      const observation = await observe(commandsOnly({ 'production-tests': tests }));

      const run = observation.commands[0]!;
      assert.equal(run.error, undefined, run.outputTail);
      assert.equal(run.exitCode, 1);
      assert.deepEqual(run.tests, {
        passed: 4,
        failed: 1,
        skipped: 0,
        total: 5,
        passRate: 80,
        failing: ['tests.test_production_health::test_halo_routing'],
      });
      assert.match(run.outputTail, /1 failed, 4 passed/);
    } finally {
      await target.stop();
    }
  });

  it('counts log-review errors and warnings over the whole output, not just the tail', { timeout: 3 * 60_000 }, async () => {
    const script = 'i=0; while [ $i -lt 3000 ]; do echo "2025-10-20 ERROR genesis: request $i failed"; echo "WARNING: slow call $i"; echo "info $i"; i=$((i+1)); done';
    const review: CommandSpec = { title: 'Log review', argv: ['sh', '-c', script], timeoutSeconds: 30, junit: false, env: {} };
    const input = commandsOnly({ 'log-review': review });

    const observation = await observe(input);
    const run = observation.commands[0]!;

    assert.deepEqual(run.logCounts, { errors: 3000, warnings: 3000 });
    assert.ok(run.outputTail.length <= 2048);
    const { result } = judge(plan, checkpointFor(15 * M, 'intensive', ['log-review']), input, observation);
    assert.match(findingsOf(result, 'LogErrors')[0]?.summary ?? '', /3000 errors \(max 0\), 3000 warnings \(max 50\)/);
  });

  it('counts the journal’s own priorities in journalctl -o json output', { timeout: 3 * 60_000 }, async () => {
    const lines = [
      '{"PRIORITY":"3","MESSAGE":"db connection lost"}',
      '{"PRIORITY":"4","MESSAGE":"retrying"}',
      '{"PRIORITY":"4","MESSAGE":"ERROR in the text does not override the priority"}',
      '{"PRIORITY":"6","MESSAGE":"started"}',
    ];
    const review: CommandSpec = { title: 'Log review', argv: ['printf', '%s\\n', ...lines], timeoutSeconds: 30, junit: false, env: {} };

    const observation = await observe(commandsOnly({ 'log-review': review }));

    assert.deepEqual(observation.commands[0]!.logCounts, { errors: 1, warnings: 2 });
  });
});
