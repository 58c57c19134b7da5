// The plan file: the default plan loads as the seed describes it, and a broken plan is rejected with
// every problem named by field path (and line) before any monitor starts.
import { before, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { parse, stringify } from 'yaml';
import { DEFAULT_PLAN_PATH, PlanError, loadPlanFile, parsePlan } from '../src/plan/load.js';
import { promqlErrors } from '../src/plan/promql.js';
import { buildSchedule } from '../src/plan/schedule.js';
import type { Plan, PlanInput } from '../src/plan/schema.js';

const CLI = resolve(__dirname, '..', 'bin', 'deploywatch.js');
const run = promisify(execFile);

let planText: string;
let plan: Plan;

before(async () => {
  planText = await readFile(DEFAULT_PLAN_PATH, 'utf8');
  plan = parsePlan(planText, DEFAULT_PLAN_PATH);
}, { timeout: 60_000 });

/** The default plan as data, changed by `change`, then parsed: must fail naming `pattern`. */
function assertRejected(change: (draft: PlanInput) => void, pattern: RegExp): PlanError {
  const draft = parse(planText) as PlanInput;
  change(draft);
  let caught: unknown;
  try {
    parsePlan(stringify(draft), 'bad-plan.yaml');
  } catch (err) {
    caught = err;
  }
  assert.ok(caught instanceof PlanError, `expected a PlanError, got ${String(caught)}`);
  assert.equal(caught.name, 'PlanError');
  assert.match(caught.message, /^bad-plan\.yaml: invalid plan/);
  assert.ok(
    caught.problems.some((p) => pattern.test(p)),
    `no problem matches ${pattern}:\n${caught.problems.join('\n')}`,
  );
  return caught;
}

function alertIndex(draft: PlanInput, name: string): number {
  const index = (draft.alerts ?? []).findIndex((a) => a.name === name);
  assert.ok(index >= 0, `${name} is in the plan`);
  return index;
}

void test('DEFAULT_PLAN_PATH is plans/genesis.yaml of this package', () => {
  assert.equal(DEFAULT_PLAN_PATH, resolve(__dirname, '..', 'plans', 'genesis.yaml'));
  assert.ok(existsSync(DEFAULT_PLAN_PATH));
});

void test('the default plan has the seed phases: 51 checkpoints over 48 hours', async () => {
  const loaded = await loadPlanFile(DEFAULT_PLAN_PATH);

  const phases = loaded.phases.map((p) => [p.id, p.untilHours, p.cadenceMinutes]);
  assert.deepEqual(phases, [
    ['intensive', 6, 15],
    ['active', 24, 60],
    ['passive', 48, 180],
  ]);
  assert.equal(loaded.window.durationHours, 48);
  assert.deepEqual(loaded.window.extension, { hours: 24, cadenceMinutes: 180, maxExtensions: 2 });
  assert.equal(buildSchedule(loaded).length, 51);
});

void test('the default plan has every seed checklist line on a checkpoint', () => {
  const at = plan.checklist.map((c) => c.atHours);
  const expected = [0, 0.25, 0.5, 1, 2, 3, 4, 5, 6, ...Array.from({ length: 18 }, (_, i) => 7 + i), 27, 30, 33, 36, 39, 42, 45, 48];
  assert.deepEqual(at, expected);
  const item = (hours: number) => plan.checklist.find((c) => c.atHours === hours)!;
  assert.deepEqual(item(0).asserts, ['all-services-up']);
  assert.deepEqual(item(1).asserts, ['review', 'no-critical-alerts']);
  assert.equal(item(1).review, 'hourly-summary');
  assert.equal(item(24).review, 'milestone');
  assert.equal(item(48).review, 'final');
  assert.deepEqual(item(7).asserts, ['health-check-pass']);
  assert.deepEqual(item(45).asserts, ['health-check-pass']);
});

void test('the default plan has 12 alerts with the agreed priorities; only GenesisServiceDown is P0', () => {
  const priorities = Object.fromEntries(plan.alerts.map((a) => [a.name, a.priority]));
  assert.deepEqual(priorities, {
    TestPassRateLow: 'P1',
    TestPassRateDegrading: 'P2',
    IntermittentTestFailures: 'P4',
    HighErrorRate: 'P1',
    HighLatencyP95: 'P1',
    HTDAGDecompositionSlow: 'P3',
    HALORoutingSlow: 'P3',
    HighCPUUsage: 'P2',
    HighMemoryUsage: 'P2',
    GenesisServiceDown: 'P0',
    TestSuiteNotRunning: 'P1',
    MonitoringBlind: 'P1',
  });
  assert.deepEqual(plan.alerts.filter((a) => a.priority === 'P0').map((a) => a.name), ['GenesisServiceDown']);
  const quiet = plan.alerts.find((a) => a.name === 'TestSuiteNotRunning')!;
  assert.equal(quiet.source, 'monitor');
  assert.match(quiet.note ?? '', /rolling\s+back/);
});

void test('the error-rate SLO and alert are a ratio of errors to operations', () => {
  const slo = plan.slos.critical.find((s) => s.id === 'error-rate')!;
  const alert = plan.alerts.find((a) => a.name === 'HighErrorRate')!;
  for (const rule of [slo, alert]) {
    assert.equal(rule.unit, 'ratio');
    assert.match(rule.expr ?? '', /genesis_errors_total.*\/.*genesis_operation_duration_seconds_count/);
  }
  assert.equal(slo.target, 0.001);
  assert.equal(alert.threshold, 0.001);
});

void test('promqlErrors accepts every expression of the default plan and locates syntax errors', () => {
  const exprs = [...plan.slos.critical, ...plan.slos.performance, ...plan.slos.resources, ...plan.alerts].flatMap((r) =>
    r.expr === undefined ? [] : [r.expr],
  );
  assert.ok(exprs.length >= 20);
  for (const expr of exprs) assert.deepEqual(promqlErrors(expr), [], expr);

  assert.deepEqual(promqlErrors('sum(rate(x[5m])'), ['column 16: unexpected end of expression']);
  assert.deepEqual(promqlErrors('up bar'), ["column 4: unexpected 'bar'"]);
  assert.deepEqual(promqlErrors('  '), ['empty expression']);
});

void test('a missing field is named', () => {
  assertRejected((d) => {
    delete (d.phases[1] as Partial<PlanInput['phases'][number]>).cadenceMinutes;
  }, /^phases\[1\]\.cadenceMinutes: is required: must be a number \(line \d+\)$/);
});

void test('a wrong type is named, with the value found', () => {
  assertRejected((d) => {
    d.phases[1]!.cadenceMinutes = 'hourly' as never;
  }, /^phases\[1\]\.cadenceMinutes: must be a number \(got "hourly"\)/);
});

void test('an unknown priority is named', () => {
  assertRejected((d) => {
    d.alerts![alertIndex(d, 'HighCPUUsage')]!.priority = 'P5' as never;
  }, /^alerts\[\d+\]\.priority: must be one of P0, P1, P2, P3, P4 \(got "P5"\)/);
});

void test('a negative duration is rejected at its field', () => {
  let index = -1;
  const err = assertRejected((d) => {
    index = alertIndex(d, 'HighErrorRate');
    d.alerts![index]!.for = '-5m';
  }, /^alerts\[\d+\]\.for: must be a positive duration/);
  assert.ok(err.problems.some((p) => p.startsWith(`alerts[${index}].for:`)));
});

void test('a PromQL syntax error is named with its position in the expression', () => {
  assertRejected((d) => {
    d.slos!.critical![1]!.expr = 'sum(rate(genesis_errors_total[5m])';
  }, /^slos\.critical\[1\]\.expr: PromQL column 35: unexpected end of expression/);
  assertRejected((d) => {
    d.alerts![alertIndex(d, 'HighLatencyP95')]!.expr = 'histogram_quantile(0.95 sum(x))';
  }, /^alerts\[\d+\]\.expr: PromQL column \d+/);
});

void test('unparsable YAML reports the line and column', () => {
  const text = 'version: 1\nname: broken\nphases: [\n  { id: intensive\n';
  assert.throws(
    () => parsePlan(text, 'broken.yaml'),
    (err: unknown) => {
      assert.ok(err instanceof PlanError);
      assert.match(err.message, /^broken\.yaml: invalid plan/);
      assert.match(err.problems[0] ?? '', /^line \d+, column \d+: YAML syntax error: /);
      return true;
    },
  );
  assert.throws(() => parsePlan(`${planText}\nname: again\n`, 'dup.yaml'), /line \d+, column 1: YAML syntax error: Map keys must be unique/);
});

void test('an unknown command reference is named, in phases and in logReview', () => {
  assertRejected((d) => {
    d.phases[0]!.run[2]!.command = 'log-reveiw';
  }, /^phases\[0\]\.run\[2\]\.command: unknown command 'log-reveiw' \(commands defines: health-check, /);
  assertRejected((d) => {
    d.logReview!.command = 'journal';
  }, /^logReview\.command: unknown command 'journal'/);
});

void test('a checklist time that is not a checkpoint is named, with the nearest checkpoints', () => {
  assertRejected((d) => {
    d.checklist!.find((c) => c.atHours === 2)!.atHours = 2.1;
  }, /^checklist\[4\]\.atHours: T\+2\.1h is not a checkpoint of the schedule \(nearest: T\+2h, T\+2\.25h\)/);
  assertRejected((d) => {
    d.checklist!.find((c) => c.atHours === 7)!.atHours = 7.5;
  }, /T\+7\.5h is not a checkpoint/);
});

void test('phase boundaries must increase and end with the window', () => {
  assertRejected((d) => {
    d.phases[1]!.untilHours = 6;
  }, /^phases\[1\]\.untilHours: must be greater than phases\[0\]\.untilHours \(6\)/);
  assertRejected((d) => {
    d.window.durationHours = 72;
  }, /^phases\[2\]\.untilHours: the last phase must end at window\.durationHours \(72\), not 48/);
});

void test('alert names must be unique, and unknown fields are named', () => {
  assertRejected((d) => {
    d.alerts![alertIndex(d, 'HighMemoryUsage')]!.name = 'HighCPUUsage';
  }, /^alerts\[\d+\]\.name: 'HighCPUUsage' is already the name of alerts\[\d+\]/);
  assertRejected((d) => {
    (d.window as Record<string, unknown>).durationHour = 48;
  }, /^window\.durationHour: unknown field/);
});

void test('every problem is reported at once', () => {
  const err = assertRejected((d) => {
    d.phases[1]!.cadenceMinutes = 'hourly' as never;
    d.alerts![0]!.priority = 'P9' as never;
    d.alerts![1]!.for = '-5m';
  }, /cadenceMinutes/);
  assert.equal(err.problems.length, 3);
});

void test('the CLI: `plan validate` prints a summary for a valid plan and exits 0', async () => {
  const { stdout } = await run(process.execPath, [CLI, 'plan', 'validate', DEFAULT_PLAN_PATH]);
  assert.equal(stdout, `${DEFAULT_PLAN_PATH}: valid plan 'genesis-phase4-48h' — 51 checkpoints, 12 alerts\n`);
});

void test('the CLI: `plan validate` lists the problems of an invalid plan on stderr and exits 1', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'deploywatch-plan-'));
  try {
    const file = join(dir, 'bad.yaml');
    await writeFile(file, planText.replace('    for: 2m\n', '    for: -5m\n'));
    await assert.rejects(run(process.execPath, [CLI, 'plan', 'validate', file]), (err: { code: number; stdout: string; stderr: string }) => {
      assert.equal(err.code, 1);
      assert.equal(err.stdout, '');
      assert.match(err.stderr, new RegExp(`${file.replace(/[.]/g, '\\.')}: invalid plan \\(1 problem\\)`));
      assert.match(err.stderr, /\n {2}- alerts\[\d+\]\.for: must be a positive duration .*\(got "-5m"\) \(line \d+\)\n$/);
      return true;
    });
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

void test('the CLI: `plan validate` of a missing file is a one-line error, exit 1', async () => {
  await assert.rejects(run(process.execPath, [CLI, 'plan', 'validate', 'no/such/plan.yaml']), (err: { code: number; stderr: string }) => {
    assert.equal(err.code, 1);
    assert.equal(err.stderr, 'deploywatch: no/such/plan.yaml: cannot read plan file: no such file\n');
    return true;
  });
});
