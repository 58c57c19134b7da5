// The monitor's inputs, outputs and message definitions: one place that workflows, the CLI,
// scripts and tests all import.
import { defineQuery } from '@temporalio/workflow';
import type { Assertion, Plan } from '../plan/schema.js';
import type { CheckpointResult, Health } from '../plan/results.js';

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

export interface MonitorStatus {
  deployment: Deployment;
  planName: string;
  phase: string;
  health: Health;
  checklist: CheckpointRecord[];
  nextCheckpoint: { index: number; label: string; plannedAt: string } | null;
  completed: boolean;
}

export interface MonitorOutcome {
  outcome: 'completed';
  checkpointsRun: number;
  health: Health;
}

export const statusQuery = defineQuery<MonitorStatus>('status');
