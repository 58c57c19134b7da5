// `npm start`: the main job on embedded defaults. Uses the Temporal server at TEMPORAL_ADDRESS, or
// starts the local dev server (Web UI on :8233, state in .deploywatch/temporal.db); starts a local
// Prometheus and Pushgateway (provisioned into the cache) scraping a small demo service that serves
// the seed's metrics; runs a worker; and starts a monitor for a demo deployment.
// Every process it starts is stopped on Ctrl-C and on any failed step, and each step that fails
// says what to do. Children run in their own process groups, so Ctrl-C reaches only the demo, which
// stops the worker before the servers it talks to (no screen of connection errors at the end).
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { Connection } from '@temporalio/client';
import type { LogMetadata, Logger as TemporalLogger } from '@temporalio/common';
import { bundleWorkflowCode, Runtime } from '@temporalio/worker';
import { stringify } from 'yaml';
import { cleanupAll, installSignalHandlers, killDescendants, nameCleanup, onCleanup, startWatchdog } from '../bench/cleanup.js';
import { createLogger, temporalLogger } from '../src/logger.js';
import { startMonitor } from '../src/monitor-client.js';
import { DEFAULT_PLAN_PATH, loadPlanFile } from '../src/plan/load.js';
import type { Plan } from '../src/plan/schema.js';
import { renderPrometheusRules } from '../src/render/index.js';
import { REPO_ROOT, temporalCliPath } from '../src/temporal/binaries.js';
import { connectClient, connectConfig, connectWorkerConnection, webUiLink } from '../src/temporal/connection.js';
import { toolPath, toolsStamp } from '../src/tools.js';
import { createWorker, WORKFLOWS_PATH } from '../src/worker.js';
import { SEARCH_ATTRIBUTES } from '../src/workflows/search-attributes.js';
import { startDemoService } from './demo-service/server.js';
import { provisionMonitoringTools } from './provision-tools.js';

const logger = createLogger('deploywatch-demo');
const STATE_DIR = process.env.DEMO_STATE_DIR ?? join(REPO_ROOT, '.deploywatch');
const DEMO_BIN = join(REPO_ROOT, 'scripts', 'demo-service');
const UI_PORT = Number(process.env.DEMO_UI_PORT ?? 8233);
const PROMETHEUS_PORT = Number(process.env.DEMO_PROMETHEUS_PORT ?? 9090);
const PUSHGATEWAY_PORT = Number(process.env.DEMO_PUSHGATEWAY_PORT ?? 9091);
const SERVICE_PORT = Number(process.env.DEMO_SERVICE_PORT ?? 8000);
const READY_TIMEOUT_MS = 30_000;
const STOP_TIMEOUT_MS = 10_000;

/** A failed step of the start: which one, and what the person can do about it. */
class StepFailed extends Error {
  constructor(
    readonly step: string,
    readonly hint: string,
    cause: unknown,
  ) {
    super(cause instanceof Error ? cause.message : String(cause));
  }
}

async function step<T>(name: string, hint: string, run: () => Promise<T>): Promise<T> {
  try {
    return await run();
  } catch (err) {
    throw err instanceof StepFailed ? err : new StepFailed(name, hint, err);
  }
}

interface Child {
  process: ChildProcess;
  /** The spawn error or exit, once there is one. */
  ended: () => string | undefined;
}

/** Spawns `binary` in its own process group and registers its stop: TERM, then KILL after 10 s. */
function startChild(name: string, binary: string, args: string[]): Child {
  const child = spawn(binary, args, { stdio: ['ignore', 'ignore', 'inherit'], detached: true });
  let ended: string | undefined;
  const exited = new Promise<void>((resolve) => {
    child.once('exit', (code, signal) => {
      ended = `exited with ${signal ?? `code ${code}`}`;
      resolve();
    });
    child.once('error', (err) => {
      ended = `could not be started: ${err.message}`;
      resolve();
    });
  });
  onCleanup(name, async () => {
    if (ended !== undefined) return;
    child.kill('SIGTERM');
    const timer = setTimeout(() => child.kill('SIGKILL'), STOP_TIMEOUT_MS);
    await exited;
    clearTimeout(timer);
  });
  return { process: child, ended: () => ended };
}

async function waitReady(name: string, child: Child, ready: () => Promise<boolean>): Promise<void> {
  const deadline = Date.now() + READY_TIMEOUT_MS;
  while (Date.now() < deadline) {
    if (await ready()) {
      logger.debug({ name, pid: child.process.pid }, 'ready');
      return;
    }
    const ended = child.ended();
    if (ended) throw new Error(`${name} ${ended}`);
    await new Promise((r) => setTimeout(r, 250));
  }
  throw new Error(`${name} did not become ready within ${READY_TIMEOUT_MS / 1000} s`);
}

async function serverAnswers(address: string): Promise<boolean> {
  try {
    const connection = await Connection.connect({ address, connectTimeout: '2s' });
    await connection.close();
    return true;
  } catch {
    return false;
  }
}

async function answers(url: string): Promise<boolean> {
  try {
    return (await fetch(url)).ok;
  } catch {
    return false;
  }
}

async function startDevServer(address: string): Promise<void> {
  const [host, port] = address.split(':');
  mkdirSync(STATE_DIR, { recursive: true });
  const args = ['server', 'start-dev', '--ip', host ?? '127.0.0.1', '--port', port ?? '7233', '--ui-port', String(UI_PORT),
    '--db-filename', join(STATE_DIR, 'temporal.db'), '--log-level', 'error',
    ...SEARCH_ATTRIBUTES.flatMap((k) => ['--search-attribute', `${k.name}=Keyword`])];
  const child = startChild('Temporal dev server', temporalCliPath(), args);
  await waitReady('the Temporal dev server', child, () => serverAnswers(address));
}

/** Starts a daemon on its own port and waits until `readyUrl` answers. */
async function startDaemon(name: string, binary: string, args: string[], readyUrl: string): Promise<void> {
  // Never share a port: metrics pushed by something else would be judged as the demo's own.
  if (await answers(readyUrl)) throw new Error(`${readyUrl} already answers: something else runs there`);
  const child = startChild(name, binary, args);
  await waitReady(name, child, () => answers(readyUrl));
}

function prometheusConfig(plan: Plan, dir: string): string {
  mkdirSync(join(dir, 'data'), { recursive: true });
  writeFileSync(join(dir, 'rules.yml'), renderPrometheusRules(plan));
  const file = join(dir, 'prometheus.yml');
  writeFileSync(
    file,
    stringify({
      global: { scrape_interval: plan.prometheus.scrapeInterval, evaluation_interval: plan.prometheus.scrapeInterval },
      rule_files: [join(dir, 'rules.yml')],
      scrape_configs: [
        { job_name: plan.prometheus.serviceJob, static_configs: [{ targets: [`127.0.0.1:${SERVICE_PORT}`] }] },
        { job_name: 'pushgateway', honor_labels: true, static_configs: [{ targets: [`127.0.0.1:${PUSHGATEWAY_PORT}`] }] },
      ],
    }),
  );
  return file;
}

/** The plan, pointed at the demo's stand-ins: no Genesis service, no Slack/PagerDuty/SMTP here. */
async function demoPlan(): Promise<Plan> {
  const plan = await loadPlanFile(DEFAULT_PLAN_PATH);
  for (const [id, spec] of Object.entries(plan.commands)) {
    spec.argv = [join(DEMO_BIN, `${id}.sh`), ...spec.argv.filter((a) => a.includes('{'))];
    spec.cwd = REPO_ROOT;
  }
  plan.rollback = { command: { title: 'Roll back (demo)', argv: ['echo', 'demo rollback of {deploymentId}'], timeoutSeconds: 30, junit: false, env: {} } };
  plan.prometheus = { ...plan.prometheus, url: `http://127.0.0.1:${PROMETHEUS_PORT}`, pushgatewayUrl: `http://127.0.0.1:${PUSHGATEWAY_PORT}` };
  plan.handoff = { ...plan.handoff, reportDir: join(STATE_DIR, 'reports') };
  // Incidents and pages show in the Web UI and `deploywatch status`.
  plan.channels = { ...plan.channels, slack: {}, pagerduty: [], email: [] };
  return plan;
}

/** The SDK's logger with the info lines a person need not read (bundle report, worker states) at debug. */
function quieter(demote: (meta?: LogMetadata) => boolean): TemporalLogger {
  const base = temporalLogger(logger);
  const info = (message: string, meta?: LogMetadata): void => (demote(meta) ? base.debug : base.info)(message, meta);
  return { ...base, info, log: (level, message, meta) => (level === 'INFO' ? info(message, meta) : base.log(level, message, meta)) };
}

function portHint(variable: string, port: number): string {
  return `is port ${port} taken? Stop what runs there or set ${variable}; \`npm run provision\` fetches the binary if it is missing`;
}

/** A path as a person would type it from the checkout: relative inside it, absolute outside. */
function shown(path: string): string {
  const rel = relative(REPO_ROOT, path);
  return rel.startsWith('..') ? path : rel;
}

let stoppingBySignal = false;

async function main(): Promise<void> {
  const startedAt = Date.now();
  await step('provision', 'see the provision lines above; `npm run provision` runs the same steps alone', async () => {
    const provision = spawnSync('bash', [join(REPO_ROOT, 'scripts', 'provision-temporal.sh')], { stdio: ['ignore', 'inherit', 'inherit'] });
    if (provision.status !== 0) throw new Error('provisioning the Temporal binaries failed');
    await provisionMonitoringTools();
  });

  const { address } = connectConfig();
  const ownServer = !(await serverAnswers(address));
  if (ownServer) {
    await step('Temporal dev server', `is ${address} or port ${UI_PORT} taken? Set TEMPORAL_ADDRESS to a server that runs, or DEMO_UI_PORT`, () =>
      startDevServer(address),
    );
  }

  const plan = await demoPlan();
  const service = await step('demo service', `set DEMO_SERVICE_PORT to a free port`, () => startDemoService(SERVICE_PORT));
  onCleanup('demo service', () => service.close());
  await step('Pushgateway', portHint('DEMO_PUSHGATEWAY_PORT', PUSHGATEWAY_PORT), () =>
    startDaemon('Pushgateway', toolPath('pushgateway'), [`--web.listen-address=127.0.0.1:${PUSHGATEWAY_PORT}`, '--log.level=error', '--persistence.file='], `http://127.0.0.1:${PUSHGATEWAY_PORT}/-/ready`),
  );
  const prometheusDir = join(STATE_DIR, 'prometheus');
  await step('Prometheus', portHint('DEMO_PROMETHEUS_PORT', PROMETHEUS_PORT), () =>
    startDaemon(
      'Prometheus',
      toolPath('prometheus'),
      [`--config.file=${prometheusConfig(plan, prometheusDir)}`, `--storage.tsdb.path=${join(prometheusDir, 'data')}`, '--storage.tsdb.retention.time=7d', `--web.listen-address=127.0.0.1:${PROMETHEUS_PORT}`, '--log.level=error'],
      `http://127.0.0.1:${PROMETHEUS_PORT}/-/ready`,
    ),
  );
  const prometheusReadyAt = Date.now();

  const worker = await step('worker', `the Temporal server at ${address} must answer; see the error above`, async () => {
    Runtime.install({ logger: quieter((meta) => meta?.sdkComponent === 'worker') });
    const workflowBundle = await bundleWorkflowCode({ workflowsPath: WORKFLOWS_PATH, logger: quieter(() => true) });
    const { connection, namespace } = await connectWorkerConnection();
    const created = await createWorker({ connection, namespace, logger, workflowBundle });
    const running = created.run();
    // Stopped before the servers it polls (cleanup runs newest first), so it ends without errors.
    onCleanup('worker', async () => {
      created.shutdown();
      await running.catch(() => undefined);
      await connection.close();
    });
    return { running, namespace };
  });

  const deploymentId = process.env.DEMO_DEPLOYMENT_ID ?? `demo-${new Date().toISOString().slice(0, 10)}`;
  const started = await step('monitor', 'see the error above; `npx deploywatch status` shows what runs', async () => {
    const client = await connectClient();
    onCleanup('client', () => client.connection.close());
    // T+0 once Prometheus has a few scrapes, so the first check has data for its rate() windows.
    const deployedAt = Math.max(Date.now() + 15_000, prometheusReadyAt + 75_000);
    return await startMonitor(client, {
      deployment: { id: deploymentId, version: '4.0.0', service: plan.service, deployedAt: new Date(deployedAt).toISOString() },
      plan,
    });
  });

  const tools = toolsStamp()?.route;
  const rows = [
    ['Monitor', `${started.workflowId} (${started.alreadyRunning ? 'already running' : 'started'}), 48-hour plan ${shown(DEFAULT_PLAN_PATH)}`],
    ['Web UI', webUiLink(worker.namespace, started.workflowId)],
    ['Temporal', ownServer ? `${address}, local dev server (state in ${shown(join(STATE_DIR, 'temporal.db'))})` : `${address}, already running`],
    ['Prometheus', `${plan.prometheus.url} (${tools ?? 'PATH'} build; firing alerts: ${plan.prometheus.url}/api/v1/alerts)`],
    ['Pushgateway', plan.prometheus.pushgatewayUrl ?? ''],
    ['Service', `${service.url}/metrics (demo stand-in${process.env.DEMO_FAULT ? `, DEMO_FAULT=${process.env.DEMO_FAULT}` : ''})`],
  ];
  const width = Math.max(...rows.map(([k]) => k!.length));
  console.log(
    [
      '',
      `deploywatch demo: running (ready in ${Math.round((Date.now() - startedAt) / 1000)} s)`,
      ...rows.map(([k, v]) => `  ${k!.padEnd(width)}  ${v}`),
      'Next:',
      `  npx deploywatch status ${deploymentId}`,
      `  ${shown(temporalCliPath())} workflow describe -w ${started.workflowId}`,
      '  DEMO_FAULT=latency npm start   (or errors, down): watch an incident open and escalate',
      'Ctrl-C stops everything; the monitor resumes on the next start.',
      '',
    ].join('\n'),
  );
  await worker.running;
}

nameCleanup('deploywatch demo');
for (const signal of ['SIGINT', 'SIGTERM'] as const) process.on(signal, () => void (stoppingBySignal = true));
installSignalHandlers();
startWatchdog();
main().then(
  async () => {
    if (stoppingBySignal) return;
    await cleanupAll();
    process.exit(0);
  },
  async (err: unknown) => {
    if (stoppingBySignal) return;
    const failed = err instanceof StepFailed ? err : new StepFailed('start', 'see the error above', err);
    console.error(`\ndeploywatch demo: the ${failed.step} step failed: ${failed.message}\n  What to do: ${failed.hint}\nStopping what it started.`);
    await cleanupAll();
    killDescendants();
    process.exit(1);
  },
);
