// The monitor's inputs, outputs and message definitions: one place that workflows, the CLI,
// scripts and tests all import.
import { defineQuery, defineSignal, defineUpdate } from '@temporalio/workflow';
import type { AlertRule, Assertion, CommandSpec, Plan, Priority } from '../plan/schema.js';
import type { CheckpointResult, Health } from '../plan/results.js';
import type { CriterionResult } from '../plan/criteria.js';

export const TASK_QUEUE = 'deploywatch';

export function monitorWorkflowId(deploymentId: string): string {
  return `monitor-${deploymentId}`;
}

export interface Deployment {
  id: string;
  version: string;
  service: string;
  /** ISO-8601: T+0 of the plan. */
  deployedAt: string;
}

export interface MonitorInput {
  deployment: Deployment;
  plan: Plan;
  /**
   * What the checkpoint timers count from. `deployment` (live monitoring): a monitor started late
   * runs the checkpoints it missed at once. `workflow-start` (backtest): the time-skipping server's
   * clock starts at today's real time, while checks evaluate the deployment's own past times.
   */
  clockBase?: 'deployment' | 'workflow-start';
  /** Backtest: rollbacks and notifications are recorded, never executed or sent. */
  dryRun?: boolean;
  /** Set by the monitor itself when it continues as new (window extension). */
  carried?: CarriedState;
}

/** A criterion of the seed's "Success Criteria", judged over a window (defined with its judge). */
export type { CriterionResult } from '../plan/criteria.js';

export interface WindowVerdict {
  /** 0 for the 48-hour window, n for the n-th extension. */
  extension: number;
  from: string;
  to: string;
  passed: boolean;
  criteria: CriterionResult[];
}

export type SignOffRole = 'engineering-lead' | 'sre-lead';
export interface SignOffRequest {
  role: SignOffRole;
  actor: string;
  note?: string;
}
export interface SignOff extends SignOffRequest {
  at: string;
}

export interface HandoffRecord {
  at: string;
  paths: string[];
  summary: string;
  /** BAU Schedule IDs once set up; a failure is recorded rather than failing the graduation. */
  bauSchedules: string[];
  bauError: string | null;
}

/** What the monitor carries through continue-as-new (kept small: no raw series, no logs). */
export interface CarriedState {
  state: MonitorState;
  judgeHistory: unknown;
  extensions: number;
  health: Health;
}

export type CheckpointStatus = 'pending' | 'running' | 'passed' | 'failed' | 'inconclusive';

export interface CheckpointRecord {
  index: number;
  label: string;
  title: string;
  phaseId: string;
  offsetSeconds: number;
  /** When the timer was due (clock base + offset). */
  plannedAt: string;
  /** The time the checks evaluate (deployment time + offset). */
  evaluationTime: string;
  startedAt: string | null;
  finishedAt: string | null;
  status: CheckpointStatus;
  /** Command ids the checkpoint ran. */
  actions: string[];
  /** The checklist line's assertions and review, when the seed has a line at this time. */
  asserts: Assertion[];
  review: string | null;
  result: CheckpointResult | null;
}

export interface RollbackRecord {
  at: string;
  reason: string;
  actor: string;
  ok: boolean;
  inProgress: boolean;
  detail: string;
}

export interface RejectedMessage {
  at: string;
  message: string;
  reason: string;
  payload: string;
}

/** Everything the monitor must carry across continue-as-new. */
export interface MonitorState {
  records: CheckpointRecord[];
  incidents: IncidentSummary[];
  nextIncident: number;
  rollback: RollbackRecord | null;
  /** "slack:#genesis-alerts", … : channels that answered with a configuration error. */
  brokenChannels: string[];
  /** Bad operator payloads, kept (bounded) so they are visible in `status`. */
  rejected: RejectedMessage[];
  systemWideDeclared: boolean;
  verdicts: WindowVerdict[];
  signOffs: SignOff[];
  handoff: HandoffRecord | null;
  /** Interim reviews (T+1h, T+12h, T+24h, T+36h, …) as posted. */
  reviews: Array<{ at: string; label: string; text: string }>;
  /** Bridged alert notifications already acted on (fingerprint/startsAt/status), bounded. */
  seenAlerts: string[];
}

export interface MonitorStatus {
  deployment: Deployment;
  planName: string;
  phase: string;
  health: Health;
  checklist: CheckpointRecord[];
  nextCheckpoint: { index: number; label: string; plannedAt: string } | null;
  completed: boolean;
  incidents: IncidentSummary[];
  rollback: RollbackRecord | null;
  rejected: RejectedMessage[];
  extensions: number;
  verdicts: WindowVerdict[];
  signOffs: SignOff[];
  handoff: HandoffRecord | null;
  reviews: MonitorState['reviews'];
}

export type Outcome = 'graduated' | 'extend' | 'rolled-back';

export interface MonitorOutcome {
  outcome: Outcome;
  checkpointsRun: number;
  health: Health;
  incidents: IncidentSummary[];
  rollback: RollbackRecord | null;
  verdicts: WindowVerdict[];
  signOffs: SignOff[];
  handoff: HandoffRecord | null;
}

export const statusQuery = defineQuery<MonitorStatus>('status');

export function incidentWorkflowId(deploymentId: string, n: number): string {
  return `${monitorWorkflowId(deploymentId)}/incident-${n}`;
}

export type IncidentStatus = 'open' | 'acknowledged' | 'resolved';
export type Evidence = Record<string, string | number | boolean | null>;

export interface IncidentInfo {
  /** Also the PagerDuty dedup key, so a retried page never opens a second PagerDuty incident. */
  id: string;
  number: number;
  alert: string;
  priority: Priority;
  summary: string;
  /** When the breach began, from the data (evaluation-time domain). */
  startedAt: string;
  detectedAt: string;
  evidence: Evidence;
  /** The seed's manual-escalation triggers: straight to the incident commander. */
  straightToCommander: boolean;
  /** Found after it had already ended: recorded and announced, nobody paged. */
  alreadyEnded: boolean;
  endedAt: string | null;
  /** A human opened it (manual escalation). */
  openedBy: string | null;
}

export interface TimelineEntry {
  at: string;
  event: string;
  detail?: string;
}

export interface EscalationInput {
  incident: IncidentInfo;
  deployment: Deployment;
  monitorWorkflowId: string;
  channels: Plan['channels'];
  escalation: Plan['escalation'];
  prometheus: Plan['prometheus'];
  /** The alert's rule, for re-checks before escalating (absent for human-opened incidents). */
  rule: AlertRule | null;
  runbookUrl: string | null;
  /** Evaluation time = workflow time + shift (0 live; the backtest's deployment-vs-clock offset). */
  evalShiftMs: number;
  /** Backtest: notifications are recorded, never sent. */
  dryRun: boolean;
  /** Channels known to be broken: a "channel broken" incident is announced through the others. */
  excludeChannels: Array<'slack' | 'pagerduty' | 'email'>;
  /** What to gather when the incident opens (the plan's triage for this alert), if anything. */
  triage: { commands: Record<string, CommandSpec>; queries: Array<{ title: string; expr: string }> } | null;
}

export interface IncidentSummary {
  id: string;
  workflowId: string;
  number: number;
  alert: string;
  priority: Priority;
  status: IncidentStatus;
  startedAt: string;
  detectedAt: string;
  resolvedAt: string | null;
  resolvedBy: string | null;
  escalatedTo: string[];
  acknowledgedBy: string | null;
  summary: string;
  timeline: TimelineEntry[];
}

export interface NotificationRecord {
  at: string;
  channel: 'slack' | 'pagerduty' | 'email';
  target: string;
  event: string;
  role: string | null;
  delivered: boolean;
  error?: string;
}

// Operator messages (usable from `temporal workflow signal --name ...` as well as our CLI).
export interface ManualEscalation {
  priority: Priority;
  reason: string;
  actor: string;
  /** Bring in the CTO: a human declares a system-wide outage. */
  systemWide?: boolean;
}
export interface RollbackRequest {
  reason: string;
  actor: string;
}
export interface AcknowledgeRequest {
  incident: string | number;
  actor: string;
}
export interface ResolveRequest {
  incident: string | number;
  actor: string;
  note?: string;
}
export interface RollbackAnswer {
  status: 'rolled-back' | 'already-rolled-back' | 'failed';
  at: string;
  detail: string;
}

export const escalateSignal = defineSignal<[ManualEscalation]>('escalate');
export const rollbackSignal = defineSignal<[RollbackRequest]>('rollback');
export const acknowledgeSignal = defineSignal<[AcknowledgeRequest]>('acknowledge');
export const resolveSignal = defineSignal<[ResolveRequest]>('resolve');
export const signOffSignal = defineSignal<[SignOffRequest]>('signOff');
export const signOffUpdate = defineUpdate<SignOff[], [SignOffRequest]>('signOff');
export const rollbackUpdate = defineUpdate<RollbackAnswer, [RollbackRequest]>('rollback');
export const acknowledgeUpdate = defineUpdate<IncidentSummary, [AcknowledgeRequest]>('acknowledge');
export const resolveUpdate = defineUpdate<IncidentSummary, [ResolveRequest]>('resolve');

// Between the monitor and its escalation children (by workflow ID, so they reach the current run).
export interface IncidentReport {
  incident: IncidentSummary;
}
export interface EvidenceUpdate {
  firing: boolean;
  at: string;
  detail?: string;
}
export const incidentReportSignal = defineSignal<[IncidentReport]>('incidentReport');
export const channelBrokenSignal = defineSignal<[{ channel: 'slack' | 'pagerduty' | 'email'; target: string; error: string }]>('channelBroken');
export const evidenceSignal = defineSignal<[EvidenceUpdate]>('evidence');
export const incidentAckSignal = defineSignal<[{ actor: string }]>('incidentAck');
export const incidentResolveSignal = defineSignal<[{ actor: string; note?: string }]>('incidentResolve');
export const systemWideSignal = defineSignal<[{ reason: string }]>('systemWide');
export const incidentQuery = defineQuery<IncidentSummary>('incident');
export const notificationsQuery = defineQuery<NotificationRecord[]>('notifications');

// From the Alertmanager bridge: alerts Prometheus fired between checkpoints.
export interface BridgedAlert {
  /** Alertmanager's fingerprint: with status and startsAt, what makes a repeat a repeat. */
  fingerprint: string;
  alertname: string;
  status: 'firing' | 'resolved';
  startsAt: string;
  endsAt: string | null;
  labels: Record<string, string>;
  summary: string;
}
export interface AlertNotification {
  receivedAt: string;
  alerts: BridgedAlert[];
}
export const alertNotificationSignal = defineSignal<[AlertNotification]>('alertNotification');
