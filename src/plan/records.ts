// The deployment under watch and what its monitor records about it: checkpoints, incidents, the
// rollback, window verdicts, sign-offs and the handoff. Plain data, stored in workflow history,
// read by the judge, the criteria, the report and the CLI.
import type { CriterionResult } from './criteria/result.js';
import type { CheckpointResult } from './results.js';
import type { NotifyChannel } from './routing.js';
import type { Assertion, Priority } from './schema.js';

export interface Deployment {
  id: string;
  version: string;
  service: string;
  /** ISO-8601: T+0 of the plan. */
  deployedAt: string;
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
  /** The checklist line's assertions and review, when the Genesis monitoring plan has a line at this time. */
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

export interface WindowVerdict {
  /** 0 for the 48-hour window, n for the n-th extension. */
  extension: number;
  from: string;
  to: string;
  passed: boolean;
  criteria: CriterionResult[];
}

/** "Sign-off Required: Engineering Lead + SRE Lead". */
export const SIGN_OFF_ROLES = [
  { role: 'engineering-lead', title: 'Engineering Lead' },
  { role: 'sre-lead', title: 'SRE Lead' },
] as const;
export type SignOffRole = (typeof SIGN_OFF_ROLES)[number]['role'];

export interface SignOff {
  role: SignOffRole;
  actor: string;
  note?: string;
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

/** An interim review (T+1h, T+12h, T+24h, T+36h, …) as posted. */
export interface ReviewRecord {
  at: string;
  label: string;
  text: string;
}

export interface RejectedMessage {
  at: string;
  message: string;
  reason: string;
  payload: string;
}

export type IncidentStatus = 'open' | 'acknowledged' | 'resolved';
export type Evidence = Record<string, string | number | boolean | null>;

export interface TimelineEntry {
  at: string;
  event: string;
  detail?: string;
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
  channel: NotifyChannel;
  target: string;
  event: string;
  role: string | null;
  delivered: boolean;
  error?: string;
}
