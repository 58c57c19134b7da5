// One activity per checkpoint: every command and query of the checkpoint, so a checkpoint adds few
// history events. Each part reports its own failure in the result instead of failing the activity.
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { tmpdir } from 'node:os';
import { Context } from '@temporalio/activity';
import type { Logger } from 'pino';
import type { Dispatcher } from 'undici';
import type { CommandSpec, Plan } from '../plan/schema.js';
import type { CommandResult, Observation } from '../plan/results.js';
import { sharedCommandRunner, type CommandRunner } from '../command-runner/command-runner.js';
import { runCommand } from './commands.js';
import { parseJUnit } from './junit.js';
import { observePrometheus, type PrometheusObservation } from './observe-prometheus.js';
import { prometheusClientFactory, type AlertQuery, type PrometheusClientFactory } from './prometheus.js';
import { pushTestMetrics } from './pushgateway.js';

export interface CheckpointInput {
  deploymentId: string;
  service: string;
  /** `phaseId` picks phase-specific SLO targets (100% availability in phase 1). */
  checkpoint: { index: number; label: string; offsetSeconds: number; phaseId?: string };
  /** ISO time the checks evaluate: deployment time + offset, never the worker's clock. */
  evaluationTime: string;
  /** ISO start of the interval this checkpoint covers (the previous checkpoint's evaluation time). */
  intervalStart: string;
  commands: Record<string, CommandSpec>;
  /** The plan's Prometheus; without it the checkpoint only runs its commands (BAU health checks). */
  prometheus?: Plan['prometheus'];
  /** The plan's `source: prometheus` alert rules (monitor-sourced ones are the judge's). */
  alerts?: AlertQuery[];
  slos?: Plan['slos'];
  /** Whose output lines are counted as errors and warnings. */
  logReview?: Plan['logReview'];
}

const NOTHING_OBSERVED: PrometheusObservation = { alerts: [], slos: [], anomalies: [], firingInPrometheus: [], prometheusError: null };

export interface CheckpointDeps {
  logger: Logger;
  dispatcher?: Dispatcher;
  /** Tests may point the activity at a client with short timeouts. */
  prometheusClient?: PrometheusClientFactory;
  /** Where commands run (default: this process's shared runner). */
  runner?: CommandRunner;
}

/** Well inside the workflow's 60 s heartbeat timeout. */
const HEARTBEAT_MS = 5000;

async function runWithJUnit(runner: CommandRunner, id: string, spec: CommandSpec, input: CheckpointInput, ctx: Context): Promise<CommandResult> {
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
    const result = await runCommand(runner, id, spec, {
      placeholders,
      signal: ctx.cancellationSignal,
      onTick: () => ctx.heartbeat(),
      countLogLevels: input.logReview?.command === id,
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
  const clientFor = deps.prometheusClient ?? prometheusClientFactory({ logger: deps.logger, dispatcher: deps.dispatcher });

  const runner = deps.runner ?? sharedCommandRunner();
  return async function runCheckpoint(input: CheckpointInput): Promise<Observation> {
    const started = Date.now();
    const ctx = Context.current();
    const signal = ctx.cancellationSignal;
    const log = deps.logger.child({ deploymentId: input.deploymentId, checkpoint: input.checkpoint.label });
    const heartbeat = setInterval(() => ctx.heartbeat(), HEARTBEAT_MS);
    try {
      const [commands, prometheus] = await Promise.all([
        Promise.all(Object.entries(input.commands).map(([id, spec]) => runWithJUnit(runner, id, spec, input, ctx))),
        input.prometheus
          ? observePrometheus({
              client: clientFor(input.prometheus.url),
              scrapeInterval: input.prometheus.scrapeInterval,
              alerts: input.alerts ?? [],
              slos: input.slos ?? { critical: [], performance: [], resources: [] },
              phaseId: input.checkpoint.phaseId ?? '',
              fromMs: Date.parse(input.intervalStart),
              toMs: Date.parse(input.evaluationTime),
              signal,
              logger: log,
            })
          : NOTHING_OBSERVED,
      ]);
      for (const c of commands.filter((c) => !c.ok)) {
        log.warn({ command: c.id, exitCode: c.exitCode, error: c.error }, 'check command failed');
      }
      if (prometheus.prometheusError) log.warn({ error: prometheus.prometheusError }, 'prometheus unavailable');
      const pushgatewayUrl = input.prometheus?.pushgatewayUrl;
      if (pushgatewayUrl) {
        await Promise.all(
          commands.flatMap((c) =>
            c.tests
              ? [pushTestMetrics({ pushgatewayUrl, deploymentId: input.deploymentId, suite: c.id }, c.tests, { logger: log, dispatcher: deps.dispatcher, signal })]
              : [],
          ),
        );
      }
      const meter = Context.current().metricMeter;
      meter.createCounter('deploywatch_checkpoints_total', 'checkpoints', 'Checkpoints run').add(1, { phase: input.checkpoint.phaseId ?? 'none' });
      meter.createHistogram('deploywatch_check_duration', 'float', 's', 'Time to run one checkpoint').record((Date.now() - started) / 1000);
      return { commands, ...prometheus };
    } finally {
      clearInterval(heartbeat);
    }
  };
}
