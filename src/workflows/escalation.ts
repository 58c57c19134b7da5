// One escalation workflow per incident (monitor-<deploymentId>/incident-<n>): pages people on the
// plan's timers, re-checks the condition before each step, and reports back to the monitor.
import {
  ActivityFailure,
  ApplicationFailure,
  condition,
  getExternalWorkflowHandle,
  log,
  proxyActivities,
  setHandler,
} from '@temporalio/workflow';
import type { Activities } from '../activities/index.js';
import { escalationSteps, isCritical, isSystemWideOutage, recheckMinutes, ROLES, serviceDownAlert, type EscalationStep } from '../plan/escalation.js';
import { routeFor, slackWebhookEnv, type Notification } from '../plan/routing.js';
import { ACTIVITY_OPTIONS, ERROR_TYPES } from '../temporal/activity-options.js';
import { parseDurationSeconds } from '../plan/duration.js';
import { boundedByCommands, onCommandsQueue } from './command-activities.js';
import { channelBrokenSignal, evidenceSignal, incidentAckSignal, incidentQuery, incidentReportSignal, incidentResolveSignal, notificationsQuery, systemWideSignal } from './messages.js';
import type { EscalationInput } from './inputs.js';
import type { IncidentSummary, NotificationRecord } from '../plan/records.js';

type Channel = NotificationRecord['channel'];

const notify = proxyActivities<Activities>(ACTIVITY_OPTIONS.notify);
const checks = proxyActivities<Activities>(ACTIVITY_OPTIONS.incidentCheck);

export async function incidentEscalation(input: EscalationInput): Promise<IncidentSummary> {
  const escalation = new Escalation(input);
  setHandler(incidentQuery, () => escalation.summary);
  setHandler(notificationsQuery, () => escalation.notifications);
  setHandler(incidentAckSignal, ({ actor }) => escalation.acknowledge(actor));
  setHandler(incidentResolveSignal, ({ actor, note }) => escalation.resolve(actor, note ?? 'resolved by a human'));
  setHandler(evidenceSignal, (update) => escalation.evidence(update.firing, update.at, update.detail));
  setHandler(systemWideSignal, ({ reason }) => escalation.declareSystemWide(reason));
  return await escalation.run();
}

class Escalation {
  readonly summary: IncidentSummary;
  readonly notifications: NotificationRecord[] = [];
  private readonly steps: EscalationStep[];
  private readonly detectedMs: number;
  private readonly chains = new Map<Channel, Promise<void>>();
  private systemWide: string | null = null;
  private readonly gathered: Record<string, string | number | boolean | null>;
  private ctoPaged = false;
  private changed = false;

  constructor(private readonly input: EscalationInput) {
    const { incident } = input;
    this.detectedMs = Date.now();
    this.gathered = { ...incident.evidence };
    this.steps = escalationSteps(input.escalation, incident.priority, { straightToCommander: incident.straightToCommander });
    this.summary = {
      id: incident.id,
      workflowId: incident.id,
      number: incident.number,
      alert: incident.alert,
      priority: incident.priority,
      status: incident.alreadyEnded ? 'resolved' : 'open',
      startedAt: incident.startedAt,
      detectedAt: incident.detectedAt,
      resolvedAt: incident.alreadyEnded ? incident.endedAt : null,
      resolvedBy: incident.alreadyEnded ? 'ended-before-detection' : null,
      escalatedTo: [],
      acknowledgedBy: null,
      summary: incident.summary,
      timeline: [{ at: incident.detectedAt, event: 'opened', detail: incident.summary }],
    };
  }

  async run(): Promise<IncidentSummary> {
    if (this.input.incident.alreadyEnded) {
      // Found after it had ended: a notice for the record, no page and no escalation.
      this.send('notice', null);
      await this.finish();
      return this.summary;
    }
    await this.gatherEvidence();
    await this.report();
    for (const step of this.steps) {
      if (!(await this.waitForStep(step))) break;
      if (step.stoppedByAck && this.summary.status === 'acknowledged') continue;
      if (step.atMinutes > 0 && (await this.conditionCleared())) {
        this.resolve('auto', 'condition cleared before escalating');
        break;
      }
      this.runStep(step);
      await this.report();
    }
    // The last step is reached; keep re-checking until the incident is resolved.
    while (!this.resolved()) {
      await this.waitForStep(null);
    }
    await this.finish();
    return this.summary;
  }

  /** Automatic triage before the first page, so the page carries what on-call looks at first. */
  private async gatherEvidence(): Promise<void> {
    const triage = this.input.triage;
    if (!triage || (Object.keys(triage.commands).length === 0 && triage.queries.length === 0)) return;
    // A backtest runs no commands; its queries read history at the evaluation time.
    const commands = this.input.dryRun ? {} : triage.commands;
    try {
      const specs = Object.values(commands);
      const { triage: triageActivity } = proxyActivities<Activities>({
        ...ACTIVITY_OPTIONS.incidentCheck,
        ...boundedByCommands(specs),
        ...onCommandsQueue(specs),
      });
      const evidence = await triageActivity({
        alert: this.input.incident.alert,
        deploymentId: this.input.deployment.id,
        commands,
        queries: triage.queries,
        prometheus: this.input.prometheus,
        evaluationTime: this.evalNow(),
      });
      Object.assign(this.gathered, evidence);
      this.record('triage', Object.keys(evidence).join(', '));
    } catch (err) {
      this.record('triage failed', String(err).slice(0, 300));
    }
  }

  acknowledge(actor: string): void {
    if (this.summary.status !== 'open') return;
    this.summary.status = 'acknowledged';
    this.summary.acknowledgedBy = actor;
    this.record('acknowledged', actor);
    this.send('acknowledge', null);
    this.changed = true;
  }

  resolve(actor: string, note: string): void {
    if (this.summary.status === 'resolved') return;
    this.summary.status = 'resolved';
    this.summary.resolvedAt = this.evalNow();
    this.summary.resolvedBy = actor;
    this.record('resolved', `${actor}: ${note}`);
    this.send('resolve', null);
    this.changed = true;
  }

  evidence(firing: boolean, at: string, detail?: string): void {
    this.record(firing ? 'still firing' : 'clear', detail ?? at);
    // Monitor-sourced alerts (no PromQL) resolve on the monitor's word.
    if (!firing && this.input.rule?.source !== 'prometheus' && this.input.incident.openedBy === null) {
      this.resolve('auto', 'condition clear at the latest checkpoint');
    }
    this.changed = true;
  }

  declareSystemWide(reason: string): void {
    this.systemWide = reason;
    this.changed = true;
  }

  private resolved(): boolean {
    return this.summary.status === 'resolved';
  }

  private evalNow(): string {
    return new Date(Date.now() + this.input.evalShiftMs).toISOString();
  }

  private record(event: string, detail?: string): void {
    this.summary.timeline.push({ at: this.evalNow(), event, ...(detail ? { detail } : {}) });
  }

  /**
   * Sleeps until the step is due, re-checking the condition on the way. Returns false once resolved.
   * `null` step: just the next re-check (the path is exhausted).
   */
  private async waitForStep(step: EscalationStep | null): Promise<boolean> {
    const critical = isCritical(this.input.incident.priority);
    const recheckMs = recheckMinutes(critical, (Date.now() - this.detectedMs) / 60_000) * 60_000;
    const rechecks = this.input.rule?.source === 'prometheus';
    if (step === null && !rechecks) {
      // Nothing to poll: only a human or the monitor's evidence can resolve it.
      this.changed = false;
      await condition(() => this.changed);
      return !this.resolved();
    }
    const dueMs = step ? this.detectedMs + step.atMinutes * 60_000 : Date.now() + recheckMs;
    while (!this.resolved()) {
      await this.maybeBringInCto();
      const now = Date.now();
      if (now >= dueMs) return true;
      this.changed = false;
      const woken = await condition(() => this.changed, Math.min(dueMs - now, recheckMs));
      if (woken || this.resolved()) continue;
      if (rechecks && (await this.conditionCleared())) {
        this.resolve('auto', `clear for ${this.input.escalation.autoResolveAfter}`);
      }
    }
    return false;
  }

  private async maybeBringInCto(): Promise<void> {
    if (this.ctoPaged || this.summary.status === 'resolved' || !isCritical(this.input.incident.priority)) return;
    const serviceDown = this.input.incident.alert === serviceDownAlert(this.input.escalation);
    const downMinutes = serviceDown ? (Date.now() + this.input.evalShiftMs - Date.parse(this.input.incident.startedAt)) / 60_000 : null;
    const outage = isSystemWideOutage(this.input.escalation, {
      serviceDownMinutes: downMinutes,
      openCriticalIncidents: 0,
      declared: this.systemWide !== null,
    });
    if (!outage) return;
    if (serviceDown && this.systemWide === null && !(await this.stillFiring())) return;
    this.ctoPaged = true;
    this.runStep({ kind: 'page', atMinutes: 0, role: ROLES.cto, stoppedByAck: false }, this.systemWide ?? 'service down past the system-wide outage limit');
    await this.report();
  }

  private async stillFiring(): Promise<boolean> {
    return !(await this.conditionCleared());
  }

  /** True only when the data shows the condition clear for the whole auto-resolve period. */
  private async conditionCleared(): Promise<boolean> {
    const rule = this.input.rule;
    if (rule?.source !== 'prometheus') return false;
    try {
      const result = await checks.recheckAlert({
        rule,
        prometheus: this.input.prometheus,
        evaluationTime: this.evalNow(),
        clearForSeconds: parseDurationSeconds(this.input.escalation.autoResolveAfter),
      });
      return result.state === 'clear';
    } catch (err) {
      log.warn('re-check failed; treating the condition as still present', { incident: this.summary.id, error: String(err) });
      return false;
    }
  }

  private runStep(step: EscalationStep, reason?: string): void {
    if (step.role && !this.summary.escalatedTo.includes(step.role)) this.summary.escalatedTo.push(step.role);
    this.record(step.kind === 'page' ? `paged ${step.role}` : step.kind, reason);
    this.send(step.kind === 'page' ? 'escalate' : step.kind, step.role);
  }

  private notification(event: Notification['event'], role: string | null): Notification {
    const { incident, deployment } = this.input;
    const n: Notification = {
      incidentId: incident.id,
      deploymentId: deployment.id,
      service: deployment.service,
      priority: incident.priority,
      alert: incident.alert,
      event,
      // Channels already show priority and alert; the title says what was deployed.
      title: `${deployment.service} ${deployment.version}`,
      summary: incident.summary,
      details: { ...this.gathered, startedAt: incident.startedAt, detectedAt: incident.detectedAt, status: this.summary.status },
    };
    if (role) n.role = role;
    if (this.input.runbookUrl) n.runbookUrl = this.input.runbookUrl;
    return n;
  }

  /** Queues one notification on every routed channel; each channel delivers in order, in the background. */
  private send(event: Notification['event'] | 'page', role: string | null): void {
    const kind = event === 'page' ? 'escalate' : event;
    const n = this.notification(kind, role);
    const { channels, excludeChannels } = this.input;
    const route = routeFor(channels, this.input.incident.priority);
    const paging = kind === 'escalate' || ((kind === 'acknowledge' || kind === 'resolve') && this.summary.escalatedTo.length > 0);
    const targets: Array<{ channel: Channel; target: string; call: () => Promise<unknown> }> = [];
    for (const slack of route.slack) {
      targets.push({
        channel: 'slack',
        target: slack,
        call: () => notify.notifySlack({ channel: slack, webhookEnv: slackWebhookEnv(channels, slack), notification: n }),
      });
    }
    // Notices follow the priority's route; a page reaches on-call through PagerDuty whatever the
    // priority, when the plan uses PagerDuty at all.
    if (paging && (route.pagerduty || (channels.pagerduty.length > 0 && this.summary.escalatedTo.length > 0))) {
      targets.push({
        channel: 'pagerduty',
        target: n.incidentId,
        call: () => notify.notifyPagerDuty({ routingKeyEnv: channels.pagerdutyRoutingKeyEnv ?? 'DEPLOYWATCH_PAGERDUTY_ROUTING_KEY', notification: n }),
      });
    }
    if (route.email && (kind === 'digest' || kind === 'notice' || kind === 'resolve') && channels.emailTo.length > 0) {
      targets.push({
        channel: 'email',
        target: channels.emailTo.join(','),
        call: () => notify.notifyEmail({ to: channels.emailTo, smtpUrlEnv: channels.smtpUrlEnv, from: channels.emailFrom, notification: n }),
      });
    }
    for (const t of targets.filter((t) => !excludeChannels.includes(t.channel))) {
      const record: NotificationRecord = { at: this.evalNow(), channel: t.channel, target: t.target, event: kind, role, delivered: false };
      this.notifications.push(record);
      if (this.input.dryRun) continue;
      const previous = this.chains.get(t.channel) ?? Promise.resolve();
      this.chains.set(t.channel, previous.then(() => this.deliver(t.channel, t.target, record, t.call)));
    }
  }

  private async deliver(channel: Channel, target: string, record: NotificationRecord, call: () => Promise<unknown>): Promise<void> {
    try {
      await call();
      record.delivered = true;
    } catch (err) {
      const cause = err instanceof ActivityFailure ? err.cause : err;
      record.error = cause instanceof Error ? cause.message : String(cause);
      if (cause instanceof ApplicationFailure && cause.type === ERROR_TYPES.notificationConfig) {
        // A broken channel must not leave people silently unpaged: the monitor announces it elsewhere.
        await getExternalWorkflowHandle(this.input.monitorWorkflowId)
          .signal(channelBrokenSignal, { channel, target, error: record.error })
          .catch(() => undefined);
      }
    }
  }

  private async report(): Promise<void> {
    try {
      await getExternalWorkflowHandle(this.input.monitorWorkflowId).signal(incidentReportSignal, { incident: this.summary });
    } catch (err) {
      // The monitor may have finished (e.g. after a rollback); the incident carries on regardless.
      log.info('monitor not reachable for an incident report', { incident: this.summary.id, error: String(err) });
    }
  }

  private async finish(): Promise<void> {
    await Promise.all(this.chains.values());
    await this.report();
  }
}
