// `deploywatch`: the operator and pipeline command line.
import { Command, CommanderError, Option } from 'commander';
import { WorkflowNotFoundError } from '@temporalio/client';
import { loadPlanFile, DEFAULT_PLAN_PATH } from '../plan/load.js';
import { startMonitor } from '../monitor-client.js';
import { connectClient, connectConfig, webUiLink } from '../temporal/connection.js';
import { monitorWorkflowId, statusQuery, type MonitorStatus } from '../workflows/messages.js';
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

async function withClient<T>(fn: (client: Awaited<ReturnType<typeof connectClient>>) => Promise<T>): Promise<T> {
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

function progressLine(status: MonitorStatus): string {
  const done = status.checklist.filter((c) => c.finishedAt).length;
  const total = status.checklist.length;
  const width = 30;
  const filled = Math.round((done / Math.max(total, 1)) * width);
  return `[${'#'.repeat(filled)}${'-'.repeat(width - filled)}] ${done}/${total} checkpoints`;
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
    .addOption(new Option('--json', 'print the result as JSON'))
    .action(async (opts: { deploymentId: string; version: string; service: string; deployedAt?: string; plan: string; json?: boolean }) => {
      const deployedAt = opts.deployedAt ?? new Date().toISOString();
      if (Number.isNaN(Date.parse(deployedAt))) throw new CliError(`--deployed-at: "${deployedAt}" is not an ISO-8601 time`, EXIT.usage);
      const plan = await loadPlanFile(opts.plan);
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
    .description("show a monitor's progress: phase, health, checkpoints, next checkpoint")
    .argument('<deployment-id>', 'the deployment id given to `start`')
    .option('--json', 'print the full status as JSON')
    .action(async (deploymentId: string, opts: { json?: boolean }) => {
      await withClient(async (client) => {
        let status: MonitorStatus;
        try {
          status = await client.workflow.getHandle(monitorWorkflowId(deploymentId)).query(statusQuery);
        } catch (err) {
          if (err instanceof WorkflowNotFoundError) throw new CliError(`no monitor for deployment "${deploymentId}"`, EXIT.notFound);
          throw err;
        }
        if (opts.json) {
          console.log(JSON.stringify(status, null, 2));
          return;
        }
        const d = status.deployment;
        console.log(`${monitorWorkflowId(d.id)}: ${d.service} ${d.version}, plan ${status.planName}`);
        console.log(`phase ${status.phase}, health ${status.health}${status.completed ? ', window complete' : ''}`);
        console.log(progressLine(status));
        if (status.nextCheckpoint) console.log(`next: ${status.nextCheckpoint.label} at ${status.nextCheckpoint.plannedAt}`);
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
