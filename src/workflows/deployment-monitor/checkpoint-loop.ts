// The monitor's main loop: sleep to each checkpoint's absolute due time, run its checks in one
// activity, judge the result with the pure judge, and act on what it finds. At the end of the
// schedule, the end of the window decides; open P0/P1 incidents keep the monitor alive.
import {
  allHandlersFinished,
  CancellationScope,
  condition,
  patched,
  proxyActivities,
  sleep,
  upsertSearchAttributes,
} from '@temporalio/workflow';
import type { Activities } from '../../activities/index.js';
import { judgeCheckpoint } from '../../plan/judge/index.js';
import type { Checkpoint } from '../../plan/schedule.js';
import { checkpointOptions } from '../../temporal/activity-options.js';
import { onCommandsQueue } from '../command-activities.js';
import type { MonitorInput, MonitorOutcome } from '../inputs.js';
import { monitorHealthKey } from '../search-attributes.js';
import { replayAlertPath } from './backtest-replay.js';
import { decide } from './end-of-window.js';
import { registerHandlers } from './handlers.js';
import { actOnFindings, openCritical } from './incidents.js';
import { enterPhase, review, setHealth, showProgress } from './presentation.js';
import { MonitorRun } from './state.js';

export async function deploymentMonitor(input: MonitorInput): Promise<MonitorOutcome> {
  const run = new MonitorRun(input);
  registerHandlers(run);
  return await new CheckpointLoop(run).run();
}

class CheckpointLoop {
  constructor(private readonly monitor: MonitorRun) {}

  async run(): Promise<MonitorOutcome> {
    const { monitor } = this;
    const { input, state } = monitor;
    if (!input.carried) upsertSearchAttributes([{ key: monitorHealthKey, value: monitor.health }]);
    for (const checkpoint of monitor.schedule) {
      if (monitor.rolledBack()) break;
      // After continue-as-new, checkpoints already run are carried, not repeated.
      if (state.records[checkpoint.index]!.finishedAt) continue;
      if (input.dryRun) await replayAlertPath(monitor, checkpoint);
      if (monitor.rolledBack()) break;
      await this.sleepUntil(checkpoint);
      if (monitor.rolledBack()) break;
      await this.runCheckpoint(checkpoint);
    }
    const outcome = await decide(monitor);
    // The monitor never completes while a P0/P1 incident is open (a backtest has nobody to resolve them).
    if (!input.dryRun && openCritical(monitor).length > 0) {
      showProgress(monitor, 'waiting for open P0/P1 incidents to be resolved');
      await condition(() => openCritical(monitor).length === 0);
    }
    monitor.completed = true;
    showProgress(monitor);
    // Let in-flight posts and signal/update handlers finish so nothing and no caller is lost.
    await Promise.all(monitor.posting);
    await condition(allHandlersFinished);
    return {
      outcome,
      checkpointsRun: state.records.filter((r) => r.finishedAt).length,
      health: monitor.health,
      incidents: state.incidents,
      rollback: state.rollback,
      verdicts: state.verdicts,
      signOffs: state.signOffs,
      handoff: state.handoff,
    };
  }

  // Sleep to an absolute due time (clock base + offset), so a slow check never delays the next.
  // A rollback wakes the monitor early.
  private async sleepUntil(checkpoint: Checkpoint): Promise<void> {
    const { monitor } = this;
    const waitMs = monitor.clockBaseMs + checkpoint.offsetSeconds * 1000 - Date.now();
    if (waitMs <= 0) return;
    const scope = new CancellationScope();
    const timer = scope.run(() => sleep(waitMs, { summary: `until ${checkpoint.label}` }));
    timer.catch(() => undefined);
    await Promise.race([timer, condition(() => monitor.rolledBack())]);
    if (monitor.rolledBack()) scope.cancel();
  }

  private async runCheckpoint(checkpoint: Checkpoint): Promise<void> {
    const { monitor } = this;
    const record = monitor.state.records[checkpoint.index]!;
    enterPhase(monitor, checkpoint.phaseId);
    record.status = 'running';
    record.startedAt = new Date(Date.now()).toISOString();
    record.actions = monitor.input.dryRun ? [] : checkpoint.commands;
    showProgress(monitor);

    const { plan, deployment } = monitor.input;
    // A backtest runs no commands: their results are read from Prometheus history instead.
    const actions = monitor.input.dryRun ? [] : checkpoint.commands;
    const commands = Object.fromEntries(actions.map((id) => [id, plan.commands[id]!]));
    const slowest = Math.max(0, ...Object.values(commands).map((c) => c.timeoutSeconds));
    const { runCheckpoint } = proxyActivities<Activities>({ ...checkpointOptions(slowest, checkpoint.label), ...onCommandsQueue(Object.values(commands)) });
    const previous = checkpoint.index > 0 ? monitor.state.records[checkpoint.index - 1]! : null;
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
      history: monitor.judgeHistory,
    });
    monitor.judgeHistory = judged.history;
    const result = judged.result;

    record.result = result;
    record.finishedAt = new Date(Date.now()).toISOString();
    record.status = result.health === 'blind' ? 'inconclusive' : result.health === 'healthy' ? 'passed' : 'failed';
    setHealth(monitor, result.health);
    if (checkpoint.review) review(monitor, checkpoint, result);
    await actOnFindings(monitor, result.findings, result.clear);
    showProgress(monitor);
  }
}
