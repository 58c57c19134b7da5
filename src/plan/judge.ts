// Judges one checkpoint's observation against the plan: findings (with P0–P4 priorities), the
// checklist's assertions, and the monitor's health. Pure: the workflow calls it deterministically,
// and everything it must remember between checkpoints is in the bounded JudgeHistory it returns.
import { isBreaching } from './breaches.js';
import { isCritical, serviceDownAlert } from './escalation.js';
import { parseDurationSeconds } from './duration.js';
import type { Checkpoint } from './schedule.js';
import type { AlertRule, Comparator, LevelSlo, Plan, Priority } from './schema.js';
import type {
  AlertObservation,
  AssertionResult,
  CheckpointResult,
  CommandResult,
  Finding,
  Health,
  Observation,
  SloReading,
} from './results.js';
import { keySeries, levelStatus, sloRoles, targetFor } from './slos.js';

/** What a JUnit command last showed, and whether a scheduled run of it has gone without results. */
export interface SuiteRecord {
  lastResultsAt: string | null;
  /** The first scheduled run since the last results that produced none; null while results come. */
  missedSince: string | null;
  missReason: string | null;
  lastPassRate: number | null;
  lastFailing: string[];
}

/** Pass/fail of one test across runs in the last 24 h: [epoch seconds, 1 when it failed]. */
export interface TestOutcomes {
  test: string;
  command: string;
  runs: Array<[number, 0 | 1]>;
}

export interface RunSummary {
  since: string | null;
  checkpoints: number;
  healthy: number;
  degraded: number;
  critical: number;
  blind: number;
  /** Distinct names of findings, first seen first (bounded). */
  alerts: string[];
  failedCommands: number;
}

/** What judging needs to remember between checkpoints (carried in workflow state, bounded). */
export interface JudgeHistory {
  /** Consecutive checkpoints that could not see everything (MonitoringBlind counts these). */
  inconclusiveStreak: number;
  blindSince: string | null;
  /** Service P1 alerts seen, with the last time each was seen, within manualTriggers.multipleP1WithinMinutes. */
  recentP1: Array<{ alert: string; at: string }>;
  /** The first JUnit results (the T+0 production tests): what later runs must not regress from. */
  testBaseline: { command: string; at: string; passRate: number | null; failing: string[] } | null;
  suites: Record<string, SuiteRecord>;
  /** Only tests that failed in the last 24 h, at most MAX_TRACKED_TESTS. */
  testOutcomes: TestOutcomes[];
  window: RunSummary;
  phase: RunSummary & { id: string | null };
}

function emptySummary(): RunSummary {
  return { since: null, checkpoints: 0, healthy: 0, degraded: 0, critical: 0, blind: 0, alerts: [], failedCommands: 0 };
}

export function emptyHistory(): JudgeHistory {
  return {
    inconclusiveStreak: 0,
    blindSince: null,
    recentP1: [],
    testBaseline: null,
    suites: {},
    testOutcomes: [],
    window: emptySummary(),
    phase: { ...emptySummary(), id: null },
  };
}

export interface JudgeInput {
  plan: Plan;
  checkpoint: Checkpoint;
  evaluationTime: string;
  /** Start of the interval the observation covers (the previous evaluation time); default: evaluationTime. */
  intervalStart?: string;
  observation: Observation;
  history: JudgeHistory;
  /**
   * The monitor's own sight problems (MonitoringBlind, TestSuiteNotRunning, PlanQueryError) make a
   * checkpoint blind or degraded, not critical: nothing is known to be wrong with the service.
   * Default true; false reproduces 0.1.0 for monitors that started before the change.
   */
  sightProblemsAreNotCritical?: boolean;
}

/** The plan's health-check command: its exit code is the service's own verdict on itself. */
export const HEALTH_CHECK_COMMAND = 'health-check';

/**
 * Findings of the monitor's own checks that the seed has no alert rule for. A plan may define a
 * rule with the same name to change its priority. HealthCheckFailed is P1: the service's own
 * script says it is unhealthy, which needs action within 15 minutes, but only a real `up == 0`
 * (the plan's service-down alert, P0) may roll back. LogErrors is P3: errors in the journal are a trend to look
 * into, not an outage. PlanQueryError is P1 when it blinds a P0/P1 alert or a critical SLO, else P2.
 */
export const MONITOR_FINDINGS = {
  HealthCheckFailed: 'P1',
  LogErrors: 'P3',
} as const satisfies Record<string, Priority>;

/** Problems with the monitor's own sight, not with the service: not counted as "multiple P1 alerts". */
const MONITOR_HEALTH_ALERTS = new Set(['MonitoringBlind', 'TestSuiteNotRunning', 'PlanQueryError']);

const MAX_TRACKED_TESTS = 20;
const MAX_RUNS_PER_TEST = 96;
const MAX_SUMMARY_ALERTS = 15;
const DAY_SECONDS = 86_400;

type RuleLike = Pick<AlertRule, 'name' | 'priority' | 'op' | 'threshold' | 'for'>;

/** The plan's rule by name (the plan is the authority), else the seed's values. */
function ruleFor(plan: Plan, name: string): RuleLike {
  const rule = plan.alerts.find((a) => a.name === name);
  if (rule) return rule;
  const defaults: Record<string, Omit<RuleLike, 'name'>> = {
    TestPassRateLow: { priority: 'P1', op: '<', threshold: plan.criteria.testPassRatePercent, for: '5m' },
    TestPassRateDegrading: { priority: 'P2', op: '<', threshold: 99, for: '10m' },
    TestSuiteNotRunning: { priority: 'P1', op: '==', threshold: 1, for: '15m' },
    IntermittentTestFailures: { priority: 'P4', op: '>', threshold: plan.intermittent.maxFailuresPerDay, for: '1m' },
    MonitoringBlind: { priority: 'P1', op: '>=', threshold: 2, for: '1m' },
  };
  const priority = (MONITOR_FINDINGS as Record<string, Priority>)[name] ?? 'P1';
  return { name, ...(defaults[name] ?? { priority, op: '>', threshold: 0, for: '1m' }) };
}

function fmt(value: number | null | undefined, unit = ''): string {
  if (value === null || value === undefined) return 'no data';
  return `${Number(value.toPrecision(4))}${unit}`;
}

function names(list: readonly string[], max = 10): string {
  if (list.length === 0) return 'none';
  return list.length <= max ? list.join(', ') : `${list.slice(0, max).join(', ')} and ${list.length - max} more`;
}

function alertFinding(partial: Pick<Finding, 'alert' | 'priority' | 'summary'> & Partial<Finding>): Finding {
  return { kind: 'alert', startedAt: null, endedAt: null, worst: null, evidence: {}, straightToCommander: false, ...partial };
}

function trigger(alert: string, summary: string, partial: Partial<Finding> = {}): Finding {
  return { alert, priority: 'P1', kind: 'trigger', summary, startedAt: null, endedAt: null, worst: null, evidence: {}, straightToCommander: true, ...partial };
}

/** Everything one judgement works with. */
class Judgement {
  readonly findings: Finding[] = [];
  /** Names judged and found clear at this checkpoint (before findings and inconclusives are removed). */
  readonly judgedOk = new Set<string>();
  readonly inconclusive = new Set<string>();
  /** Breached briefly (a blip, or pending at the end): no finding, but not clear whatever else says so. */
  readonly notClear = new Set<string>();
  readonly blindReasons: string[] = [];
  /** Critical alerts (or the health check) could not be judged. */
  criticalBlind = false;
  readonly evalMs: number;
  readonly history: JudgeHistory;
  readonly roles: ReturnType<typeof sloRoles>;

  constructor(readonly input: JudgeInput) {
    this.evalMs = Date.parse(input.evaluationTime);
    // Histories written by older versions lack newer fields: fill them in.
    this.history = copyHistory({ ...emptyHistory(), ...input.history });
    this.roles = sloRoles(input.plan.slos);
  }

  get plan(): Plan {
    return this.input.plan;
  }

  get observation(): Observation {
    return this.input.observation;
  }

  get at(): string {
    return this.input.evaluationTime;
  }

  reading(id: string | undefined): SloReading | undefined {
    return id === undefined ? undefined : this.observation.slos.find((s) => s.id === id);
  }

  alert(name: string): AlertObservation | undefined {
    return this.observation.alerts.find((a) => a.alert === name);
  }

  command(id: string): CommandResult | undefined {
    return this.observation.commands.find((c) => c.id === id);
  }

  junitRuns(): Array<{ command: CommandResult; tests: NonNullable<CommandResult['tests']> }> {
    return this.observation.commands.flatMap((c) => (c.tests && c.tests.passRate !== null ? [{ command: c, tests: c.tests }] : []));
  }

  live(): Finding[] {
    return this.findings.filter((f) => f.endedAt === null);
  }
}

function copyHistory(h: JudgeHistory): JudgeHistory {
  return {
    ...h,
    recentP1: h.recentP1.map((p) => ({ ...p })),
    testBaseline: h.testBaseline ? { ...h.testBaseline, failing: [...h.testBaseline.failing] } : null,
    suites: Object.fromEntries(Object.entries(h.suites).map(([k, v]) => [k, { ...v, lastFailing: [...v.lastFailing] }])),
    testOutcomes: h.testOutcomes.map((t) => ({ ...t, runs: t.runs.map(([s, f]) => [s, f] as [number, 0 | 1]) })),
    window: { ...h.window, alerts: [...h.window.alerts] },
    phase: { ...h.phase, alerts: [...h.phase.alerts] },
  };
}

/** Prometheus verdicts: one finding per breach that fired; an ongoing one has endedAt null. */
function prometheusAlerts(j: Judgement): void {
  for (const a of j.observation.alerts) {
    if (a.state === 'inconclusive') {
      j.inconclusive.add(a.alert);
      continue;
    }
    if (a.state === 'ok') {
      // Clear means nothing breached in the whole interval: a blip or a pending breach is not clear.
      if (a.blips === 0 && a.pendingSince === undefined) j.judgedOk.add(a.alert);
      else j.notClear.add(a.alert);
      continue;
    }
    const more = a.breachCount !== undefined ? ` (${a.breachCount} breaches in the interval, ${a.breaches.length} kept)` : '';
    for (const b of a.breaches) {
      j.findings.push(
        alertFinding({
          alert: a.alert,
          priority: a.priority,
          summary: `${a.alert} ${b.endedAt ? `breached from ${b.startedAt} to ${b.endedAt}` : `firing since ${b.startedAt}`} (worst ${fmt(b.worst)})${more}`,
          startedAt: b.startedAt,
          endedAt: b.endedAt,
          worst: b.worst,
          evidence: { source: 'prometheus', firingAt: b.firingAt, worst: b.worst, intervalWorst: a.worst, blips: a.blips },
        }),
      );
    }
  }
}

/** A query Prometheus rejects is a plan error: raised at once, never waited out as blindness. */
function planErrors(j: Judgement): void {
  const alerts = j.observation.alerts.filter((a) => a.planError);
  const slos = j.observation.slos.filter((s) => s.planError);
  if (alerts.length === 0 && slos.length === 0) {
    j.judgedOk.add('PlanQueryError');
    return;
  }
  const rule = ruleFor(j.plan, 'PlanQueryError');
  const seesCritical = alerts.some((a) => isCritical(a.priority)) || slos.some((s) => s.group === 'critical');
  // Blind to a P0/P1 alert or a critical SLO: as urgent as MonitoringBlind. Otherwise P2.
  const priority: Priority = j.plan.alerts.some((a) => a.name === 'PlanQueryError') ? rule.priority : seesCritical ? 'P1' : 'P2';
  const affected = [...alerts.map((a) => a.alert), ...slos.map((s) => `slo ${s.id}`)];
  const reason = alerts[0]?.reason ?? slos[0]?.reason ?? null;
  j.findings.push(
    alertFinding({
      alert: 'PlanQueryError',
      priority,
      summary: `Prometheus rejects the plan's query for ${names(affected)}: ${reason ?? 'no reason given'}`,
      evidence: { affected: names(affected, 20), reason },
    }),
  );
}

/** The monitor judges its own JUnit runs, with the plan's TestPassRateLow/Degrading thresholds. */
function testPassRates(j: Judgement): void {
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
function testSuites(j: Judgement): void {
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
function intermittentTests(j: Judgement): void {
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

/** A failing health check is the service's problem; one that could not run is the monitor's blindness. */
function healthCheck(j: Judgement): void {
  const c = j.command(HEALTH_CHECK_COMMAND);
  if (!c) return;
  if (c.error !== undefined) {
    j.inconclusive.add('HealthCheckFailed');
    j.blindReasons.push(`health check could not run: ${c.error}`);
    j.criticalBlind = true;
    return;
  }
  if (c.ok) {
    j.judgedOk.add('HealthCheckFailed');
    return;
  }
  const rule = ruleFor(j.plan, 'HealthCheckFailed');
  j.findings.push(
    alertFinding({
      alert: rule.name,
      priority: rule.priority,
      summary: `health check exited with ${c.exitCode}: ${c.outputTail.trim().split('\n').slice(-1)[0]?.slice(0, 200) ?? ''}`,
      startedAt: j.at,
      worst: c.exitCode,
      evidence: { command: c.id, exitCode: c.exitCode, outputTail: c.outputTail.slice(-300) },
    }),
  );
}

/** The log review's error and warning counts against logReview.maxErrors / maxWarnings. */
function logReview(j: Judgement): void {
  const review = j.plan.logReview;
  const c = review ? j.command(review.command) : undefined;
  if (!review || !c?.logCounts) return;
  const { errors, warnings } = c.logCounts;
  if (errors <= review.maxErrors && warnings <= review.maxWarnings) {
    j.judgedOk.add('LogErrors');
    return;
  }
  const rule = ruleFor(j.plan, 'LogErrors');
  j.findings.push(
    alertFinding({
      alert: rule.name,
      priority: rule.priority,
      summary: `log review since ${j.input.intervalStart ?? j.at}: ${errors} errors (max ${review.maxErrors}), ${warnings} warnings (max ${review.maxWarnings})`,
      startedAt: j.input.intervalStart ?? null,
      worst: errors,
      evidence: { command: c.id, errors, warnings, maxErrors: review.maxErrors, maxWarnings: review.maxWarnings },
    }),
  );
}

/** MonitoringBlind: consecutive checkpoints that could not see everything, at the rule's threshold. */
function monitoringBlind(j: Judgement): void {
  const { observation } = j;
  const inconclusive = observation.alerts.filter((a) => a.state === 'inconclusive' && !a.planError);
  if (observation.prometheusError) j.blindReasons.unshift(`Prometheus unavailable: ${observation.prometheusError}`);
  if (inconclusive.length > 0) j.blindReasons.push(`inconclusive: ${names(inconclusive.map((a) => a.alert))}`);
  if (observation.prometheusError || inconclusive.some((a) => isCritical(a.priority))) j.criticalBlind = true;

  const h = j.history;
  const blindNow = j.blindReasons.length > 0;
  h.inconclusiveStreak = blindNow ? h.inconclusiveStreak + 1 : 0;
  h.blindSince = blindNow ? (h.blindSince ?? j.at) : null;
  const rule = ruleFor(j.plan, 'MonitoringBlind');
  if (!blindNow) {
    j.judgedOk.add(rule.name);
    return;
  }
  if (!isBreaching(h.inconclusiveStreak, rule.op, rule.threshold)) return;
  j.findings.push(
    alertFinding({
      alert: rule.name,
      priority: rule.priority,
      summary: `${h.inconclusiveStreak} checkpoints in a row could not see everything: ${j.blindReasons.join('; ').slice(0, 300)}`,
      startedAt: h.blindSince,
      worst: h.inconclusiveStreak,
      evidence: {
        consecutive: h.inconclusiveStreak,
        prometheusError: observation.prometheusError,
        inconclusive: names(inconclusive.map((a) => a.alert), 20),
      },
    }),
  );
}

interface Extreme {
  value: number;
  source: string;
  /** Measured at the evaluation time (still going on), or only seen earlier in the interval. */
  current: boolean;
  startedAt: string | null;
  endedAt: string | null;
}

function beyond(value: number, op: Comparator, threshold: number): boolean {
  return isBreaching(value, op, threshold);
}

/** The most alarming value among current readings and an alert's interval verdict. */
function extreme(j: Judgement, current: Array<{ value: number | null; source: string }>, verdictName: string | null, op: Comparator, threshold: number): Extreme | null {
  for (const c of current) {
    if (c.value !== null && beyond(c.value, op, threshold)) return { value: c.value, source: c.source, current: true, startedAt: null, endedAt: null };
  }
  const verdict = verdictName ? j.alert(verdictName) : undefined;
  if (!verdict || verdict.worst === null || !beyond(verdict.worst, op, threshold)) return null;
  const breach = verdict.breaches.find((b) => b.worst !== null && beyond(b.worst, op, threshold));
  if (breach) {
    return { value: verdict.worst, source: `${verdictName} over the interval`, current: breach.endedAt === null, startedAt: breach.startedAt, endedAt: breach.endedAt };
  }
  // A blip shorter than the alert's `for`: over by the evaluation time, exact times unknown.
  return { value: verdict.worst, source: `${verdictName} over the interval (a blip)`, current: false, startedAt: null, endedAt: j.at };
}

function triggerFrom(name: string, what: string, x: Extreme, limit: string): Finding {
  return trigger(name, `${what} ${fmt(x.value)} (${x.source}) is beyond the incident commander's threshold ${limit}`, {
    startedAt: x.startedAt,
    endedAt: x.current ? null : x.endedAt,
    worst: x.value,
    evidence: { value: x.value, source: x.source, threshold: limit },
  });
}

/** The seed's "escalate to the incident commander if …", computed: P1, straight to the commander. */
function manualTriggers(j: Judgement): void {
  const { manualTriggers: mt } = j.plan;
  const { observation, roles } = j;

  // Multiple P1 alerts within the window: distinct service alerts seen live or ended within it.
  const windowMs = mt.multipleP1WithinMinutes * 60_000;
  const seen = new Map(j.history.recentP1.map((p) => [p.alert, p.at]));
  for (const f of j.findings) {
    if (f.priority !== 'P1' || f.kind !== 'alert' || MONITOR_HEALTH_ALERTS.has(f.alert)) continue;
    seen.set(f.alert, f.endedAt ?? j.at);
  }
  j.history.recentP1 = [...seen]
    .filter(([, at]) => Date.parse(at) > j.evalMs - windowMs)
    .map(([alert, at]) => ({ alert, at }))
    .sort((a, b) => a.alert.localeCompare(b.alert));
  if (j.history.recentP1.length >= 2) {
    const list = j.history.recentP1.map((p) => p.alert);
    j.findings.push(
      trigger('MultipleP1Alerts', `${list.length} P1 alerts within ${mt.multipleP1WithinMinutes} minutes: ${names(list)}`, {
        worst: list.length,
        evidence: { alerts: names(list, 20), withinMinutes: mt.multipleP1WithinMinutes },
      }),
    );
  } else {
    j.judgedOk.add('MultipleP1Alerts');
  }

  const judge = (name: string, x: Extreme | null, build: (x: Extreme) => Finding, evaluable: boolean): void => {
    if (x) j.findings.push(build(x));
    else if (evaluable) j.judgedOk.add(name);
  };

  const passReading = j.reading(roles.passRate?.id);
  const passCurrent = [
    ...j.junitRuns().map(({ command, tests }) => ({ value: tests.passRate, source: `${command.id} JUnit run` })),
    { value: passReading?.value ?? null, source: 'test pass rate SLO' },
  ];
  const passName = `PassRateBelow${String(mt.passRateBelowPercent).replace('.', '_')}`;
  judge(
    passName,
    extreme(j, passCurrent, 'TestPassRateLow', '<', mt.passRateBelowPercent),
    (x) => triggerFrom(passName, 'test pass rate', x, `${mt.passRateBelowPercent}%`),
    passCurrent.some((c) => c.value !== null),
  );

  const errorReading = j.reading(roles.errorRate?.id);
  const errorName = `ErrorRateAbove${String(mt.errorRateAbove * 100).replace('.', '_')}Percent`;
  judge(
    errorName,
    extreme(j, [{ value: errorReading?.value ?? null, source: 'error rate SLO' }], 'HighErrorRate', '>', mt.errorRateAbove),
    (x) => triggerFrom(errorName, 'error ratio', x, `${mt.errorRateAbove * 100}%`),
    errorReading?.value !== null && errorReading !== undefined,
  );

  const uptime = j.reading(roles.uptime?.id);
  const availabilityName = `AvailabilityBelow${String(mt.availabilityBelowPercent).replace('.', '_')}`;
  judge(
    availabilityName,
    extreme(j, [{ value: uptime?.value ?? null, source: 'service uptime SLO' }], null, '<', mt.availabilityBelowPercent),
    (x) => triggerFrom(availabilityName, 'availability', x, `${mt.availabilityBelowPercent}%`),
    uptime?.value !== null && uptime !== undefined,
  );

  // Unusual patterns: oscillation anywhere, spikes and drops in the direction that hurts.
  const worse = new Map(keySeries(j.plan.slos).map((k) => [k.id, k.worse]));
  const unusual = observation.anomalies.filter(
    (a) => a.kind === 'oscillation' || (a.kind === 'spike' && worse.get(a.series) === 'above') || (a.kind === 'drop' && worse.get(a.series) === 'below'),
  );
  if (unusual.length === 0) {
    if (!observation.prometheusError) j.judgedOk.add('UnusualMetricPattern');
    return;
  }
  const described = unusual.map((a) => `${a.series} ${a.kind} at ${a.at} (${fmt(a.value)} vs median ${fmt(a.median)})`);
  // Over when every pattern returned to normal inside the interval: the commander gets a notice.
  const ends = unusual.map((a) => a.endedAt ?? null);
  const endedAt = ends.every((e) => e !== null) ? ends.reduce((a, b) => (a! > b! ? a : b)) : null;
  j.findings.push(
    trigger('UnusualMetricPattern', `unusual patterns in metrics: ${names(described, 3)}`, {
      startedAt: unusual[0]!.at,
      endedAt,
      worst: Math.max(...unusual.map((a) => a.score)),
      evidence: { patterns: names(described, 8).slice(0, 1000) },
    }),
  );
}

function assertion(assert: string, passed: boolean, detail: string): AssertionResult {
  return { assert, passed, detail };
}

function readingText(r: SloReading | undefined, unit = ''): string {
  if (!r) return 'no such SLO';
  const worst = r.intervalWorst !== undefined ? `, worst ${fmt(r.intervalWorst, unit)} over the interval` : '';
  return `${r.id} ${fmt(r.value, unit)} (${r.status}${r.reason ? `: ${r.reason}` : ''}${worst})`;
}

function levelOk(row: LevelSlo, r: SloReading | undefined): boolean {
  if (!r || r.status !== 'ok') return false;
  return r.intervalWorst === undefined || r.intervalWorst === null || levelStatus(row, r.intervalWorst) === 'ok';
}

function summaryText(label: string, s: RunSummary): string {
  return (
    `${label} before this checkpoint: ${s.checkpoints} checkpoint${s.checkpoints === 1 ? '' : 's'} since ${s.since ?? 'the start'} ` +
    `(${s.healthy} healthy, ${s.degraded} degraded, ${s.critical} critical, ${s.blind} blind); ` +
    `findings: ${names(s.alerts)}; failed commands: ${s.failedCommands}`
  );
}

function checklistAssertions(j: Judgement, health: () => Health): AssertionResult[] {
  const { checkpoint } = j.input;
  const { roles } = j;
  const results: AssertionResult[] = [];
  const hc = j.command(HEALTH_CHECK_COMMAND);
  const hcText = hc ? (hc.ok ? 'health check passed' : `health check failed (${hc.error ?? `exit ${hc.exitCode}`})`) : 'health check not run';
  const liveCritical = j.live().filter((f) => isCritical(f.priority));

  for (const assert of checkpoint.asserts) {
    switch (assert) {
      case 'all-services-up': {
        const up = j.reading(roles.uptime?.id);
        const downAlert = serviceDownAlert(j.input.plan.escalation);
        const down = j.alert(downAlert);
        const allUp = up?.value !== null && up?.value !== undefined && up.value >= 100;
        const hcOk = !checkpoint.commands.includes(HEALTH_CHECK_COMMAND) || hc?.ok === true;
        const passed = allUp && hcOk && down?.stillFiring !== true;
        results.push(assertion(assert, passed, `${readingText(up, '%')}; ${hcText}${down?.stillFiring ? `; ${downAlert} firing` : ''}`));
        break;
      }
      case 'health-check-pass': {
        if (checkpoint.commands.includes(HEALTH_CHECK_COMMAND)) {
          results.push(assertion(assert, hc?.ok === true, hcText));
          break;
        }
        // Not run here (a backtest runs no commands): the service's own availability is the evidence.
        const up = j.reading(roles.uptime?.id);
        results.push(assertion(assert, up?.status === 'ok', `health check not run here; availability ${readingText(up, '%')}`));
        break;
      }
      case 'no-critical-alerts': {
        const unjudged = j.observation.alerts.filter((a) => a.state === 'inconclusive' && isCritical(a.priority)).map((a) => a.alert);
        const passed = liveCritical.length === 0 && unjudged.length === 0;
        const detail = liveCritical.length > 0 ? `live: ${names(liveCritical.map((f) => `${f.priority} ${f.alert}`))}` : 'no live P0/P1 findings';
        results.push(assertion(assert, passed, unjudged.length > 0 ? `${detail}; cannot judge ${names(unjudged)}` : detail));
        break;
      }
      case 'resource-usage-stable': {
        const rows = j.plan.slos.resources;
        const bad = rows.filter((row) => !levelOk(row, j.reading(row.id)));
        const anomalies = j.observation.anomalies.filter((a) => rows.some((r) => r.id === a.series));
        const detail = rows.map((row) => readingText(j.reading(row.id), '%')).join('; ');
        const extra = anomalies.length > 0 ? `; unusual: ${names(anomalies.map((a) => `${a.series} ${a.kind}`))}` : '';
        results.push(assertion(assert, rows.length > 0 && bad.length === 0 && anomalies.length === 0, `${detail}${extra}`));
        break;
      }
      case 'performance-within-slo': {
        const rows = j.plan.slos.performance;
        const bad = rows.filter((row) => j.reading(row.id)?.status !== 'ok');
        results.push(assertion(assert, rows.length > 0 && bad.length === 0, rows.map((row) => readingText(j.reading(row.id))).join('; ')));
        break;
      }
      case 'no-test-regressions':
        results.push(noTestRegressions(j));
        break;
      case 'stable-under-load': {
        const throughput = j.reading(roles.throughput?.id);
        const latency = j.reading(roles.latency?.id);
        const errors = j.reading(roles.errorRate?.id);
        const passed = [throughput, latency, errors].every((r) => r?.status === 'ok');
        results.push(assertion(assert, passed, [readingText(throughput, ' ops/s'), readingText(latency, ' s'), readingText(errors)].join('; ')));
        break;
      }
      case 'phase-summary':
      case 'review': {
        const s = assert === 'review' ? j.history.window : j.history.phase;
        const label = assert === 'review' ? `${checkpoint.review ?? 'review'} of the window` : `${checkpoint.phaseId} phase`;
        const now = health();
        const passed = s.critical === 0 && s.blind === 0 && now !== 'critical' && now !== 'blind';
        results.push(assertion(assert, passed, `${summaryText(label, s)}; this checkpoint: ${now}`));
        break;
      }
    }
  }

  const uptimeSlo = roles.uptime;
  const phaseTarget = uptimeSlo?.phaseTargets[checkpoint.phaseId];
  if (uptimeSlo && phaseTarget !== undefined) {
    const up = j.reading(uptimeSlo.id);
    const target = targetFor(uptimeSlo, checkpoint.phaseId);
    const values = [up?.value, up?.intervalWorst].filter((v): v is number => typeof v === 'number');
    const passed = up?.value !== null && up?.value !== undefined && values.every((v) => v >= target) && up.intervalWorst !== null;
    results.push(assertion('phase-availability', passed, `${checkpoint.phaseId} phase demands ${target}% availability: ${readingText(up, '%')}`));
  }
  return results;
}

/** Failing now but not failing in the baseline (the first results, T+0's production tests). */
function noTestRegressions(j: Judgement): AssertionResult {
  const baseline = j.history.testBaseline;
  if (!baseline && !j.input.checkpoint.commands.some((id) => j.input.plan.commands[id]?.junit)) {
    // No test runs of our own (a backtest runs no commands): the pass rate Prometheus holds is the evidence.
    const passRate = j.reading(j.roles.passRate?.id);
    return assertion('no-test-regressions', passRate?.status === 'ok', `no test runs here; pass rate ${readingText(passRate, '%')}`);
  }
  if (!baseline) return assertion('no-test-regressions', false, 'no baseline: no test results since the deployment');
  const runs = j.junitRuns().map(({ command, tests }) => ({ command: command.id, failing: tests.failing, passRate: tests.passRate }));
  const latest =
    runs.length > 0
      ? runs
      : Object.entries(j.history.suites)
          .filter(([, s]) => s.lastResultsAt !== null)
          .map(([command, s]) => ({ command, failing: s.lastFailing, passRate: s.lastPassRate }));
  if (latest.length === 0) return assertion('no-test-regressions', false, 'no test results to compare with the baseline');
  const known = new Set(baseline.failing);
  const regressions = [...new Set(latest.flatMap((r) => r.failing.filter((t) => !known.has(t))))];
  const rates = latest.map((r) => `${r.command} ${fmt(r.passRate, '%')}`).join(', ');
  const base = `baseline ${baseline.command} at ${baseline.at}: ${fmt(baseline.passRate, '%')}`;
  return assertion(
    'no-test-regressions',
    regressions.length === 0,
    regressions.length === 0 ? `no new failures (${rates}; ${base})` : `new failures: ${names(regressions)} (${rates}; ${base})`,
  );
}

function healthOf(j: Judgement, assertions: AssertionResult[]): Health {
  const live = j.live();
  const sight = (f: Finding) => j.input.sightProblemsAreNotCritical !== false && MONITOR_HEALTH_ALERTS.has(f.alert);
  if (live.some((f) => isCritical(f.priority) && !sight(f))) return 'critical';
  if (j.criticalBlind || live.some((f) => sight(f) && f.alert === 'MonitoringBlind')) return 'blind';
  if (live.some(sight)) return 'degraded';
  const ended = j.findings.filter((f) => f.endedAt !== null && f.priority !== 'P4');
  const liveWarn = live.some((f) => f.priority === 'P2' || f.priority === 'P3');
  const failed = j.observation.commands.some((c) => !c.ok) || assertions.some((a) => !a.passed);
  if (liveWarn || ended.length > 0 || failed || j.blindReasons.length > 0) return 'degraded';
  return 'healthy';
}

function record(summary: RunSummary, at: string, health: Health, findings: Finding[], failedCommands: number): void {
  summary.since ??= at;
  summary.checkpoints++;
  summary[health]++;
  summary.failedCommands += failedCommands;
  for (const f of findings) {
    if (!summary.alerts.includes(f.alert) && summary.alerts.length < MAX_SUMMARY_ALERTS) summary.alerts.push(f.alert);
  }
}

export function judgeCheckpoint(input: JudgeInput): { result: CheckpointResult; history: JudgeHistory } {
  const j = new Judgement(input);
  const h = j.history;
  if (h.testBaseline === null) {
    const first = j.junitRuns()[0];
    if (first) h.testBaseline = { command: first.command.id, at: j.at, passRate: first.tests.passRate, failing: first.tests.failing };
  }
  if (h.phase.id !== input.checkpoint.phaseId) h.phase = { ...emptySummary(), id: input.checkpoint.phaseId };

  prometheusAlerts(j);
  planErrors(j);
  testPassRates(j);
  testSuites(j);
  intermittentTests(j);
  healthCheck(j);
  logReview(j);
  monitoringBlind(j);
  manualTriggers(j);

  // Reviews judge the summary so far plus this checkpoint's findings (health before assertions:
  // a failed assertion makes a checkpoint degraded, never critical or blind, so this is exact).
  let provisional: Health | undefined;
  const assertions = checklistAssertions(j, () => (provisional ??= healthOf(j, [])));
  const health = healthOf(j, assertions);

  const failedCommands = input.observation.commands.filter((c) => !c.ok).length;
  record(h.window, j.at, health, j.findings, failedCommands);
  record(h.phase, j.at, health, j.findings, failedCommands);

  const found = new Set(j.findings.map((f) => f.alert));
  const inconclusive = [...j.inconclusive];
  const clear = [...j.judgedOk].filter((name) => !found.has(name) && !j.inconclusive.has(name) && !j.notClear.has(name));
  const { observation } = input;
  return {
    result: {
      commands: observation.commands,
      alerts: observation.alerts,
      slos: observation.slos,
      anomalies: observation.anomalies,
      findings: j.findings,
      health,
      assertions,
      inconclusive,
      clear,
    },
    history: h,
  };
}
