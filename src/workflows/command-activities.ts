// Options for activities that run plan commands (checkpoints, triage, rollback, log archive).
// Both changes alter the commands a running monitor issues, so each is behind its own patch.
import { patched, workflowInfo, type ActivityOptions } from '@temporalio/workflow';
import { commandBoundOptions } from '../temporal/activity-options.js';
import { commandsTaskQueue } from '../temporal/task-queues.js';
import type { CommandSpec } from '../plan/schema.js';

/** Command activities go to `<queue>-commands`, served by a worker on the service's host. */
export const COMMANDS_QUEUE_PATCH = 'commands-task-queue';

/** Rollback and triage sized by their commands, with heartbeats (the runner beats every 5 s). */
export const BOUNDED_COMMANDS_PATCH = 'bounded-command-activities';

/** Start-to-close over the slowest command plus the margin, and a heartbeat timeout; none without commands. */
export function boundedByCommands(commands: CommandSpec[]): ActivityOptions {
  if (commands.length === 0 || !patched(BOUNDED_COMMANDS_PATCH)) return {};
  return commandBoundOptions(Math.max(...commands.map((c) => c.timeoutSeconds)));
}

/** The commands queue of this workflow's own queue, when there are commands to run there. */
export function onCommandsQueue(commands: CommandSpec[]): ActivityOptions {
  if (commands.length === 0 || !patched(COMMANDS_QUEUE_PATCH)) return {};
  return { taskQueue: commandsTaskQueue(workflowInfo().taskQueue) };
}
