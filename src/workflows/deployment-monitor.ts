// One durable monitor per deployment: walks the plan's checkpoints on an absolute clock, opens an
// incident (with its own escalation workflow) for what the checks find, and rolls back on P0.
import {
  allHandlersFinished,
  CancellationScope,
  ParentClosePolicy,
  condition,
  getExternalWorkflowHandle,
  log,
  proxyActivities,
  setCurrentDetails,
  setHandler,
  sleep,
  startChild,
  upsertSearchAttributes,
  workflowInfo,
  type SignalDefinition,
} from '@temporalio/workflow';
import type { createActivities } from '../activities/index.js';
import { isCritical } from '../plan/escalation.js';
import { emptyHistory, judgeCheckpoint, type JudgeHistory } from '../plan/judge.js';
import type { Finding, Health } from '../plan/results.js';
import { buildSchedule, type Checkpoint } from '../plan/schedule.js';
import { incidentEscalation } from './escalation.js';
import {
  acknowledgeSignal,
  acknowledgeUpdate,
  channelBrokenSignal,
  escalateSignal,
  evidenceSignal,
  incidentAckSignal,
  incidentReportSignal,
  incidentResolveSignal,
  incidentWorkflowId,
  resolveSignal,
  resolveUpdate,
  rollbackSignal,
  rollbackUpdate,
  statusQuery,
  systemWideSignal,
  type AcknowledgeRequest,
  type CheckpointRecord,
  type IncidentInfo,
  type IncidentSummary,
  type ManualEscalation,
  type MonitorInput,
  type MonitorOutcome,
  type MonitorState,
  type MonitorStatus,
  type ResolveRequest,
  type RollbackAnswer,
  type RollbackRequest,
} from './messages.js';
import { monitorHealthKey, monitorPhaseKey } from './search-attributes.js';
import { validateAcknowledge, validateEscalation, validateResolve, validateRollback } from './validate.js';

type Activities = ReturnType<typeof createActivities>;

/** Head-room over the slowest command so a hung script fails the attempt rather than the window. */
const CHECKPOINT_MARGIN_SECONDS = 120;

// A rollback is never retried blindly: one attempt per request.
const { rollback: rollbackActivity } = proxyActivities<Activities>({
  startToCloseTimeout: '10m',
  retry: { maximumAttempts: 1 },
});

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
  private judgeHistory: JudgeHistory = emptyHistory();
  private completed = false;

  constructor(private readonly input: MonitorInput) {
    this.workflowId = workflowInfo().workflowId;
    this.deployedAtMs = Date.parse(input.deployment.deployedAt);
    this.clockBaseMs =
      input.clockBase === 'workflow-start' ? workflowInfo().startTime.getTime() : this.deployedAtMs;
    this.schedule = buildSchedule(input.plan);
    this.phase = this.schedule[0]?.phaseId ?? 'unknown';
    this.state = {
      records: this.schedule.map((cp) => this.newRecord(cp)),
      incidents: [],
      nextIncident: 1,
      rollback: null,
      brokenChannels: [],
      rejected: [],
      systemWideDeclared: false,
    };
  }

  registerHandlers(): void {
    setHandler(statusQuery, () => this.status());
    // Signal handlers never throw: a bad payload is recorded and logged, the monitor carries on.
    setHandler(escalateSignal, (req) => this.guard('escalate', req, () => this.manualEscalation(validateEscalation(req))));
    setHandler(rollbackSignal, (req) => this.guard('rollback', req, () => this.rollback(validateRollback(req))));
    setHandler(acknowledgeSignal, (req) => this.guard('acknowledge', req, () => this.acknowledge(validateAcknowledge(req))));
    setHandler(resolveSignal, (req) => this.guard('resolve', req, () => this.resolve(validateResolve(req))));
    setHandler(rollbackUpdate, (req) => this.rollback(req), { validator: (req) => void validateRollback(req) });
    setHandler(acknowledgeUpdate, (req) => this.acknowledge(req), {
      validator: (req) => void this.findIncident(validateAcknowledge(req).incident),
    });
    setHandler(resolveUpdate, (req) => this.resolve(req), {
      validator: (req) => void this.findIncident(validateResolve(req).incident),
    });
    setHandler(incidentReportSignal, ({ incident }) => this.guard('incidentReport', incident, () => this.onIncidentReport(incident)));
    setHandler(channelBrokenSignal, (broken) => this.guard('channelBroken', broken, () => this.onChannelBroken(broken)));
  }

  async run(): Promise<MonitorOutcome> {
    upsertSearchAttributes([{ key: monitorHealthKey, value: this.health }]);
    for (const checkpoint of this.schedule) {
      if (this.rolledBack()) break;
      await this.sleepUntil(checkpoint);
      if (this.rolledBack()) break;
      await this.runCheckpoint(checkpoint);
    }
    // The monitor never completes while a P0/P1 incident is open.
    if (this.openCritical().length > 0) {
      this.describe('waiting for open P0/P1 incidents to be resolved');
      await condition(() => this.openCritical().length === 0);
    }
    this.completed = true;
    this.describe();
    // Let in-flight signal/update handlers finish so no caller loses its answer.
    await condition(allHandlersFinished);
    return {
      outcome: this.rolledBack() ? 'rolled-back' : 'completed',
      checkpointsRun: this.state.records.filter((r) => r.finishedAt).length,
      health: this.health,
      incidents: this.state.incidents,
      rollback: this.state.rollback,
    };
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
    record.actions = checkpoint.commands;
    this.describe();

    const { plan, deployment } = this.input;
    const commands = Object.fromEntries(checkpoint.commands.map((id) => [id, plan.commands[id]!]));
    const slowest = Math.max(0, ...Object.values(commands).map((c) => c.timeoutSeconds));
    const { runCheckpoint } = proxyActivities<Activities>({
      startToCloseTimeout: `${slowest + CHECKPOINT_MARGIN_SECONDS}s`,
      heartbeatTimeout: '60s',
      retry: { maximumAttempts: 3, initialInterval: '10s', nonRetryableErrorTypes: ['PrometheusQueryError'] },
      summary: checkpoint.label,
    });
    const previous = checkpoint.index > 0 ? this.state.records[checkpoint.index - 1]! : null;
    const observation = await runCheckpoint({
      deploymentId: deployment.id,
      service: deployment.service,
      checkpoint: { index: checkpoint.index, label: checkpoint.label, offsetSeconds: checkpoint.offsetSeconds },
      evaluationTime: record.evaluationTime,
      intervalStart: previous?.evaluationTime ?? deployment.deployedAt,
      commands,
    });
    const judged = judgeCheckpoint({ plan, checkpoint, evaluationTime: record.evaluationTime, observation, history: this.judgeHistory });
    this.judgeHistory = judged.history;
    const result = judged.result;

    record.result = result;
    record.finishedAt = new Date(Date.now()).toISOString();
    record.status = result.health === 'blind' ? 'inconclusive' : result.health === 'healthy' ? 'passed' : 'failed';
    this.setHealth(result.health);
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
    await startChild(incidentEscalation, {
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
        },
      ],
      // Incidents outlive the monitor's runs (continue-as-new, completion after a rollback).
      parentClosePolicy: ParentClosePolicy.ABANDON,
      staticSummary: `${finding.priority} ${finding.alert}: ${finding.summary}`.slice(0, 200),
    });
    log.info('incident opened', { incident: id, alert: finding.alert, priority: finding.priority, alreadyEnded });
    return summary;
  }

  private async tellIncident<T>(incident: IncidentSummary, signal: SignalDefinition<[T]>, arg: T): Promise<void> {
    try {
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
    this.state.incidents[index] = report;
    this.describe();
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

  // The Temporal UI's "current details": the checklist at a glance.
  private describe(note?: string): void {
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

