// One durable monitor per deployment: walks the plan's checkpoints on an absolute clock, opens an
// incident (with its own escalation workflow) for what the checks find, and rolls back on P0.
import {
  ActivityFailure,
  allHandlersFinished,
  CancellationScope,
  ParentClosePolicy,
  condition,
  continueAsNew,
  getExternalWorkflowHandle,
  log,
  metricMeter,
  patched,
  proxyActivities,
  setCurrentDetails,
  setHandler,
  sleep,
  startChild,
  upsertSearchAttributes,
  workflowInfo,
  type SignalDefinition,
} from '@temporalio/workflow';
import type { Activities } from '../activities/index.js';
import { isCritical } from '../plan/escalation.js';
import { PRIORITIES } from '../plan/priorities.js';
import { emptyHistory, judgeCheckpoint, type JudgeHistory } from '../plan/judge.js';
import type { CheckpointResult, Finding, Health } from '../plan/results.js';
import { buildExtension, buildSchedule, type Checkpoint } from '../plan/schedule.js';
import { routeFor } from '../plan/routing.js';
import { parseDurationSeconds } from '../plan/duration.js';
import type { Plan } from '../plan/schema.js';
import { incidentEscalation } from './escalation.js';
import { type AcknowledgeRequest, acknowledgeSignal, acknowledgeUpdate, type AlertNotification, alertNotificationSignal, channelBrokenSignal, escalateSignal, evidenceSignal, incidentAckSignal, incidentReportSignal, incidentResolveSignal, type ManualEscalation, type MonitorStatus, type ResolveRequest, resolveSignal, resolveUpdate, type RollbackAnswer, type RollbackRequest, rollbackSignal, rollbackUpdate, type SignOffRequest, signOffSignal, signOffUpdate, statusQuery, systemWideSignal } from './messages.js';
import { incidentWorkflowId } from '../temporal/ids.js';
import type { CheckpointRecord, IncidentSummary, SignOff, WindowVerdict } from '../plan/records.js';
import type { EscalationInput, IncidentInfo, MonitorInput, MonitorOutcome, MonitorState, Outcome } from './inputs.js';
import { ACTIVITY_OPTIONS, checkpointOptions } from '../temporal/activity-options.js';
import { monitorHealthKey, monitorPhaseKey } from './search-attributes.js';
import {
  validateAcknowledge,
  validateAlertNotification,
  validateEscalation,
  validateResolve,
  validateRollback,
  validateSignOff,
} from './validate.js';

const { rollback: rollbackActivity } = proxyActivities<Activities>(ACTIVITY_OPTIONS.rollback);
const windowActivities = proxyActivities<Activities>(ACTIVITY_OPTIONS.window);
const notify = proxyActivities<Activities>(ACTIVITY_OPTIONS.notify);

const DAY_MS = 24 * 3600 * 1000;

/** Seconds after deployment at which window `extension` ends (0: the plan's own window). */
function windowEndSeconds(plan: Plan, extension: number): number {
  return Math.round(plan.window.durationHours * 3600 + extension * plan.window.extension.hours * 3600);
}

/** The plan's checkpoints plus those of each extension so far. */
function fullSchedule(plan: Plan, extensions: number): Checkpoint[] {
  const schedule = buildSchedule(plan);
  for (let e = 1; e <= extensions; e++) {
    schedule.push(...buildExtension(plan, windowEndSeconds(plan, e - 1), e, schedule.length));
  }
  return schedule;
}

export async function deploymentMonitor(input: MonitorInput): Promise<MonitorOutcome> {
  const monitor = new Monitor(input);
  monitor.registerHandlers();
  return await monitor.run();
}

class Monitor {
  private readonly schedule: Checkpoint[];
  private readonly state: MonitorState;
  private readonly clockBaseMs: number;
  private readonly deployedAtMs: number;
  private readonly workflowId: string;
  private phase: string;
  private announcedPhase: string | null = null;
  private health: Health = 'healthy';
  private judgeHistory: JudgeHistory;
  /** Posts still being delivered: awaited before the monitor completes or continues as new. */
  private readonly posting: Promise<void>[] = [];
  private readonly extensions: number;
  private completed = false;
  private awaitingLeadDecision = false;
  /** Children this run started: a signal to one waits until it runs, or Temporal drops it as not found. */
  private readonly childStarts = new Map<string, Promise<unknown>>();

  constructor(private readonly input: MonitorInput) {
    this.workflowId = workflowInfo().workflowId;
    this.deployedAtMs = Date.parse(input.deployment.deployedAt);
    this.clockBaseMs =
      input.clockBase === 'workflow-start' ? workflowInfo().startTime.getTime() : this.deployedAtMs;
    const carried = input.carried;
    this.extensions = carried?.extensions ?? 0;
    this.schedule = fullSchedule(input.plan, this.extensions);
    this.judgeHistory = (carried?.judgeHistory as JudgeHistory | undefined) ?? emptyHistory();
    this.health = carried?.health ?? 'healthy';
    const firstPending = this.schedule.find((cp) => !carried?.state.records[cp.index]?.finishedAt);
    this.phase = firstPending?.phaseId ?? this.schedule[0]?.phaseId ?? 'unknown';
    this.state = carried
      ? { ...carried.state, records: this.schedule.map((cp) => carried.state.records[cp.index] ?? this.newRecord(cp)) }
      : this.freshState();
  }

  private freshState(): MonitorState {
    return {
      records: this.schedule.map((cp) => this.newRecord(cp)),
      incidents: [],
      nextIncident: 1,
      rollback: null,
      brokenChannels: [],
      rejected: [],
      systemWideDeclared: false,
      seenAlerts: [],
      verdicts: [],
      signOffs: [],
      handoff: null,
      reviews: [],
    };
  }

  registerHandlers(): void {
    setHandler(statusQuery, () => this.status());
    // Signal handlers never throw: a bad payload is recorded and logged, the monitor carries on.
    setHandler(escalateSignal, (req) => this.guard('escalate', req, () => this.manualEscalation(validateEscalation(req))));
    setHandler(rollbackSignal, (req) => this.guard('rollback', req, () => this.rollback(validateRollback(req))));
    setHandler(acknowledgeSignal, (req) => this.guard('acknowledge', req, () => this.acknowledge(validateAcknowledge(req))));
    setHandler(resolveSignal, (req) => this.guard('resolve', req, () => this.resolve(validateResolve(req))));
    setHandler(signOffSignal, (req) => this.guard('signOff', req, () => this.signOff(validateSignOff(req))));
    setHandler(signOffUpdate, (req) => this.signOff(req), {
      validator: (req) => this.requireSomethingToSign(validateSignOff(req)),
    });
    setHandler(rollbackUpdate, (req) => this.rollback(req), { validator: (req) => void validateRollback(req) });
    setHandler(acknowledgeUpdate, (req) => this.acknowledge(req), {
      validator: (req) => void this.findIncident(validateAcknowledge(req).incident),
    });
    setHandler(resolveUpdate, (req) => this.resolve(req), {
      validator: (req) => void this.findIncident(validateResolve(req).incident),
    });
    setHandler(incidentReportSignal, ({ incident }) => this.guard('incidentReport', incident, () => this.onIncidentReport(incident)));
    setHandler(alertNotificationSignal, (n) => this.guard('alertNotification', n, () => this.onBridgedAlerts(validateAlertNotification(n))));
    setHandler(channelBrokenSignal, (broken) => this.guard('channelBroken', broken, () => this.onChannelBroken(broken)));
  }

  async run(): Promise<MonitorOutcome> {
    if (!this.input.carried) upsertSearchAttributes([{ key: monitorHealthKey, value: this.health }]);
    for (const checkpoint of this.schedule) {
      if (this.rolledBack()) break;
      // After continue-as-new, checkpoints already run are carried, not repeated.
      if (this.state.records[checkpoint.index]!.finishedAt) continue;
      if (this.input.dryRun) await this.replayAlertPath(checkpoint);
      if (this.rolledBack()) break;
      await this.sleepUntil(checkpoint);
      if (this.rolledBack()) break;
      await this.runCheckpoint(checkpoint);
    }
    const outcome = await this.decide();
    // The monitor never completes while a P0/P1 incident is open (a backtest has nobody to resolve them).
    if (!this.input.dryRun && this.openCritical().length > 0) {
      this.describe('waiting for open P0/P1 incidents to be resolved');
      await condition(() => this.openCritical().length === 0);
    }
    this.completed = true;
    this.describe();
    // Let in-flight posts and signal/update handlers finish so nothing and no caller is lost.
    await Promise.all(this.posting);
    await condition(allHandlersFinished);
    return {
      outcome,
      checkpointsRun: this.state.records.filter((r) => r.finishedAt).length,
      health: this.health,
      incidents: this.state.incidents,
      rollback: this.state.rollback,
      verdicts: this.state.verdicts,
      signOffs: this.state.signOffs,
      handoff: this.state.handoff,
    };
  }

  /**
   * Backtest: the live system hears of a Prometheus alert through Alertmanager and the bridge as
   * soon as it fires (breach start + for + group_wait), not at the next checkpoint. History is
   * already known, so look ahead over the coming interval and open incidents at those moments.
   */
  private async replayAlertPath(next: Checkpoint): Promise<void> {
    const previous = this.state.records[next.index - 1];
    if (!previous) return;
    const { plan } = this.input;
    const from = previous.evaluationTime;
    const to = this.state.records[next.index]!.evaluationTime;
    const groupWaitMs = parseDurationSeconds(plan.alertmanager.groupWait) * 1000;
    const scanned = await windowActivities.scanAlerts({ prometheus: plan.prometheus, alerts: plan.alerts, from, to });
    const events = scanned
      .flatMap((a) => a.breaches.map((b) => ({ a, b, detectMs: Date.parse(b.firingAt) + groupWaitMs })))
      .filter(({ b, detectMs }) => Date.parse(b.firingAt) >= Date.parse(from) && detectMs < Date.parse(to))
      .sort((x, y) => x.detectMs - y.detectMs);
    for (const { a, b, detectMs } of events) {
      const waitMs = detectMs - this.deployedAtMs + this.clockBaseMs - Date.now();
      if (waitMs > 0) await sleep(waitMs, { summary: `replay: ${a.alert} reaches the bridge` });
      if (this.rolledBack()) return;
      const ended = b.endedAt !== null && Date.parse(b.endedAt) <= detectMs;
      await this.actOnFindings(
        [
          {
            alert: a.alert,
            priority: a.priority,
            kind: 'alert',
            summary: `${a.alert} fired at ${b.firingAt} (worst ${b.worst ?? 'n/a'}), via Alertmanager`,
            startedAt: b.startedAt,
            endedAt: ended ? b.endedAt : null,
            worst: b.worst,
            evidence: { source: 'alertmanager-replay', firingAt: b.firingAt },
            straightToCommander: false,
          },
        ],
        [],
      );
    }
  }

  /** The end of the window: graduate, extend, or hand the decision to the engineering lead. */
  private async decide(): Promise<Outcome> {
    if (this.rolledBack()) return 'rolled-back';
    const verdict = await this.judgeWindow();
    if (this.rolledBack()) return 'rolled-back';
    if (verdict.passed) {
      if (!this.input.dryRun) await this.handOff();
      return 'graduated';
    }
    const { plan } = this.input;
    const failed = verdict.criteria.filter((c) => !c.passed).map((c) => c.id);
    // A backtest ends at the verdict.
    if (this.input.dryRun) return 'extend';
    if (this.extensions < plan.window.extension.maxExtensions) {
      await this.openIncident(this.windowFinding('CriteriaNotMet', 'P2', `success criteria failed (${failed.join(', ')}): extending the window by ${plan.window.extension.hours} h to investigate`, false), null);
      this.describe(`extending the window (extension ${this.extensions + 1})`);
      await Promise.all(this.posting);
      await condition(allHandlersFinished);
      return await continueAsNew<typeof deploymentMonitor>({
        ...this.input,
        carried: { state: this.state, judgeHistory: this.judgeHistory, extensions: this.extensions + 1, health: this.health },
      });
    }
    // Extending forever helps nobody: the engineering lead decides (sign-off to graduate, or roll back).
    await this.openIncident(
      this.windowFinding('ExtensionLimitReached', 'P1', `criteria still failing after ${this.extensions} extensions (${failed.join(', ')}): engineering lead to decide`, true),
      null,
    );
    this.describe('waiting for the engineering lead: sign off to graduate, or roll back');
    this.awaitingLeadDecision = true;
    await condition(() => this.rolledBack() || this.signedBy('engineering-lead'));
    this.awaitingLeadDecision = false;
    if (this.rolledBack()) return 'rolled-back';
    await this.handOff();
    return 'extend';
  }

  private windowFinding(alert: string, priority: 'P1' | 'P2', summary: string, toLead: boolean): Finding {
    return { alert, priority, kind: 'trigger', summary, startedAt: null, endedAt: null, worst: null, evidence: { extensions: this.extensions }, straightToCommander: toLead };
  }

  private async judgeWindow(): Promise<WindowVerdict> {
    const { plan, deployment } = this.input;
    const fromSeconds = this.extensions === 0 ? 0 : windowEndSeconds(plan, this.extensions - 1);
    const from = new Date(this.deployedAtMs + fromSeconds * 1000).toISOString();
    const to = new Date(this.deployedAtMs + windowEndSeconds(plan, this.extensions) * 1000).toISOString();
    this.describe(`judging the success criteria over ${from} – ${to}`);
    const criteria = await windowActivities.evaluateCriteria({
      criteria: plan.criteria,
      slos: plan.slos,
      prometheus: plan.prometheus,
      from,
      to,
      incidents: this.state.incidents,
      rollback: this.state.rollback,
      testRuns: this.testRuns(),
      deploymentId: deployment.id,
    });
    const verdict: WindowVerdict = { extension: this.extensions, from, to, passed: criteria.every((c) => c.passed), criteria };
    this.state.verdicts.push(verdict);
    return verdict;
  }

  /** The monitor's own JUnit pass rates, for the test-pass-rate criterion. */
  private testRuns(): Array<{ at: string; command: string; passRate: number | null }> {
    return this.state.records.flatMap((r) =>
      (r.result?.commands ?? []).filter((c) => c.tests).map((c) => ({ at: r.evaluationTime, command: c.id, passRate: c.tests!.passRate })),
    );
  }

  /** Handoff to business-as-usual: report, summary, BAU schedules, then sign-off by both leads. */
  private async handOff(): Promise<void> {
    const { plan, deployment } = this.input;
    this.describe('writing the handoff report');
    const written = await windowActivities.writeHandoffReport({
      deployment,
      planName: plan.name,
      reportDir: plan.handoff.reportDir,
      archiveCommand: plan.handoff.archiveCommand ? plan.commands[plan.handoff.archiveCommand] ?? null : null,
      prometheus: plan.prometheus,
      slos: plan.slos,
      records: this.state.records,
      incidents: this.state.incidents,
      verdicts: this.state.verdicts,
      rollback: this.state.rollback,
      knownFlakyTests: plan.knownFlakyTests,
      criteria: plan.criteria,
      alerts: plan.alerts.map((a) => ({ name: a.name, runbook: a.runbook })),
      runbookBaseUrl: plan.runbookBaseUrl,
      reviews: this.state.reviews,
      signOffs: this.state.signOffs,
    });
    const handoff = { at: this.evalNow(), paths: written.paths, summary: written.summary, bauSchedules: [] as string[], bauError: null as string | null };
    this.state.handoff = handoff;
    this.post('HandoffReport', `Handoff to BAU: ${written.summary}`);
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
    while (!(this.signedBy('engineering-lead') && this.signedBy('sre-lead'))) {
      this.describe('waiting for sign-off by the Engineering Lead and the SRE Lead');
      if (await condition(() => this.signedBy('engineering-lead') && this.signedBy('sre-lead'), DAY_MS)) break;
      const missing = (['engineering-lead', 'sre-lead'] as const).filter((r) => !this.signedBy(r));
      this.post('SignOffReminder', `Sign-off still needed from: ${missing.join(', ')} (deploywatch sign-off ${deployment.id} --role …)`);
    }
  }

  private signedBy(role: SignOff['role']): boolean {
    return this.state.signOffs.some((s) => s.role === role);
  }

  /** Sign-off is for the handoff, or the engineering lead's decision once extensions run out. */
  private requireSomethingToSign(req: SignOffRequest): void {
    if (this.state.handoff) return;
    if (this.awaitingLeadDecision && req.role === 'engineering-lead') return;
    throw new Error('nothing to sign off yet: the handoff report is written when the window graduates');
  }

  private signOff(req: SignOffRequest): SignOff[] {
    this.requireSomethingToSign(req);
    this.state.signOffs = this.state.signOffs.filter((s) => s.role !== req.role);
    this.state.signOffs.push({ ...req, at: this.evalNow() });
    this.describe();
    return this.state.signOffs;
  }

  /** The seed's interim reviews (T+1h summary, T+12h, T+24h, T+36h, …): posted and kept. */
  private review(checkpoint: Checkpoint, result: CheckpointResult): void {
    const text = result.assertions.find((a) => a.assert === 'review')?.detail ?? `health ${result.health}`;
    const open = this.state.incidents.filter((i) => i.status !== 'resolved');
    const full = `${checkpoint.title} — ${text}; open incidents: ${open.length ? open.map((i) => `#${i.number} ${i.priority} ${i.alert}`).join(', ') : 'none'}`;
    this.state.reviews.push({ at: this.state.records[checkpoint.index]!.evaluationTime, label: `${checkpoint.label} ${checkpoint.review ?? 'review'}`, text: full });
    this.post('InterimReview', full);
  }

  /**
   * A message for the team on the SRE channel (the P3 route): reviews, handoff, reminders.
   * Never awaited by the checkpoint loop: a slow Slack must not delay the next check.
   */
  private post(kind: string, text: string): void {
    if (this.input.dryRun) return;
    const { plan, deployment } = this.input;
    for (const channel of routeFor(plan.channels, 'P3').slack) {
      const sent = notify
        .notifySlack({
          channel,
          webhookEnv: plan.channels.slackWebhookEnv[channel] ?? 'DEPLOYWATCH_SLACK_WEBHOOK',
          notification: {
            incidentId: `${this.workflowId}/${kind}`,
            deploymentId: deployment.id,
            service: deployment.service,
            priority: 'P3',
            alert: kind,
            event: 'notice',
            title: `${deployment.service} ${deployment.version}`,
            summary: text,
            details: {},
          },
        })
        .then(
          () => undefined,
          (err: unknown) => log.warn('could not post to Slack', { kind, error: String(err) }),
        );
      this.posting.push(sent);
    }
  }

  status(): MonitorStatus {
    const next = this.completed ? undefined : this.state.records.find((r) => r.status === 'pending' || r.status === 'running');
    return {
      deployment: this.input.deployment,
      planName: this.input.plan.name,
      phase: this.phase,
      health: this.health,
      checklist: this.state.records,
      nextCheckpoint: next ? { index: next.index, label: next.label, plannedAt: next.plannedAt } : null,
      completed: this.completed,
      incidents: this.state.incidents,
      rollback: this.state.rollback,
      rejected: this.state.rejected,
      extensions: this.extensions,
      verdicts: this.state.verdicts,
      signOffs: this.state.signOffs,
      handoff: this.state.handoff,
      reviews: this.state.reviews,
    };
  }

  private newRecord(cp: Checkpoint): CheckpointRecord {
    return {
      index: cp.index,
      label: cp.label,
      title: cp.title,
      phaseId: cp.phaseId,
      offsetSeconds: cp.offsetSeconds,
      plannedAt: new Date(this.clockBaseMs + cp.offsetSeconds * 1000).toISOString(),
      evaluationTime: new Date(this.deployedAtMs + cp.offsetSeconds * 1000).toISOString(),
      startedAt: null,
      finishedAt: null,
      status: 'pending',
      actions: [],
      asserts: cp.asserts,
      review: cp.review ?? null,
      result: null,
    };
  }

  private rolledBack(): boolean {
    return this.state.rollback?.ok === true;
  }

  /** The evaluation-time domain (deployment time + elapsed), for timestamps people compare with data. */
  private evalNow(): string {
    return new Date(Date.now() - this.clockBaseMs + this.deployedAtMs).toISOString();
  }

  private guard(message: string, payload: unknown, fn: () => unknown): void {
    try {
      const result = fn();
      if (result instanceof Promise) result.catch((err: unknown) => this.reject(message, payload, err));
    } catch (err) {
      this.reject(message, payload, err);
    }
  }

  private reject(message: string, payload: unknown, err: unknown): void {
    const reason = err instanceof Error ? err.message : String(err);
    log.warn('rejected a message', { message, reason });
    this.state.rejected.push({ at: this.evalNow(), message, reason, payload: JSON.stringify(payload ?? null).slice(0, 500) });
    if (this.state.rejected.length > 50) this.state.rejected.shift();
  }

  // Sleep to an absolute due time (clock base + offset), so a slow check never delays the next.
  // A rollback wakes the monitor early.
  private async sleepUntil(checkpoint: Checkpoint): Promise<void> {
    const waitMs = this.clockBaseMs + checkpoint.offsetSeconds * 1000 - Date.now();
    if (waitMs <= 0) return;
    const scope = new CancellationScope();
    const timer = scope.run(() => sleep(waitMs, { summary: `until ${checkpoint.label}` }));
    timer.catch(() => undefined);
    await Promise.race([timer, condition(() => this.rolledBack())]);
    if (this.rolledBack()) scope.cancel();
  }

  private async runCheckpoint(checkpoint: Checkpoint): Promise<void> {
    const record = this.state.records[checkpoint.index]!;
    this.enterPhase(checkpoint.phaseId);
    record.status = 'running';
    record.startedAt = new Date(Date.now()).toISOString();
    record.actions = this.input.dryRun ? [] : checkpoint.commands;
    this.describe();

    const { plan, deployment } = this.input;
    // A backtest runs no commands: their results are read from Prometheus history instead.
    const actions = this.input.dryRun ? [] : checkpoint.commands;
    const commands = Object.fromEntries(actions.map((id) => [id, plan.commands[id]!]));
    const slowest = Math.max(0, ...Object.values(commands).map((c) => c.timeoutSeconds));
    const { runCheckpoint } = proxyActivities<Activities>(checkpointOptions(slowest, checkpoint.label));
    const previous = checkpoint.index > 0 ? this.state.records[checkpoint.index - 1]! : null;
    const observation = await runCheckpoint({
      deploymentId: deployment.id,
      service: deployment.service,
      checkpoint: { index: checkpoint.index, label: checkpoint.label, offsetSeconds: checkpoint.offsetSeconds, phaseId: checkpoint.phaseId },
      evaluationTime: record.evaluationTime,
      intervalStart: previous?.evaluationTime ?? deployment.deployedAt,
      commands,
      prometheus: plan.prometheus,
      alerts: plan.alerts.flatMap(({ name, priority, source, expr, op, threshold, for: holdFor }) =>
        source === 'prometheus' ? [{ name, priority, source, expr, op, threshold, for: holdFor }] : [],
      ),
      slos: plan.slos,
      logReview: plan.logReview,
    });
    const judged = judgeCheckpoint({
      plan,
      // What was actually run: a backtest runs no commands, and its assertions say so.
      checkpoint: { ...checkpoint, commands: actions },
      sightProblemsAreNotCritical: patched('sight-problems-not-critical'),
      evaluationTime: record.evaluationTime,
      intervalStart: previous?.evaluationTime ?? deployment.deployedAt,
      observation,
      history: this.judgeHistory,
    });
    this.judgeHistory = judged.history;
    const result = judged.result;

    record.result = result;
    record.finishedAt = new Date(Date.now()).toISOString();
    record.status = result.health === 'blind' ? 'inconclusive' : result.health === 'healthy' ? 'passed' : 'failed';
    this.setHealth(result.health);
    if (checkpoint.review) this.review(checkpoint, result);
    await this.actOnFindings(result.findings, result.clear);
    this.describe();
  }

  private async actOnFindings(findings: Finding[], clear: string[]): Promise<void> {
    for (const finding of findings) {
      const open = this.openIncidentFor(finding.alert);
      if (open) {
        if (finding.endedAt === null) await this.tellIncident(open, evidenceSignal, { firing: true, at: this.evalNow(), detail: finding.summary });
        continue;
      }
      await this.openIncident(finding, null);
      // P0 is a real `up == 0` reading still going on: roll back at once.
      if (finding.priority === 'P0' && finding.endedAt === null) {
        await this.rollback({ reason: `${finding.alert}: ${finding.summary}`, actor: 'deploywatch' });
      }
    }
    for (const alert of clear) {
      const open = this.openIncidentFor(alert);
      if (open) await this.tellIncident(open, evidenceSignal, { firing: false, at: this.evalNow() });
    }
    await this.checkSystemWide();
  }

  private openIncidentFor(alert: string): IncidentSummary | undefined {
    return this.state.incidents.find((i) => i.alert === alert && i.status !== 'resolved');
  }

  private openCritical(): IncidentSummary[] {
    return this.state.incidents.filter((i) => i.status !== 'resolved' && isCritical(i.priority));
  }

  private async openIncident(finding: Finding, openedBy: string | null, excludeChannels: Array<'slack' | 'pagerduty' | 'email'> = []): Promise<IncidentSummary> {
    const { plan, deployment } = this.input;
    const number = this.state.nextIncident++;
    const id = incidentWorkflowId(deployment.id, number);
    const alreadyEnded = finding.endedAt !== null;
    const detectedAt = this.evalNow();
    const info: IncidentInfo = {
      id,
      number,
      alert: finding.alert,
      priority: finding.priority,
      summary: finding.summary,
      startedAt: finding.startedAt ?? detectedAt,
      detectedAt,
      evidence: finding.evidence,
      straightToCommander: finding.straightToCommander,
      alreadyEnded,
      endedAt: finding.endedAt,
      openedBy,
    };
    const rule = plan.alerts.find((a) => a.name === finding.alert) ?? null;
    const summary: IncidentSummary = {
      id,
      workflowId: id,
      number,
      alert: finding.alert,
      priority: finding.priority,
      status: alreadyEnded ? 'resolved' : 'open',
      startedAt: info.startedAt,
      detectedAt,
      resolvedAt: alreadyEnded ? finding.endedAt : null,
      resolvedBy: alreadyEnded ? 'ended-before-detection' : null,
      escalatedTo: [],
      acknowledgedBy: null,
      summary: finding.summary,
      timeline: [],
    };
    this.state.incidents.push(summary);
    const started = startChild(incidentEscalation, {
      workflowId: id,
      args: [
        {
          incident: info,
          deployment,
          monitorWorkflowId: this.workflowId,
          channels: plan.channels,
          escalation: plan.escalation,
          prometheus: plan.prometheus,
          rule,
          runbookUrl: rule?.runbook ? `${plan.runbookBaseUrl}#${rule.runbook}` : null,
          evalShiftMs: this.deployedAtMs - this.clockBaseMs,
          dryRun: this.input.dryRun === true,
          excludeChannels,
          triage: this.triageFor(finding.alert),
        },
      ],
      // Incidents outlive the monitor's runs (continue-as-new, completion after a rollback).
      parentClosePolicy: ParentClosePolicy.ABANDON,
      staticSummary: `${finding.priority} ${finding.alert}: ${finding.summary}`.slice(0, 200),
    });
    this.childStarts.set(id, started);
    await started;
    log.info('incident opened', { incident: id, alert: finding.alert, priority: finding.priority, alreadyEnded });
    return summary;
  }

  private triageFor(alert: string): EscalationInput['triage'] {
    const { plan } = this.input;
    const triage = plan.triage[alert];
    if (!triage) return null;
    return { commands: Object.fromEntries(triage.commands.map((id) => [id, plan.commands[id]!])), queries: triage.queries };
  }

  private async tellIncident<T>(incident: IncidentSummary, signal: SignalDefinition<[T]>, arg: T): Promise<void> {
    try {
      // 0.1.0 signalled at once, and a child still starting dropped the signal as not found.
      if (patched('signal-incidents-once-started')) await this.childStarts.get(incident.workflowId);
      await getExternalWorkflowHandle(incident.workflowId).signal(signal, arg);
    } catch (err) {
      log.warn('could not reach an incident workflow', { incident: incident.id, error: String(err) });
    }
  }

  private async checkSystemWide(): Promise<void> {
    const open = this.openCritical();
    if (this.state.systemWideDeclared || open.length < this.input.plan.escalation.systemWideOutage.openCriticalIncidents) return;
    this.state.systemWideDeclared = true;
    for (const incident of open) {
      await this.tellIncident(incident, systemWideSignal, { reason: `${open.length} P0/P1 incidents open at once` });
    }
  }

  private onIncidentReport(report: IncidentSummary): void {
    const index = this.state.incidents.findIndex((i) => i.id === report.id);
    if (index === -1) throw new Error(`report for unknown incident ${report.id}`);
    // A report sent before the child heard of an ack or resolve arrives after it: status never goes back.
    const known = this.state.incidents[index]!;
    const rank = { open: 0, acknowledged: 1, resolved: 2 } as const;
    this.state.incidents[index] =
      rank[known.status] > rank[report.status]
        ? { ...report, status: known.status, acknowledgedBy: known.acknowledgedBy ?? report.acknowledgedBy, resolvedAt: known.resolvedAt, resolvedBy: known.resolvedBy }
        : report;
    this.describe();
  }

  /** deploywatch_open_incidents{deployment, priority}, refreshed whenever the monitor reports. */
  private publishOpenIncidents(): void {
    const gauge = metricMeter.createGauge('deploywatch_open_incidents', 'int', 'incidents', 'Open incidents by priority');
    for (const priority of PRIORITIES) {
      const open = this.completed ? 0 : this.state.incidents.filter((i) => i.priority === priority && i.status !== 'resolved').length;
      gauge.set(open, { deployment: this.input.deployment.id, priority });
    }
  }

  /** Alerts Prometheus fired between checkpoints, via Alertmanager and the bridge. */
  private async onBridgedAlerts(notification: AlertNotification): Promise<void> {
    for (const alert of notification.alerts) {
      // Alertmanager repeats notifications; act once per alert occurrence and status.
      const key = `${alert.fingerprint}/${alert.startsAt}/${alert.status}`;
      if (this.state.seenAlerts.includes(key)) continue;
      this.state.seenAlerts.push(key);
      if (this.state.seenAlerts.length > 500) this.state.seenAlerts.shift();
      const rule = this.input.plan.alerts.find((r) => r.name === alert.alertname);
      if (!rule) {
        this.reject('alertNotification', alert, new Error(`alert ${alert.alertname} is not in plan ${this.input.plan.name}`));
        continue;
      }
      const open = this.openIncidentFor(alert.alertname);
      if (alert.status === 'resolved') {
        // Resolution evidence: the incident still confirms with its own re-check before closing.
        if (open) await this.tellIncident(open, evidenceSignal, { firing: false, at: alert.endsAt ?? notification.receivedAt, detail: 'Alertmanager: resolved' });
        continue;
      }
      await this.actOnFindings(
        [
          {
            alert: alert.alertname,
            priority: rule.priority,
            kind: 'alert',
            summary: alert.summary || `${alert.alertname} firing (Prometheus)`,
            startedAt: alert.startsAt,
            endedAt: null,
            worst: null,
            evidence: { source: 'alertmanager', fingerprint: alert.fingerprint, ...alert.labels },
            straightToCommander: false,
          },
        ],
        [],
      );
    }
  }

  private async onChannelBroken(broken: { channel: 'slack' | 'pagerduty' | 'email'; target: string; error: string }): Promise<void> {
    const key = `${broken.channel}:${broken.target}`;
    if (this.state.brokenChannels.includes(key)) return;
    this.state.brokenChannels.push(key);
    await this.openIncident(
      {
        alert: 'NotificationChannelBroken',
        priority: 'P2',
        kind: 'alert',
        summary: `${broken.channel} (${broken.target}) rejects notifications: ${broken.error}`,
        startedAt: null,
        endedAt: null,
        worst: null,
        evidence: { channel: broken.channel, target: broken.target },
        straightToCommander: false,
      },
      null,
      [broken.channel],
    );
  }

  private async manualEscalation(req: ManualEscalation): Promise<void> {
    const finding: Finding = {
      alert: 'ManualEscalation',
      priority: req.priority,
      kind: 'trigger',
      summary: `${req.actor}: ${req.reason}`,
      startedAt: null,
      endedAt: null,
      worst: null,
      evidence: { actor: req.actor, reason: req.reason },
      straightToCommander: true,
    };
    const incident = await this.openIncident(finding, req.actor);
    if (req.systemWide) await this.tellIncident(incident, systemWideSignal, { reason: `declared by ${req.actor}: ${req.reason}` });
  }

  private async rollback(req: RollbackRequest): Promise<RollbackAnswer> {
    const previous = this.state.rollback;
    if (previous?.ok || previous?.inProgress) {
      return { status: 'already-rolled-back', at: previous.at, detail: `already rolled back by ${previous.actor}: ${previous.reason}` };
    }
    const at = this.evalNow();
    this.state.rollback = { at, reason: req.reason, actor: req.actor, ok: false, inProgress: true, detail: 'in progress' };
    const result = this.input.dryRun
      ? { ok: true, detail: 'backtest: recorded, not executed' }
      : await rollbackActivity({
          deploymentId: this.input.deployment.id,
          version: this.input.deployment.version,
          reason: req.reason,
          actor: req.actor,
          idempotencyKey: `${this.workflowId}/rollback`,
          procedure: this.input.plan.rollback ?? null,
        }).catch((err: unknown) => ({ ok: false, detail: `rollback activity failed: ${String(err)}` }));
    this.state.rollback = { at, reason: req.reason, actor: req.actor, ok: result.ok, inProgress: false, detail: result.detail };
    this.describe();
    return { status: result.ok ? 'rolled-back' : 'failed', at, detail: result.detail };
  }

  private findIncident(ref: string | number): IncidentSummary {
    const incident = this.state.incidents.find((i) => i.id === ref || i.number === Number(ref) || i.workflowId === ref);
    if (!incident) throw new Error(`no incident ${ref} in ${this.workflowId}`);
    return incident;
  }

  private async acknowledge(req: AcknowledgeRequest): Promise<IncidentSummary> {
    const incident = this.findIncident(req.incident);
    if (incident.status === 'open') {
      incident.status = 'acknowledged';
      incident.acknowledgedBy = req.actor;
      await this.tellIncident(incident, incidentAckSignal, { actor: req.actor });
    }
    return incident;
  }

  private async resolve(req: ResolveRequest): Promise<IncidentSummary> {
    const incident = this.findIncident(req.incident);
    if (incident.status !== 'resolved') {
      incident.status = 'resolved';
      incident.resolvedAt = this.evalNow();
      incident.resolvedBy = req.actor;
      await this.tellIncident(incident, incidentResolveSignal, { actor: req.actor, ...(req.note ? { note: req.note } : {}) });
    }
    return incident;
  }

  private enterPhase(phase: string): void {
    this.phase = phase;
    if (phase === this.announcedPhase) return;
    this.announcedPhase = phase;
    upsertSearchAttributes([{ key: monitorPhaseKey, value: phase }]);
  }

  private setHealth(health: Health): void {
    if (health === this.health) return;
    this.health = health;
    upsertSearchAttributes([{ key: monitorHealthKey, value: health }]);
  }

  // The Temporal UI's "current details": the checklist at a glance (and the incident gauge).
  private describe(note?: string): void {
    this.publishOpenIncidents();
    const { deployment } = this.input;
    const done = this.state.records.filter((r) => r.finishedAt).length;
    const next = this.status().nextCheckpoint;
    const open = this.state.incidents.filter((i) => i.status !== 'resolved');
    const lines = [
      `**${deployment.service} ${deployment.version}** — phase ${this.phase}, health ${this.health}`,
      `${done}/${this.state.records.length} checkpoints done`,
      next ? `next: ${next.label} at ${next.plannedAt}` : 'window complete',
      open.length ? `open incidents: ${open.map((i) => `${i.priority} ${i.alert} (${i.escalatedTo.at(-1) ?? 'new'})`).join(', ')}` : 'no open incidents',
    ];
    if (this.state.rollback) lines.push(`rollback: ${this.state.rollback.ok ? 'done' : 'not done'} — ${this.state.rollback.detail}`);
    if (note) lines.push(note);
    setCurrentDetails(lines.join('\n\n'));
  }
}

