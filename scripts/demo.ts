// `npm start`: the main job on embedded defaults. Uses the Temporal server at TEMPORAL_ADDRESS, or
// starts the local dev server (Web UI on :8233, state in .deploywatch/temporal.db); starts a local
// Prometheus and Pushgateway (Debian's) scraping a small demo service that serves the seed's
// metrics; runs a worker; and starts a monitor for a demo deployment. Ctrl-C stops everything.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { stringify } from 'yaml';
import { renderPrometheusRules } from '../src/render/index.js';
import { startDemoService } from './demo-service/server.js';
import { provisionMonitoringTools } from './provision-tools.js';
import { join } from 'node:path';
import { Connection } from '@temporalio/client';
import { Runtime } from '@temporalio/worker';
import { createLogger, temporalLogger } from '../src/logger.js';
import { DEFAULT_PLAN_PATH, loadPlanFile } from '../src/plan/load.js';
import { startMonitor } from '../src/monitor-client.js';
import { REPO_ROOT, temporalCliPath } from '../src/temporal/binaries.js';
import { connectClient, connectConfig, connectWorkerConnection, webUiLink } from '../src/temporal/connection.js';
import { toolPath } from '../src/tools.js';
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

const PROMETHEUS_PORT = Number(process.env.DEMO_PROMETHEUS_PORT ?? 9090);
const PUSHGATEWAY_PORT = Number(process.env.DEMO_PUSHGATEWAY_PORT ?? 9091);
const SERVICE_PORT = Number(process.env.DEMO_SERVICE_PORT ?? 8000);

async function answers(url: string): Promise<boolean> {
  try {
    return (await fetch(url)).ok;
  } catch {
    return false;
  }
}

/** Starts a Debian-packaged daemon and waits until `readyUrl` answers. */
async function daemon(binary: string, args: string[], readyUrl: string): Promise<ChildProcess> {
  // Never share a port: metrics pushed by something else would be judged as the demo's own.
  if (await answers(readyUrl)) throw new Error(`${readyUrl} already answers: stop that process or set DEMO_PROMETHEUS_PORT / DEMO_PUSHGATEWAY_PORT`);
  const child = spawn(binary, args, { stdio: ['ignore', 'ignore', 'inherit'] });
  child.on('error', (err) => logger.error({ binary, error: err.message }, 'cannot start (run `npm run provision`)'));
  for (let i = 0; i < 60; i++) {
    if (await answers(readyUrl)) return child;
    if (child.exitCode !== null) break;
    await new Promise((r) => setTimeout(r, 500));
  }
  child.kill('SIGTERM');
  throw new Error(`${binary} did not become ready at ${readyUrl} (is the port free? is it installed?)`);
}

async function startMetricsStack(plan: Awaited<ReturnType<typeof loadPlanFile>>): Promise<ChildProcess[]> {
  const dir = join(STATE_DIR, 'prometheus');
  mkdirSync(join(dir, 'data'), { recursive: true });
  writeFileSync(join(dir, 'rules.yml'), renderPrometheusRules(plan));
  writeFileSync(
    join(dir, 'prometheus.yml'),
    stringify({
      global: { scrape_interval: plan.prometheus.scrapeInterval, evaluation_interval: plan.prometheus.scrapeInterval },
      rule_files: [join(dir, 'rules.yml')],
      scrape_configs: [
        { job_name: plan.prometheus.serviceJob, static_configs: [{ targets: [`127.0.0.1:${SERVICE_PORT}`] }] },
        { job_name: 'pushgateway', honor_labels: true, static_configs: [{ targets: [`127.0.0.1:${PUSHGATEWAY_PORT}`] }] },
      ],
    }),
  );
  const pushgateway = await daemon(toolPath('pushgateway'), [`--web.listen-address=127.0.0.1:${PUSHGATEWAY_PORT}`, '--log.level=warn', '--persistence.file='], `http://127.0.0.1:${PUSHGATEWAY_PORT}/-/ready`);
  const prometheus = await daemon(
    toolPath('prometheus'),
    [`--config.file=${join(dir, 'prometheus.yml')}`, `--storage.tsdb.path=${join(dir, 'data')}`, '--storage.tsdb.retention.time=7d', `--web.listen-address=127.0.0.1:${PROMETHEUS_PORT}`, '--log.level=warn'],
    `http://127.0.0.1:${PROMETHEUS_PORT}/-/ready`,
  );
  return [pushgateway, prometheus];
}

async function main(): Promise<void> {
  const provision = spawnSync('bash', [join(REPO_ROOT, 'scripts', 'provision-temporal.sh')], { stdio: 'inherit' });
  if (provision.status !== 0) throw new Error('provisioning the Temporal binaries failed (see above)');
  await provisionMonitoringTools();

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
  // The demo machine has no Genesis service: its commands are small local stand-ins, and its
  // metrics come from the demo service through a local Prometheus and Pushgateway.
  for (const [id, spec] of Object.entries(plan.commands)) {
    spec.argv = [join(DEMO_BIN, `${id}.sh`), ...spec.argv.filter((a) => a.includes('{'))];
    spec.cwd = REPO_ROOT;
  }
  plan.rollback = { command: { title: 'Roll back (demo)', argv: ['echo', 'demo rollback of {deploymentId}'], timeoutSeconds: 30, junit: false, env: {} } };
  plan.prometheus = { ...plan.prometheus, url: `http://127.0.0.1:${PROMETHEUS_PORT}`, pushgatewayUrl: `http://127.0.0.1:${PUSHGATEWAY_PORT}` };
  plan.handoff = { ...plan.handoff, reportDir: join(STATE_DIR, 'reports') };
  // No Slack, PagerDuty or SMTP here: incidents and pages show in the Web UI and `deploywatch status`.
  plan.channels = { ...plan.channels, slack: {}, pagerduty: [], email: [] };
  const service = await startDemoService(SERVICE_PORT);
  const daemons = await startMetricsStack(plan);
  const client = await connectClient();
  const deploymentId = process.env.DEMO_DEPLOYMENT_ID ?? `demo-${new Date().toISOString().slice(0, 10)}`;
  const started = await startMonitor(client, {
    // T+0 two minutes from now, so the first check has a few scrapes of data for its rate() windows.
    deployment: { id: deploymentId, version: '4.0.0', service: plan.service, deployedAt: new Date(Date.now() + 120_000).toISOString() },
    plan,
  });
  console.log(`\n${started.alreadyRunning ? 'Monitor already running' : 'Started monitor'}: ${started.workflowId}`);
  console.log(`  Web UI:  ${webUiLink(namespace, started.workflowId)}`);
  console.log(`  Status:  npx deploywatch status ${deploymentId}`);
  console.log(`  CLI:     ${temporalCliPath()} workflow describe -w ${started.workflowId}`);
  console.log(`  Metrics: ${service.url}/metrics, Prometheus ${plan.prometheus.url} (firing alerts: ${plan.prometheus.url}/api/v1/alerts)`);
  console.log('  Try DEMO_FAULT=latency (or errors, down) npm start to watch an incident open and escalate.');
  console.log('The worker keeps running the 48-hour plan; press Ctrl-C to stop (the monitor resumes on the next start).\n');

  await running;
  await connection.close();
  for (const d of daemons) d.kill('SIGTERM');
  await service.close();
  if (devServer) {
    devServer.kill('SIGTERM');
    await new Promise((r) => devServer!.once('exit', r));
  }
}

main().catch((err: unknown) => {
  console.error(`deploywatch demo: ${(err as Error).message}`);
  process.exit(1);
});
