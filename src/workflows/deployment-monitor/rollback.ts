// The rollback: once per deployment, by a human or on a live P0, never retried blindly.
import { proxyActivities } from '@temporalio/workflow';
import type { Activities } from '../../activities/index.js';
import { ACTIVITY_OPTIONS } from '../../temporal/activity-options.js';
import { boundedByCommands, onCommandsQueue } from '../command-activities.js';
import type { RollbackAnswer, RollbackRequest } from '../messages.js';
import { showProgress } from './presentation.js';
import type { MonitorRun } from './state.js';

export async function rollback(run: MonitorRun, req: RollbackRequest): Promise<RollbackAnswer> {
  const { state, input } = run;
  const previous = state.rollback;
  if (previous?.ok || previous?.inProgress) {
    return { status: 'already-rolled-back', at: previous.at, detail: `already rolled back by ${previous.actor}: ${previous.reason}` };
  }
  const at = run.evalNow();
  state.rollback = { at, reason: req.reason, actor: req.actor, ok: false, inProgress: true, detail: 'in progress' };
  const result = input.dryRun
    ? { ok: true, detail: 'backtest: recorded, not executed' }
    : await rollbackActivity(run)({
        deploymentId: input.deployment.id,
        version: input.deployment.version,
        reason: req.reason,
        actor: req.actor,
        idempotencyKey: `${run.workflowId}/rollback`,
        procedure: input.plan.rollback ?? null,
      }).catch((err: unknown) => ({ ok: false, detail: `rollback activity failed: ${String(err)}` }));
  state.rollback = { at, reason: req.reason, actor: req.actor, ok: result.ok, inProgress: false, detail: result.detail };
  showProgress(run);
  return { status: result.ok ? 'rolled-back' : 'failed', at, detail: result.detail };
}

/** Sized by the plan's rollback command and run where the commands run (each behind its patch). */
function rollbackActivity(run: MonitorRun) {
  const command = run.input.plan.rollback?.command;
  const commands = command ? [command] : [];
  return proxyActivities<Activities>({ ...ACTIVITY_OPTIONS.rollback, ...boundedByCommands(commands), ...onCommandsQueue(commands) }).rollback;
}
