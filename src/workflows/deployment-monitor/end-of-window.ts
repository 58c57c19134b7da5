// The end of the window: judge the success criteria, then graduate (handoff report, BAU schedules,
// sign-off by both leads), extend the window, or hand the decision to the engineering lead.
import { ActivityFailure, allHandlersFinished, condition, continueAsNew, log, proxyActivities } from '@temporalio/workflow';
import type { Activities } from '../../activities/index.js';
import { SIGN_OFF_ROLES, type SignOff, type WindowVerdict } from '../../plan/records.js';
import type { Finding } from '../../plan/results.js';
import { ACTIVITY_OPTIONS } from '../../temporal/activity-options.js';
import { onCommandsQueue } from '../command-activities.js';
import type { DeploymentMonitor, Outcome } from '../inputs.js';
import type { SignOffRequest } from '../messages.js';
import { openIncident } from './incidents.js';
import { post, showProgress } from './presentation.js';
import { windowEndSeconds, type MonitorRun } from './state.js';

const windowActivities = proxyActivities<Activities>(ACTIVITY_OPTIONS.window);

const DAY_MS = 24 * 3600 * 1000;

export async function decide(run: MonitorRun): Promise<Outcome> {
  if (run.rolledBack()) return 'rolled-back';
  const verdict = await judgeWindow(run);
  if (run.rolledBack()) return 'rolled-back';
  if (verdict.passed) {
    if (!run.input.dryRun) await handOff(run);
    return 'graduated';
  }
  const { plan } = run.input;
  const failed = verdict.criteria.filter((c) => !c.passed).map((c) => c.id);
  // A backtest ends at the verdict.
  if (run.input.dryRun) return 'extend';
  if (run.extensions < plan.window.extension.maxExtensions) {
    await openIncident(run, windowFinding(run, 'CriteriaNotMet', 'P2', `success criteria failed (${failed.join(', ')}): extending the window by ${plan.window.extension.hours} h to investigate`, false), null);
    showProgress(run, `extending the window (extension ${run.extensions + 1})`);
    await Promise.all(run.posting);
    await condition(allHandlersFinished);
    return await continueAsNew<DeploymentMonitor>({
      ...run.input,
      carried: { state: run.state, judgeHistory: run.judgeHistory, extensions: run.extensions + 1, health: run.health },
    });
  }
  // Extending forever helps nobody: the engineering lead decides (sign-off to graduate, or roll back).
  await openIncident(
    run,
    windowFinding(run, 'ExtensionLimitReached', 'P1', `criteria still failing after ${run.extensions} extensions (${failed.join(', ')}): engineering lead to decide`, true),
    null,
  );
  showProgress(run, 'waiting for the engineering lead: sign off to graduate, or roll back');
  run.awaitingLeadDecision = true;
  await condition(() => run.rolledBack() || signedBy(run, 'engineering-lead'));
  run.awaitingLeadDecision = false;
  if (run.rolledBack()) return 'rolled-back';
  await handOff(run);
  return 'extend';
}

function windowFinding(run: MonitorRun, alert: string, priority: 'P1' | 'P2', summary: string, toLead: boolean): Finding {
  return { alert, priority, kind: 'trigger', summary, startedAt: null, endedAt: null, worst: null, evidence: { extensions: run.extensions }, straightToCommander: toLead };
}

async function judgeWindow(run: MonitorRun): Promise<WindowVerdict> {
  const { plan, deployment } = run.input;
  const { extensions, state } = run;
  const fromSeconds = extensions === 0 ? 0 : windowEndSeconds(plan, extensions - 1);
  const from = new Date(run.deployedAtMs + fromSeconds * 1000).toISOString();
  const to = new Date(run.deployedAtMs + windowEndSeconds(plan, extensions) * 1000).toISOString();
  showProgress(run, `judging the success criteria over ${from} – ${to}`);
  const criteria = await windowActivities.evaluateCriteria({
    criteria: plan.criteria,
    slos: plan.slos,
    prometheus: plan.prometheus,
    from,
    to,
    incidents: state.incidents,
    rollback: state.rollback,
    testRuns: testRuns(run),
    deploymentId: deployment.id,
  });
  const verdict: WindowVerdict = { extension: extensions, from, to, passed: criteria.every((c) => c.passed), criteria };
  state.verdicts.push(verdict);
  return verdict;
}

/** The monitor's own JUnit pass rates, for the test-pass-rate criterion. */
function testRuns(run: MonitorRun): Array<{ at: string; command: string; passRate: number | null }> {
  return run.state.records.flatMap((r) =>
    (r.result?.commands ?? []).filter((c) => c.tests).map((c) => ({ at: r.evaluationTime, command: c.id, passRate: c.tests!.passRate })),
  );
}

/** Handoff to business-as-usual: report, summary, BAU schedules, then sign-off by both leads. */
async function handOff(run: MonitorRun): Promise<void> {
  const { plan, deployment } = run.input;
  const { state } = run;
  showProgress(run, 'writing the handoff report');
  const archiveCommand = plan.handoff.archiveCommand ? plan.commands[plan.handoff.archiveCommand] ?? null : null;
  // With an archive command, the report is written where the command runs (the service's host).
  const { writeHandoffReport } = proxyActivities<Activities>({ ...ACTIVITY_OPTIONS.window, ...onCommandsQueue(archiveCommand ? [archiveCommand] : []) });
  const written = await writeHandoffReport({
    deployment,
    planName: plan.name,
    reportDir: plan.handoff.reportDir,
    archiveCommand,
    prometheus: plan.prometheus,
    slos: plan.slos,
    records: state.records,
    incidents: state.incidents,
    verdicts: state.verdicts,
    rollback: state.rollback,
    knownFlakyTests: plan.knownFlakyTests,
    criteria: plan.criteria,
    alerts: plan.alerts.map((a) => ({ name: a.name, runbook: a.runbook })),
    runbookBaseUrl: plan.runbookBaseUrl,
    reviews: state.reviews,
    signOffs: state.signOffs,
  });
  const handoff = { at: run.evalNow(), paths: written.paths, summary: written.summary, bauSchedules: [] as string[], bauError: null as string | null };
  state.handoff = handoff;
  post(run, 'HandoffReport', `Handoff to BAU: ${written.summary}`);
  try {
    handoff.bauSchedules = await windowActivities.ensureBauSchedules({
      deployment,
      plan: { name: plan.name, service: plan.service, channels: plan.channels, commands: plan.commands },
    });
  } catch (err) {
    // The report and sign-off still matter; the operator sees the failure in status and can retry.
    handoff.bauError = String(err instanceof ActivityFailure && err.cause ? err.cause.message : err);
    log.warn('BAU schedules not set up', { error: handoff.bauError });
  }
  // Sign-off required: Engineering Lead + SRE Lead; a daily reminder until both have signed.
  while (!allSigned(run)) {
    showProgress(run, 'waiting for sign-off by the Engineering Lead and the SRE Lead');
    if (await condition(() => allSigned(run), DAY_MS)) break;
    const missing = SIGN_OFF_ROLES.map((r) => r.role).filter((r) => !signedBy(run, r));
    post(run, 'SignOffReminder', `Sign-off still needed from: ${missing.join(', ')} (deploywatch sign-off ${deployment.id} --role …)`);
  }
}

function allSigned(run: MonitorRun): boolean {
  return SIGN_OFF_ROLES.every(({ role }) => signedBy(run, role));
}

function signedBy(run: MonitorRun, role: SignOff['role']): boolean {
  return run.state.signOffs.some((s) => s.role === role);
}

/** Sign-off is for the handoff, or the engineering lead's decision once extensions run out. */
export function requireSomethingToSign(run: MonitorRun, req: SignOffRequest): void {
  if (run.state.handoff) return;
  if (run.awaitingLeadDecision && req.role === 'engineering-lead') return;
  throw new Error('nothing to sign off yet: the handoff report is written when the window graduates');
}

export function signOff(run: MonitorRun, req: SignOffRequest): SignOff[] {
  requireSomethingToSign(run, req);
  run.state.signOffs = run.state.signOffs.filter((s) => s.role !== req.role);
  run.state.signOffs.push({ ...req, at: run.evalNow() });
  showProgress(run);
  return run.state.signOffs;
}
