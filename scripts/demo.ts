// `npm start`: the main job on embedded defaults. Uses the Temporal server at TEMPORAL_ADDRESS, or
// starts the local dev server (Web UI on :8233, state in .deploywatch/temporal.db), runs a worker,
// and starts a monitor for a demo deployment. Ctrl-C stops the worker and the dev server.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { Connection } from '@temporalio/client';
import { Runtime } from '@temporalio/worker';
import { createLogger, temporalLogger } from '../src/logger.js';
import { DEFAULT_PLAN_PATH, loadPlanFile } from '../src/plan/load.js';
import { startMonitor } from '../src/monitor-client.js';
import { REPO_ROOT, temporalCliPath } from '../src/temporal/binaries.js';
import { connectClient, connectConfig, connectWorkerConnection, webUiLink } from '../src/temporal/connection.js';
import { createWorker } from '../src/worker.js';
import { SEARCH_ATTRIBUTES } from '../src/workflows/search-attributes.js';

const logger = createLogger('deploywatch-demo');
const STATE_DIR = join(REPO_ROOT, '.deploywatch');
const DEMO_BIN = join(REPO_ROOT, 'scripts', 'demo-service');

async function serverAnswers(address: string): Promise<boolean> {
  try {
    const connection = await Connection.connect({ address, connectTimeout: '2s' });
    await connection.close();
    return true;
  } catch {
    return false;
  }
}

async function startDevServer(address: string): Promise<ChildProcess> {
  const [host, port] = address.split(':');
  mkdirSync(STATE_DIR, { recursive: true });
  const args = ['server', 'start-dev', '--ip', host ?? '127.0.0.1', '--port', port ?? '7233', '--ui-port', '8233',
    '--db-filename', join(STATE_DIR, 'temporal.db'), '--log-level', 'warn',
    ...SEARCH_ATTRIBUTES.flatMap((k) => ['--search-attribute', `${k.name}=Keyword`])];
  const child = spawn(temporalCliPath(), args, { stdio: ['ignore', 'inherit', 'inherit'] });
  for (let i = 0; i < 60; i++) {
    if (await serverAnswers(address)) return child;
    if (child.exitCode !== null) throw new Error(`the dev server exited with code ${child.exitCode}`);
    await new Promise((r) => setTimeout(r, 500));
  }
  child.kill('SIGTERM');
  throw new Error('the dev server did not answer within 30 s');
}

async function main(): Promise<void> {
  const provision = spawnSync('bash', [join(REPO_ROOT, 'scripts', 'provision-temporal.sh')], { stdio: 'inherit' });
  if (provision.status !== 0) throw new Error('provisioning the Temporal binaries failed (see above)');

  const { address } = connectConfig();
  let devServer: ChildProcess | undefined;
  if (!(await serverAnswers(address))) {
    logger.info({ address }, 'no Temporal server answers; starting the local dev server');
    devServer = await startDevServer(address);
  }

  Runtime.install({ logger: temporalLogger(logger) });
  const { connection, namespace } = await connectWorkerConnection();
  const worker = await createWorker({ connection, namespace, logger });
  const running = worker.run();

  const plan = await loadPlanFile(DEFAULT_PLAN_PATH);
  // The demo machine has no Genesis service: its commands are small local stand-ins.
  for (const [id, spec] of Object.entries(plan.commands)) {
    spec.argv = [join(DEMO_BIN, `${id}.sh`), ...spec.argv.filter((a) => a.includes('{'))];
    spec.cwd = REPO_ROOT;
  }
  const client = await connectClient();
  const deploymentId = process.env.DEMO_DEPLOYMENT_ID ?? `demo-${new Date().toISOString().slice(0, 10)}`;
  const started = await startMonitor(client, {
    deployment: { id: deploymentId, version: '4.0.0', service: plan.service, deployedAt: new Date().toISOString() },
    plan,
  });
  console.log(`\n${started.alreadyRunning ? 'Monitor already running' : 'Started monitor'}: ${started.workflowId}`);
  console.log(`  Web UI:  ${webUiLink(namespace, started.workflowId)}`);
  console.log(`  Status:  npx deploywatch status ${deploymentId}`);
  console.log(`  CLI:     ${temporalCliPath()} workflow describe -w ${started.workflowId}`);
  console.log('The worker keeps running the 48-hour plan; press Ctrl-C to stop (the monitor resumes on the next start).\n');

  await running;
  await connection.close();
  if (devServer) {
    devServer.kill('SIGTERM');
    await new Promise((r) => devServer!.once('exit', r));
  }
}

main().catch((err: unknown) => {
  console.error(`deploywatch demo: ${(err as Error).message}`);
  process.exit(1);
});
