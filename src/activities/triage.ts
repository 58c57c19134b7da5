// Automatic triage when an incident opens: the evidence an on-call engineer would collect first
// (the Genesis monitoring plan's "Response Procedures"), attached to the incident and its pages.
import type { CommandSpec, Plan } from '../plan/schema.js';
import type { Evidence } from '../plan/records.js';
import { Context } from '@temporalio/activity';
import { sharedCommandRunner, type CommandRunner } from '../command-runner/command-runner.js';
import { runCommand } from './commands.js';
import { prometheusClientFactory, type PrometheusClientFactory } from './prometheus.js';

export interface TriageInput {
  alert: string;
  deploymentId: string;
  commands: Record<string, CommandSpec>;
  queries: Array<{ title: string; expr: string }>;
  prometheus: Plan['prometheus'];
  evaluationTime: string;
}

/** Evidence must stay small: it is stored in history and sent in pages. */
const MAX_TEXT = 600;

export function createTriageActivity(deps: { prometheusClient?: PrometheusClientFactory; runner?: CommandRunner } = {}) {
  const clientFor = deps.prometheusClient ?? prometheusClientFactory();
  const runner = deps.runner ?? sharedCommandRunner();
  return async function triage(input: TriageInput): Promise<Evidence> {
    const ctx = Context.current();
    const evidence: Evidence = {};
    // Triage must not hold up the first page for long.
    const client = clientFor(input.prometheus.url, { timeoutMs: 10_000 });
    const at = Date.parse(input.evaluationTime);
    await Promise.all([
      ...Object.entries(input.commands).map(async ([id, spec]) => {
        const result = await runCommand(runner, id, spec, {
          placeholders: { deploymentId: input.deploymentId, evaluationTime: input.evaluationTime },
          signal: ctx.cancellationSignal,
          onTick: () => ctx.heartbeat(),
        });
        const status = result.error ?? `exit ${result.exitCode}`;
        evidence[spec.title] = `${status}\n${result.outputTail.trim().slice(-MAX_TEXT)}`;
      }),
      ...input.queries.map(async (q) => {
        try {
          const samples = await client.instantQuery(q.expr, at);
          evidence[q.title] = samples.length === 0
            ? 'no data'
            : samples
                .map((x) => `${Object.entries(x.labels).filter(([k]) => k !== '__name__').map(([k, v]) => `${k}=${v}`).join(',') || 'value'}: ${Number.isFinite(x.value) ? Number(x.value.toPrecision(4)) : x.value}`)
                .join('; ')
                .slice(0, MAX_TEXT);
        } catch (err) {
          evidence[q.title] = `query failed: ${(err as Error).message.slice(0, 200)}`;
        }
      }),
    ]);
    return evidence;
  };
}
