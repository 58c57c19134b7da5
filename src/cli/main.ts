// `deploywatch`: the operator and pipeline command line.
import { Command, CommanderError, Option } from 'commander';
import { readFile } from 'node:fs/promises';
import { Client, WorkflowNotFoundError, WorkflowUpdateFailedError, type WorkflowHandle } from '@temporalio/client';
import { loadPlanFile, DEFAULT_PLAN_PATH } from '../plan/load.js';
import { startMonitor } from '../monitor-client.js';
import { connectClient, connectConfig, webUiLink } from '../temporal/connection.js';
import { acknowledgeUpdate, escalateSignal, type ManualEscalation, type MonitorStatus, resolveUpdate, rollbackUpdate, type SignOffRequest, signOffUpdate, statusQuery } from '../workflows/messages.js';
import { monitorWorkflowId } from '../temporal/ids.js';
import { validateEscalation, validateSignOff } from '../workflows/validate.js';
import { registerPlanCommands } from './plan-commands.js';

/** An error the user can act on: printed as one line, exit code attached. */
export class CliError extends Error {
  override name = 'CliError';
  constructor(
    message: string,
    readonly exitCode = 1,
  ) {
    super(message);
  }
}

export const EXIT = { ok: 0, failure: 1, usage: 2, unreachable: 3, notFound: 4 } as const;

function defaultActor(): string {
  return process.env.DEPLOYWATCH_ACTOR ?? process.env.USER ?? 'operator';
}

async function queryStatus(client: Client, deploymentId: string): Promise<MonitorStatus> {
  try {
    return await client.workflow.getHandle(monitorWorkflowId(deploymentId)).query(statusQuery);
  } catch (err) {
    if (err instanceof WorkflowNotFoundError) throw new CliError(`no monitor for deployment "${deploymentId}"`, EXIT.notFound);
    throw err;
  }
}

async function withMonitor<T>(deploymentId: string, fn: (handle: WorkflowHandle) => Promise<T>): Promise<T> {
  return await withClient(async (client) => {
    const handle = client.workflow.getHandle(monitorWorkflowId(deploymentId));
    try {
      await handle.describe();
    } catch (err) {
      if (err instanceof WorkflowNotFoundError) throw new CliError(`no monitor for deployment "${deploymentId}"`, EXIT.notFound);
      throw err;
    }
    return await fn(handle);
  });
}

/** Update failures carry the workflow's own message in `cause`: show that, as one line. */
async function update<T>(fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (err) {
    if (err instanceof WorkflowUpdateFailedError) throw new CliError((err.cause as Error | undefined)?.message ?? err.message, EXIT.failure);
    throw err;
  }
}

async function withClient<T>(fn: (client: Client) => Promise<T>): Promise<T> {
  let client;
  try {
    client = await connectClient();
  } catch (err) {
    throw new CliError(
      `cannot reach Temporal at ${connectConfig().address}: ${(err as Error).message} (set TEMPORAL_ADDRESS, or run \`npm start\` for a local dev server)`,
      EXIT.unreachable,
    );
  }
  try {
    return await fn(client);
  } finally {
    await client.connection.close();
  }
}

export function formatStatus(status: MonitorStatus): string {
  const d = status.deployment;
  const done = status.checklist.filter((c) => c.finishedAt);
  const last = status.checklist[status.checklist.length - 1];
  const windowHours = last ? last.offsetSeconds / 3600 : 0;
  const elapsedHours = done.length ? done[done.length - 1]!.offsetSeconds / 3600 : 0;
  const width = 40;
  const filled = windowHours ? Math.round((elapsedHours / windowHours) * width) : 0;
  const lines = [
    `${monitorWorkflowId(d.id)}: ${d.service} ${d.version}, plan ${status.planName}`,
    `[${'#'.repeat(filled)}${'-'.repeat(width - filled)}] T+${elapsedHours}h of ${windowHours}h${status.extensions ? ` (extension ${status.extensions})` : ''}, ${done.length}/${status.checklist.length} checkpoints`,
    `phase ${status.phase}, health ${status.health}${status.completed ? ', monitoring finished' : ''}`,
  ];
  if (status.nextCheckpoint) lines.push(`next: ${status.nextCheckpoint.label} at ${status.nextCheckpoint.plannedAt}`);
  const open = status.incidents.filter((i) => i.status !== 'resolved');
  lines.push(open.length ? 'open incidents:' : 'no open incidents');
  for (const i of open) {
    lines.push(`  #${i.number} ${i.priority} ${i.alert} — ${i.status}, escalated to ${i.escalatedTo.at(-1) ?? 'nobody yet'}: ${i.summary}`);
  }
  const verdict = status.verdicts.at(-1);
  if (verdict) {
    lines.push(`criteria (${verdict.from} – ${verdict.to}): ${verdict.passed ? 'all passed' : 'FAILED'}`);
    for (const c of verdict.criteria) lines.push(`  ${c.passed ? 'ok  ' : 'FAIL'} ${c.id}: ${c.value ?? 'n/a'} (${c.threshold})`);
  } else {
    const failedChecks = done.filter((c) => c.status === 'failed' || c.status === 'inconclusive').length;
    lines.push(`criteria: judged at the end of the window; so far ${failedChecks} checkpoint(s) failed or inconclusive`);
  }
  if (status.rollback) lines.push(`rollback: ${status.rollback.ok ? 'done' : 'not done'} at ${status.rollback.at} by ${status.rollback.actor} — ${status.rollback.detail}`);
  if (status.handoff) lines.push(`handoff report: ${status.handoff.paths.join(', ')}; signed by ${status.signOffs.map((s) => s.role).join(', ') || 'nobody yet'}`);
  return lines.join('\n');
}

export function buildProgram(): Command {
  const program = new Command('deploywatch')
    .description('Durable 48-hour post-deployment monitoring on Temporal')
    .showHelpAfterError()
    .exitOverride();

  program
    .command('start')
    .description('start the monitor for a deployment (idempotent: a second start reports the running monitor)')
    .requiredOption('--deployment-id <id>', 'unique deployment id; the workflow id is monitor-<id>')
    .requiredOption('--version <version>', 'version that was deployed')
    .requiredOption('--service <service>', 'service that was deployed')
    .option('--deployed-at <iso>', 'when the deployment completed, T+0 of the plan (default: now)')
    .option('--plan <file>', 'monitoring plan file', DEFAULT_PLAN_PATH)
    .addOption(
      new Option('--prometheus-url <url>', "Prometheus as the worker reaches it (overrides the plan's prometheus.url)").env('DEPLOYWATCH_PROMETHEUS_URL'),
    )
    .addOption(new Option('--json', 'print the result as JSON'))
    .action(async (opts: { deploymentId: string; version: string; service: string; deployedAt?: string; plan: string; prometheusUrl?: string; json?: boolean }) => {
      const deployedAt = opts.deployedAt ?? new Date().toISOString();
      if (Number.isNaN(Date.parse(deployedAt))) throw new CliError(`--deployed-at: "${deployedAt}" is not an ISO-8601 time`, EXIT.usage);
      const loaded = await loadPlanFile(opts.plan);
      const plan = opts.prometheusUrl ? { ...loaded, prometheus: { ...loaded.prometheus, url: opts.prometheusUrl } } : loaded;
      const deployment = { id: opts.deploymentId, version: opts.version, service: opts.service, deployedAt: new Date(deployedAt).toISOString() };
      await withClient(async (client) => {
        const started = await startMonitor(client, { deployment, plan });
        const link = webUiLink(client.options.namespace, started.workflowId);
        if (opts.json) {
          console.log(JSON.stringify({ ...started, webUi: link }));
        } else if (started.alreadyRunning) {
          console.log(`${started.workflowId} already exists (run ${started.runId}); no second monitor started.\n${link}`);
        } else {
          console.log(`started ${started.workflowId} (run ${started.runId})\n${link}`);
        }
      });
    });

  program
    .command('status')
    .description("show a monitor's progress: the 48 h window, phase, next checkpoint, open incidents, criteria")
    .argument('<deployment-id>', 'the deployment id given to `start`')
    .option('--json', 'print the full status as JSON')
    .action(async (deploymentId: string, opts: { json?: boolean }) => {
      await withClient(async (client) => {
        const status = await queryStatus(client, deploymentId);
        if (opts.json) {
          console.log(JSON.stringify(status, null, 2));
          return;
        }
        console.log(formatStatus(status));
      });
    });

  program
    .command('escalate')
    .description('open an incident by hand (goes straight to the incident commander)')
    .argument('<deployment-id>')
    .requiredOption('--priority <P0-P4>', 'incident priority')
    .requiredOption('--reason <text>', 'what is wrong')
    .option('--actor <name>', 'who is escalating', defaultActor())
    .option('--system-wide', 'declare a system-wide outage (brings in the CTO)')
    .action(async (deploymentId: string, opts: { priority: string; reason: string; actor: string; systemWide?: boolean }) => {
      const request = { priority: opts.priority, reason: opts.reason, actor: opts.actor, ...(opts.systemWide ? { systemWide: true } : {}) };
      try {
        validateEscalation(request);
      } catch (err) {
        throw new CliError((err as Error).message, EXIT.usage);
      }
      await withMonitor(deploymentId, async (handle) => {
        await handle.signal(escalateSignal, request as ManualEscalation);
        console.log(`escalation sent to ${handle.workflowId}; see \`deploywatch status ${deploymentId}\``);
      });
    });

  program
    .command('rollback')
    .description('roll the deployment back now (at most once per monitor)')
    .argument('<deployment-id>')
    .requiredOption('--reason <text>', 'why')
    .option('--actor <name>', 'who asks', defaultActor())
    .option('--json', 'print the answer as JSON')
    .action(async (deploymentId: string, opts: { reason: string; actor: string; json?: boolean }) => {
      await withMonitor(deploymentId, async (handle) => {
        const answer = await update(() => handle.executeUpdate(rollbackUpdate, { args: [{ reason: opts.reason, actor: opts.actor }] }));
        if (opts.json) console.log(JSON.stringify(answer));
        else console.log(`${answer.status}: ${answer.detail}`);
        if (answer.status === 'failed') process.exitCode = EXIT.failure;
      });
    });

  for (const [name, description] of [
    ['ack', 'acknowledge an incident (stops reminders, not escalation deadlines)'],
    ['resolve', 'resolve an incident (ends its escalation)'],
  ] as const) {
    const command = program
      .command(name)
      .description(description)
      .argument('<deployment-id>')
      .argument('<incident>', 'incident number (1, 2, …) or ID')
      .option('--actor <name>', 'who', defaultActor())
      .option('--json', 'print the incident as JSON');
    if (name === 'resolve') command.option('--note <text>', 'resolution note');
    command.action(async (deploymentId: string, incident: string, opts: { actor: string; note?: string; json?: boolean }) => {
      const ref = /^\d+$/.test(incident) ? Number(incident) : incident;
      await withMonitor(deploymentId, async (handle) => {
        const summary = await update(() =>
          name === 'ack'
            ? handle.executeUpdate(acknowledgeUpdate, { args: [{ incident: ref, actor: opts.actor }] })
            : handle.executeUpdate(resolveUpdate, { args: [{ incident: ref, actor: opts.actor, ...(opts.note ? { note: opts.note } : {}) }] }),
        );
        if (opts.json) console.log(JSON.stringify(summary, null, 2));
        else console.log(`incident ${summary.number} (${summary.priority} ${summary.alert}): ${summary.status}`);
      });
    });
  }

  program
    .command('sign-off')
    .description('sign off the handoff to business-as-usual (Engineering Lead and SRE Lead both sign)')
    .argument('<deployment-id>')
    .requiredOption('--role <role>', 'engineering-lead or sre-lead')
    .option('--actor <name>', 'who signs', defaultActor())
    .option('--note <text>', 'comment')
    .option('--json', 'print the sign-offs as JSON')
    .action(async (deploymentId: string, opts: { role: string; actor: string; note?: string; json?: boolean }) => {
      const request = { role: opts.role, actor: opts.actor, ...(opts.note ? { note: opts.note } : {}) };
      try {
        validateSignOff(request);
      } catch (err) {
        throw new CliError((err as Error).message, EXIT.usage);
      }
      await withMonitor(deploymentId, async (handle) => {
        const signOffs = await update(() => handle.executeUpdate(signOffUpdate, { args: [request as SignOffRequest] }));
        if (opts.json) console.log(JSON.stringify(signOffs));
        else console.log(`signed: ${signOffs.map((s) => `${s.role} (${s.actor})`).join(', ')}`);
      });
    });

  program
    .command('report')
    .description('fetch the handoff report (paths and summary; --format md|html|json prints the file)')
    .argument('<deployment-id>')
    .option('--format <format>', 'print the report itself: md, html or json')
    .option('--json', 'print where the report is, as JSON')
    .action(async (deploymentId: string, opts: { format?: string; json?: boolean }) => {
      await withClient(async (client) => {
        const status = await queryStatus(client, deploymentId);
        if (!status.handoff) throw new CliError(`no handoff report yet for "${deploymentId}" (it is written when the window graduates)`, EXIT.notFound);
        if (opts.format) {
          const path = status.handoff.paths.find((p) => p.endsWith(`.${opts.format}`));
          if (!path) throw new CliError(`--format: one of ${status.handoff.paths.map((p) => p.split('.').pop()).join(', ')}`, EXIT.usage);
          process.stdout.write(await readFile(path, 'utf8'));
        } else if (opts.json) {
          console.log(JSON.stringify(status.handoff));
        } else {
          console.log(`${status.handoff.summary}\n${status.handoff.paths.join('\n')}`);
        }
      });
    });

  registerPlanCommands(program);
  return program;
}

export async function main(argv: string[]): Promise<number> {
  const program = buildProgram();
  try {
    await program.parseAsync(argv);
    return process.exitCode === undefined ? EXIT.ok : Number(process.exitCode);
  } catch (err) {
    if (err instanceof CommanderError) return err.exitCode === 0 ? EXIT.ok : EXIT.usage;
    if (err instanceof CliError) {
      console.error(`deploywatch: ${err.message}`);
      return err.exitCode;
    }
    console.error(`deploywatch: ${(err as Error).message}`);
    return EXIT.failure;
  }
}

if (require.main === module) {
  void main(process.argv).then((code) => process.exit(code));
}
