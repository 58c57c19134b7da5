// Judges one checkpoint's observation against the plan: findings (with P0–P4 priorities), the
// checklist's assertions, and the monitor's health. Pure: the workflow calls it deterministically,
// and everything it must remember between checkpoints is in the bounded JudgeHistory it returns.
import { isCritical } from '../escalation.js';
import type { AssertionResult, CheckpointResult, Finding, Health } from '../results.js';
import { type JudgeInput, Judgement, MONITOR_HEALTH_ALERTS } from './judgement.js';
import { emptySummary, recordRun, type JudgeHistory } from './history.js';
import { healthCheck, logReview, monitoringBlind, planErrors, prometheusAlerts } from './alert-findings.js';
import { checklistAssertions } from './checklist.js';
import { manualTriggers } from './manual-triggers.js';
import { intermittentTests, testPassRates, testSuites } from './test-findings.js';

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
  recordRun(h.window, j.at, health, j.findings, failedCommands);
  recordRun(h.phase, j.at, health, j.findings, failedCommands);

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
