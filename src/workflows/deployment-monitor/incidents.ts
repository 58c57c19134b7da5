// Incidents: one escalation child workflow per incident, opened for what the checks find or a
// human declares, told of new evidence, acknowledgements and resolutions, and of system-wide outages.
import { getExternalWorkflowHandle, log, ParentClosePolicy, patched, startChild, type SignalDefinition } from '@temporalio/workflow';
import { isCritical } from '../../plan/escalation.js';
import type { IncidentSummary } from '../../plan/records.js';
import type { Finding } from '../../plan/results.js';
import type { NotifyChannel } from '../../plan/routing.js';
import { incidentWorkflowId } from '../../temporal/ids.js';
import { incidentEscalation } from '../escalation.js';
import type { EscalationInput, IncidentInfo } from '../inputs.js';
import {
  evidenceSignal,
  incidentAckSignal,
  incidentResolveSignal,
  systemWideSignal,
  type AcknowledgeRequest,
  type ChannelBroken,
  type ManualEscalation,
  type ResolveRequest,
} from '../messages.js';
import { showProgress } from './presentation.js';
import { rollback } from './rollback.js';
import type { MonitorRun } from './state.js';

/** Opens incidents for new findings, tells open ones of evidence, and rolls back on a live P0. */
export async function actOnFindings(run: MonitorRun, findings: Finding[], clear: string[]): Promise<void> {
  for (const finding of findings) {
    const open = openIncidentFor(run, finding.alert);
    if (open) {
      if (finding.endedAt === null) await tellIncident(run, open, evidenceSignal, { firing: true, at: run.evalNow(), detail: finding.summary });
      continue;
    }
    await openIncident(run, finding, null);
    // P0 is a real `up == 0` reading still going on: roll back at once.
    if (finding.priority === 'P0' && finding.endedAt === null) {
      await rollback(run, { reason: `${finding.alert}: ${finding.summary}`, actor: 'deploywatch' });
    }
  }
  for (const alert of clear) {
    const open = openIncidentFor(run, alert);
    if (open) await tellIncident(run, open, evidenceSignal, { firing: false, at: run.evalNow() });
  }
  await checkSystemWide(run);
}

export function openIncidentFor(run: MonitorRun, alert: string): IncidentSummary | undefined {
  return run.state.incidents.find((i) => i.alert === alert && i.status !== 'resolved');
}

export function openCritical(run: MonitorRun): IncidentSummary[] {
  return run.state.incidents.filter((i) => i.status !== 'resolved' && isCritical(i.priority));
}

export async function openIncident(run: MonitorRun, finding: Finding, openedBy: string | null, excludeChannels: NotifyChannel[] = []): Promise<IncidentSummary> {
  const { plan, deployment } = run.input;
  const number = run.state.nextIncident++;
  const id = incidentWorkflowId(deployment.id, number);
  const alreadyEnded = finding.endedAt !== null;
  const detectedAt = run.evalNow();
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
  run.state.incidents.push(summary);
  const started = startChild(incidentEscalation, {
    workflowId: id,
    args: [
      {
        incident: info,
        deployment,
        monitorWorkflowId: run.workflowId,
        channels: plan.channels,
        escalation: plan.escalation,
        prometheus: plan.prometheus,
        rule,
        runbookUrl: rule?.runbook ? `${plan.runbookBaseUrl}#${rule.runbook}` : null,
        evalShiftMs: run.deployedAtMs - run.clockBaseMs,
        dryRun: run.input.dryRun === true,
        excludeChannels,
        triage: triageFor(run, finding.alert),
      },
    ],
    // Incidents outlive the monitor's runs (continue-as-new, completion after a rollback).
    parentClosePolicy: ParentClosePolicy.ABANDON,
    staticSummary: `${finding.priority} ${finding.alert}: ${finding.summary}`.slice(0, 200),
  });
  run.childStarts.set(id, started);
  await started;
  log.info('incident opened', { incident: id, alert: finding.alert, priority: finding.priority, alreadyEnded });
  return summary;
}

function triageFor(run: MonitorRun, alert: string): EscalationInput['triage'] {
  const { plan } = run.input;
  const triage = plan.triage[alert];
  if (!triage) return null;
  return { commands: Object.fromEntries(triage.commands.map((id) => [id, plan.commands[id]!])), queries: triage.queries };
}

export async function tellIncident<T>(run: MonitorRun, incident: IncidentSummary, signal: SignalDefinition<[T]>, arg: T): Promise<void> {
  try {
    // 0.1.0 signalled at once, and a child still starting dropped the signal as not found.
    if (patched('signal-incidents-once-started')) await run.childStarts.get(incident.workflowId);
    await getExternalWorkflowHandle(incident.workflowId).signal(signal, arg);
  } catch (err) {
    log.warn('could not reach an incident workflow', { incident: incident.id, error: String(err) });
  }
}

async function checkSystemWide(run: MonitorRun): Promise<void> {
  const open = openCritical(run);
  if (run.state.systemWideDeclared || open.length < run.input.plan.escalation.systemWideOutage.openCriticalIncidents) return;
  run.state.systemWideDeclared = true;
  for (const incident of open) {
    await tellIncident(run, incident, systemWideSignal, { reason: `${open.length} P0/P1 incidents open at once` });
  }
}

export function onIncidentReport(run: MonitorRun, report: IncidentSummary): void {
  const { incidents } = run.state;
  const index = incidents.findIndex((i) => i.id === report.id);
  if (index === -1) throw new Error(`report for unknown incident ${report.id}`);
  // A report sent before the child heard of an ack or resolve arrives after it: status never goes back.
  const known = incidents[index]!;
  const rank = { open: 0, acknowledged: 1, resolved: 2 } as const;
  incidents[index] =
    rank[known.status] > rank[report.status]
      ? { ...report, status: known.status, acknowledgedBy: known.acknowledgedBy ?? report.acknowledgedBy, resolvedAt: known.resolvedAt, resolvedBy: known.resolvedBy }
      : report;
  showProgress(run);
}

export async function onChannelBroken(run: MonitorRun, broken: ChannelBroken): Promise<void> {
  const key = `${broken.channel}:${broken.target}`;
  if (run.state.brokenChannels.includes(key)) return;
  run.state.brokenChannels.push(key);
  await openIncident(
    run,
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

export async function manualEscalation(run: MonitorRun, req: ManualEscalation): Promise<void> {
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
  const incident = await openIncident(run, finding, req.actor);
  if (req.systemWide) await tellIncident(run, incident, systemWideSignal, { reason: `declared by ${req.actor}: ${req.reason}` });
}

export function findIncident(run: MonitorRun, ref: string | number): IncidentSummary {
  const incident = run.state.incidents.find((i) => i.id === ref || i.number === Number(ref) || i.workflowId === ref);
  if (!incident) throw new Error(`no incident ${ref} in ${run.workflowId}`);
  return incident;
}

export async function acknowledge(run: MonitorRun, req: AcknowledgeRequest): Promise<IncidentSummary> {
  const incident = findIncident(run, req.incident);
  if (incident.status === 'open') {
    incident.status = 'acknowledged';
    incident.acknowledgedBy = req.actor;
    await tellIncident(run, incident, incidentAckSignal, { actor: req.actor });
  }
  return incident;
}

export async function resolve(run: MonitorRun, req: ResolveRequest): Promise<IncidentSummary> {
  const incident = findIncident(run, req.incident);
  if (incident.status !== 'resolved') {
    incident.status = 'resolved';
    incident.resolvedAt = run.evalNow();
    incident.resolvedBy = req.actor;
    await tellIncident(run, incident, incidentResolveSignal, { actor: req.actor, ...(req.note ? { note: req.note } : {}) });
  }
  return incident;
}
