// What one run of the monitor knows: its input, its schedule, the state carried across
// continue-as-new, and its two clocks. Every part of the monitor works on this one object.
import { log, workflowInfo } from '@temporalio/workflow';
import { emptyHistory, type JudgeHistory } from '../../plan/judge/index.js';
import type { CheckpointRecord } from '../../plan/records.js';
import type { Health } from '../../plan/results.js';
import { buildExtension, buildSchedule, type Checkpoint } from '../../plan/schedule.js';
import type { Plan } from '../../plan/schema.js';
import type { MonitorInput, MonitorState } from '../inputs.js';

/** Seconds after deployment at which window `extension` ends (0: the plan's own window). */
export function windowEndSeconds(plan: Plan, extension: number): number {
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

export class MonitorRun {
  readonly schedule: Checkpoint[];
  readonly state: MonitorState;
  readonly clockBaseMs: number;
  readonly deployedAtMs: number;
  readonly workflowId: string;
  readonly extensions: number;
  phase: string;
  announcedPhase: string | null = null;
  health: Health = 'healthy';
  judgeHistory: JudgeHistory;
  /** Posts still being delivered: awaited before the monitor completes or continues as new. */
  readonly posting: Promise<void>[] = [];
  completed = false;
  awaitingLeadDecision = false;
  /** Open incidents by priority as last published to the gauge (outside replay). */
  publishedOpen: number[] | undefined;
  /** The Temporal UI's current details as last set. */
  details = '';
  /** Children this run started: a signal to one waits until it runs, or Temporal drops it as not found. */
  readonly childStarts = new Map<string, Promise<unknown>>();

  constructor(readonly input: MonitorInput) {
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

  rolledBack(): boolean {
    return this.state.rollback?.ok === true;
  }

  /** The evaluation-time domain (deployment time + elapsed), for timestamps people compare with data. */
  evalNow(): string {
    return new Date(Date.now() - this.clockBaseMs + this.deployedAtMs).toISOString();
  }

  /** Bad operator payloads are kept (bounded) and shown in `status`; the monitor carries on. */
  reject(message: string, payload: unknown, err: unknown): void {
    const reason = err instanceof Error ? err.message : String(err);
    log.warn('rejected a message', { message, reason });
    this.state.rejected.push({ at: this.evalNow(), message, reason, payload: JSON.stringify(payload ?? null).slice(0, 500) });
    if (this.state.rejected.length > 50) this.state.rejected.shift();
  }
}
