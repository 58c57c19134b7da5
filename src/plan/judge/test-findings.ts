// Findings from the JUnit-reporting commands: pass rates, suites that stopped reporting, and tests
// that fail now and then.
import { isBreaching } from '../breaches.js';
import { DAY_SECONDS, parseDurationSeconds } from '../duration.js';
import type { Plan } from '../schema.js';
import type { TestOutcomes } from './history.js';
import { alertFinding, fmt, Judgement, MAX_RUNS_PER_TEST, MAX_TRACKED_TESTS, names, ruleFor } from './judgement.js';

/** The monitor judges its own JUnit runs, with the plan's TestPassRateLow/Degrading thresholds. */
export function testPassRates(j: Judgement): void {
  const low = ruleFor(j.plan, 'TestPassRateLow');
  const degrading = ruleFor(j.plan, 'TestPassRateDegrading');
  for (const { command, tests } of j.junitRuns()) {
    const rate = tests.passRate!;
    const rule = isBreaching(rate, low.op, low.threshold) ? low : isBreaching(rate, degrading.op, degrading.threshold) ? degrading : null;
    if (rule === null) {
      j.judgedOk.add(low.name);
      j.judgedOk.add(degrading.name);
      continue;
    }
    if (rule === degrading) j.judgedOk.add(low.name);
    j.findings.push(
      alertFinding({
        alert: rule.name,
        priority: rule.priority,
        summary: `${command.id}: pass rate ${fmt(rate, '%')} (${tests.passed}/${tests.passed + tests.failed}, threshold ${rule.op} ${rule.threshold}%); failing: ${names(tests.failing, 5)}`,
        startedAt: j.at,
        worst: rate,
        evidence: {
          source: 'junit',
          command: command.id,
          passRate: rate,
          passed: tests.passed,
          failed: tests.failed,
          skipped: tests.skipped,
          total: tests.total,
          failing: names(tests.failing, 20).slice(0, 1000),
        },
      }),
    );
  }
}

function phaseRuns(plan: Plan, phaseId: string): string[] {
  const phase = plan.phases.find((p) => p.id === phaseId) ?? plan.phases[plan.phases.length - 1];
  return phase?.run.map((r) => r.command) ?? [];
}

/**
 * TestSuiteNotRunning: a scheduled run of a JUnit command produced no results, and none came within
 * the rule's grace period (its `for`) after it. Results are only due when the schedule runs the
 * suite, so a suite that runs every 6 h is never overdue between its runs. A missed run of a suite
 * the current phase no longer runs is reported once.
 */
export function testSuites(j: Judgement): void {
  const rule = ruleFor(j.plan, 'TestSuiteNotRunning');
  const graceMs = parseDurationSeconds(rule.for) * 1000;
  const suites = j.history.suites;
  for (const c of j.observation.commands) {
    if (!j.plan.commands[c.id]?.junit) continue;
    const suite = (suites[c.id] ??= { lastResultsAt: null, missedSince: null, missReason: null, lastPassRate: null, lastFailing: [] });
    if (c.tests && c.tests.passRate !== null) {
      Object.assign(suite, { lastResultsAt: j.at, missedSince: null, missReason: null, lastPassRate: c.tests.passRate, lastFailing: c.tests.failing });
    } else if (suite.missedSince === null) {
      suite.missedSince = j.at;
      suite.missReason = c.error ?? (c.tests ? 'the JUnit report has no executed tests' : `exit code ${c.exitCode}`);
    }
  }
  const scheduled = phaseRuns(j.plan, j.input.checkpoint.phaseId);
  let pending = false;
  for (const [command, suite] of Object.entries(suites)) {
    if (suite.missedSince === null) continue;
    if (j.evalMs < Date.parse(suite.missedSince) + graceMs) {
      pending = true;
      continue;
    }
    j.findings.push(
      alertFinding({
        alert: rule.name,
        priority: rule.priority,
        summary: `${command} produced no test results since ${suite.lastResultsAt ?? 'the deployment'}; its run at ${suite.missedSince} failed: ${suite.missReason ?? 'unknown'}`,
        startedAt: suite.missedSince,
        evidence: { command, missedSince: suite.missedSince, lastResultsAt: suite.lastResultsAt, reason: suite.missReason },
      }),
    );
    if (!scheduled.includes(command)) {
      suite.missedSince = null;
      suite.missReason = null;
    }
  }
  if (!pending && !j.findings.some((f) => f.alert === rule.name)) j.judgedOk.add(rule.name);
}

function isKnownFlaky(plan: Plan, test: string): boolean {
  return plan.knownFlakyTests.some((k) => test === k || test.endsWith(`::${k}`) || test.endsWith(`.${k}`));
}

function transitions(runs: Array<[number, 0 | 1]>): number {
  let n = 0;
  for (let i = 1; i < runs.length; i++) if (runs[i]![1] !== runs[i - 1]![1]) n++;
  return n;
}

/**
 * IntermittentTestFailures: over the last 24 h of the monitor's own runs, a known-flaky test, or one
 * that went fail→pass→fail (or pass→fail→pass), failing more than intermittent.maxFailuresPerDay.
 * A test that broke and stays broken is a regression, not flakiness.
 */
export function intermittentTests(j: Judgement): void {
  const runs = j.junitRuns();
  const nowSec = Math.floor(j.evalMs / 1000);
  const tracked = j.history.testOutcomes;
  for (const { command, tests } of runs) {
    // A truncated failing list cannot say which other tests passed.
    const complete = tests.failing.length >= tests.failed;
    const failing = new Set(tests.failing);
    for (const t of tracked) {
      if (t.command !== command.id) continue;
      if (failing.has(t.test)) t.runs.push([nowSec, 1]);
      else if (complete) t.runs.push([nowSec, 0]);
    }
    for (const test of failing) {
      if (!tracked.some((t) => t.command === command.id && t.test === test)) tracked.push({ test, command: command.id, runs: [[nowSec, 1]] });
    }
  }
  const kept = tracked
    .map((t) => ({ ...t, runs: t.runs.filter(([s]) => s > nowSec - DAY_SECONDS).slice(-MAX_RUNS_PER_TEST) }))
    .filter((t) => t.runs.some(([, failed]) => failed === 1))
    .sort((a, b) => {
      const flaky = Number(isKnownFlaky(j.plan, b.test)) - Number(isKnownFlaky(j.plan, a.test));
      const lastFail = (t: TestOutcomes): number => Math.max(...t.runs.filter(([, f]) => f === 1).map(([s]) => s));
      return flaky !== 0 ? flaky : lastFail(b) - lastFail(a);
    })
    .slice(0, MAX_TRACKED_TESTS);
  j.history.testOutcomes = kept;

  const rule = ruleFor(j.plan, 'IntermittentTestFailures');
  const limit = j.plan.intermittent.maxFailuresPerDay;
  const offenders = kept
    .map((t) => ({ t, failures: t.runs.filter(([, f]) => f === 1).length }))
    .filter(({ t, failures }) => failures > limit && (isKnownFlaky(j.plan, t.test) || transitions(t.runs) >= 2));
  if (offenders.length === 0) {
    if (runs.length > 0) j.judgedOk.add(rule.name);
    return;
  }
  const firstFailure = Math.min(...offenders.flatMap(({ t }) => t.runs.filter(([, f]) => f === 1).map(([s]) => s)));
  j.findings.push(
    alertFinding({
      alert: rule.name,
      priority: rule.priority,
      summary: `intermittent failures over 24 h (more than ${limit}): ${names(offenders.map(({ t, failures }) => `${t.test} ×${failures}`), 5)}`,
      startedAt: new Date(firstFailure * 1000).toISOString(),
      worst: Math.max(...offenders.map((o) => o.failures)),
      evidence: {
        tests: names(offenders.map(({ t }) => t.test), 20).slice(0, 1000),
        maxFailuresPerDay: limit,
        knownFlaky: offenders.filter(({ t }) => isKnownFlaky(j.plan, t.test)).length,
      },
    }),
  );
}
