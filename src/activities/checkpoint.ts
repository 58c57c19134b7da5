// One activity per checkpoint: every command and query of the checkpoint, so a checkpoint adds few
// history events. Each part reports its own failure in the result instead of failing the activity.
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { tmpdir } from 'node:os';
import { Context } from '@temporalio/activity';
import type { Logger } from 'pino';
import type { CommandSpec } from '../plan/schema.js';
import type { CommandResult, Observation } from '../plan/results.js';
import { runCommand } from './commands.js';
import { parseJUnit } from './junit.js';

export interface CheckpointInput {
  deploymentId: string;
  service: string;
  checkpoint: { index: number; label: string; offsetSeconds: number };
  /** ISO time the checks evaluate: deployment time + offset, never the worker's clock. */
  evaluationTime: string;
  /** ISO start of the interval this checkpoint covers (the previous checkpoint's evaluation time). */
  intervalStart: string;
  commands: Record<string, CommandSpec>;
}

export interface CheckpointDeps {
  logger: Logger;
}

async function runWithJUnit(id: string, spec: CommandSpec, input: CheckpointInput): Promise<CommandResult> {
  const ctx = Context.current();
  const placeholders: Record<string, string> = {
    since: input.intervalStart,
    evaluationTime: input.evaluationTime,
    offsetSeconds: String(input.checkpoint.offsetSeconds),
    deploymentId: input.deploymentId,
    service: input.service,
  };
  const dir = spec.junit ? await mkdtemp(join(tmpdir(), 'deploywatch-junit-')) : undefined;
  try {
    if (dir) placeholders.junit = join(dir, 'junit.xml');
    const result = await runCommand(id, spec, {
      placeholders,
      signal: ctx.cancellationSignal,
      onTick: () => ctx.heartbeat(),
    });
    if (dir && result.error === undefined) {
      try {
        result.tests = parseJUnit(await readFile(placeholders.junit!, 'utf8'));
      } catch (err) {
        result.ok = false;
        result.error = `no usable JUnit report: ${(err as Error).message}`;
      }
    }
    return result;
  } finally {
    if (dir) await rm(dir, { recursive: true, force: true });
  }
}

export function createCheckpointActivity(deps: CheckpointDeps) {
  return async function runCheckpoint(input: CheckpointInput): Promise<Observation> {
    const log = deps.logger.child({ deploymentId: input.deploymentId, checkpoint: input.checkpoint.label });
    const commands = await Promise.all(
      Object.entries(input.commands).map(([id, spec]) => runWithJUnit(id, spec, input)),
    );
    for (const c of commands.filter((c) => !c.ok)) {
      log.warn({ command: c.id, exitCode: c.exitCode, error: c.error }, 'check command failed');
    }
    return { commands, alerts: [], slos: [], anomalies: [], firingInPrometheus: [], prometheusError: null };
  };
}
