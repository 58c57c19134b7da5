// Signal, query and update definitions and their payloads: one place that workflows, the CLI,
// the bridge, scripts and tests all import. Names and payload shapes are part of workflow history.
import { defineQuery, defineSignal, defineUpdate } from '@temporalio/workflow';
import type { Health } from '../plan/results.js';
import type { CheckpointRecord, Deployment, HandoffRecord, IncidentSummary, NotificationRecord, RejectedMessage, ReviewRecord, RollbackRecord, SignOff, WindowVerdict } from '../plan/records.js';
import type { NotifyChannel } from '../plan/routing.js';
import type { Priority } from '../plan/schema.js';

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
  reviews: ReviewRecord[];
}

export const statusQuery = defineQuery<MonitorStatus>('status');

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
export type SignOffRequest = Omit<SignOff, 'at'>;
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
export interface ChannelBroken {
  channel: NotifyChannel;
  target: string;
  error: string;
}
export const incidentReportSignal = defineSignal<[IncidentReport]>('incidentReport');
export const channelBrokenSignal = defineSignal<[ChannelBroken]>('channelBroken');
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
