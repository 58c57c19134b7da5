// One durable monitor per deployment: walks the plan's checkpoints on an absolute clock.
import {
  proxyActivities,
  setCurrentDetails,
  setHandler,
  sleep,
  upsertSearchAttributes,
  workflowInfo,
} from '@temporalio/workflow';
import type { createActivities } from '../activities/index.js';
import { buildSchedule, type Checkpoint } from '../plan/schedule.js';
import type { Health } from '../plan/results.js';
import {
  statusQuery,
  type CheckpointRecord,
  type MonitorInput,
  type MonitorOutcome,
  type MonitorStatus,
} from './messages.js';
import { monitorHealthKey, monitorPhaseKey } from './search-attributes.js';

type Activities = ReturnType<typeof createActivities>;

/** Head-room over the slowest command so a hung script fails the attempt rather than the window. */
const CHECKPOINT_MARGIN_SECONDS = 120;

export async function deploymentMonitor(input: MonitorInput): Promise<MonitorOutcome> {
  const monitor = new Monitor(input);
  setHandler(statusQuery, () => monitor.status());
  return await monitor.run();
}

class Monitor {
  private readonly schedule: Checkpoint[];
  private readonly records: CheckpointRecord[];
  private readonly clockBaseMs: number;
  private readonly deployedAtMs: number;
  private phase: string;
  private announcedPhase: string | null = null;
  private health: Health = 'healthy';
  private completed = false;

  constructor(private readonly input: MonitorInput) {
    this.deployedAtMs = Date.parse(input.deployment.deployedAt);
    this.clockBaseMs =
      input.clockBase === 'workflow-start' ? workflowInfo().startTime.getTime() : this.deployedAtMs;
    this.schedule = buildSchedule(input.plan);
    this.phase = this.schedule[0]?.phaseId ?? 'unknown';
    this.records = this.schedule.map((cp) => ({
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
    }));
  }

  async run(): Promise<MonitorOutcome> {
    upsertSearchAttributes([{ key: monitorHealthKey, value: this.health }]);
    for (const checkpoint of this.schedule) {
      await this.sleepUntil(checkpoint);
      await this.runCheckpoint(checkpoint);
    }
    this.completed = true;
    this.describe();
    return { outcome: 'completed', checkpointsRun: this.records.filter((r) => r.finishedAt).length, health: this.health };
  }

  status(): MonitorStatus {
    const next = this.records.find((r) => r.status === 'pending' || r.status === 'running');
    return {
      deployment: this.input.deployment,
      planName: this.input.plan.name,
      phase: this.phase,
      health: this.health,
      checklist: this.records,
      nextCheckpoint: next ? { index: next.index, label: next.label, plannedAt: next.plannedAt } : null,
      completed: this.completed,
    };
  }

  // Sleep to an absolute due time (clock base + offset), so a slow check never delays the next.
  private async sleepUntil(checkpoint: Checkpoint): Promise<void> {
    const dueMs = this.clockBaseMs + checkpoint.offsetSeconds * 1000;
    const waitMs = dueMs - Date.now();
    if (waitMs > 0) await sleep(waitMs, { summary: `until ${checkpoint.label}` });
  }

  private async runCheckpoint(checkpoint: Checkpoint): Promise<void> {
    const record = this.records[checkpoint.index]!;
    this.enterPhase(checkpoint.phaseId);
    record.status = 'running';
    record.startedAt = new Date(Date.now()).toISOString();
    record.actions = checkpoint.commands;
    this.describe();

    const commands = Object.fromEntries(checkpoint.commands.map((id) => [id, this.input.plan.commands[id]!]));
    const slowest = Math.max(0, ...Object.values(commands).map((c) => c.timeoutSeconds));
    const { runCheckpoint } = proxyActivities<Activities>({
      startToCloseTimeout: `${slowest + CHECKPOINT_MARGIN_SECONDS}s`,
      heartbeatTimeout: '60s',
      retry: { maximumAttempts: 3, initialInterval: '10s' },
      summary: checkpoint.label,
    });
    const previous = checkpoint.index > 0 ? this.records[checkpoint.index - 1]! : null;
    const result = await runCheckpoint({
      deploymentId: this.input.deployment.id,
      service: this.input.deployment.service,
      checkpoint: { index: checkpoint.index, label: checkpoint.label, offsetSeconds: checkpoint.offsetSeconds },
      evaluationTime: record.evaluationTime,
      intervalStart: previous?.evaluationTime ?? this.input.deployment.deployedAt,
      commands,
    });

    record.result = result;
    record.finishedAt = new Date(Date.now()).toISOString();
    record.status = result.health === 'blind' ? 'inconclusive' : result.health === 'healthy' ? 'passed' : 'failed';
    this.setHealth(result.health);
    this.describe();
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
  private describe(): void {
    const done = this.records.filter((r) => r.finishedAt).length;
    const next = this.status().nextCheckpoint;
    const lines = [
      `**${this.input.deployment.service} ${this.input.deployment.version}** — phase ${this.phase}, health ${this.health}`,
      `${done}/${this.records.length} checkpoints done`,
      next ? `next: ${next.label} at ${next.plannedAt}` : 'window complete',
    ];
    setCurrentDetails(lines.join('\n\n'));
  }
}
