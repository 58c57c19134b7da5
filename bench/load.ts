// Benchmark (not a test): many monitors on one worker against the local dev server. Each step
// starts its own dev server (state in a temp SQLite file) and a worker in a child process, starts
// the monitors with staggered deployment times so checkpoints fall due at an even rate, and then
// measures the checkpoints the worker actually ran: rate, lag behind the planned time, peak RSS.
import { fork, type ChildProcess } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Client } from '@temporalio/client';
import { request } from 'undici';
import { mapLimit } from '../src/activities/prometheus.js';
import { startMonitor } from '../src/monitor-client.js';
import { DEFAULT_PLAN_PATH, loadPlanFile } from '../src/plan/load.js';
import type { Plan } from '../src/plan/schema.js';
import { statusQuery } from '../src/workflows/messages.js';
import { withoutChannels } from '../test/support/alerts.js';
import { genesisHistory } from '../test/support/genesis-history.js';
import { freePort, openMetrics, startPrometheus, type RunningPrometheus } from '../test/support/prometheus.js';
import { workflowBundle } from '../test/support/temporal.js';
import { descendants, onCleanup } from './cleanup.js';
import { machineBusyTicks, ticksOf, TICKS_PER_SECOND } from './cpu.js';
import { startDevServer, type DevServerOptions } from './dev-server.js';
import type { CheckpointRow, LoadWorkerConfig, ParentMessage, TunableWorkerOptions, WorkerMessage } from './load-worker.js';
import { percentile } from './slo-eval.js';

const HOUR = 3600;
const TASK_QUEUE = 'bench-load';
/** Monitors started at once while the step ramps up. */
const START_CONCURRENCY = 32;
/** Time to set up before the first monitor's T+0 falls due. */
const LEAD_MS = 5_000;
/** After the measured stretch, the worker keeps running this long so checkpoints in flight report. */
const GRACE_MS = 5_000;
/** Monitors whose status query cross-checks the worker-side lag from the workflow's own record. */
const STATUS_SAMPLE = 20;
/** The lag a step must hold at p99 (the issue's target). */
export const LAG_TARGET_SECONDS = 5;

export interface LoadStepOptions {
  label: string;
  monitors: number;
  cadenceSeconds: number;
  /** The measured stretch, from 10 s after the last monitor started. */
  measureSeconds: number;
  workerOptions: TunableWorkerOptions;
  prometheusUrl: string;
  /** The plan the bench plan is cut from (the default plan). */
  basePlan: Plan;
  /** The dev server's SQLite pragmas and dynamic config. */
  devServer?: Pick<DevServerOptions, 'sqlitePragmas' | 'dynamicConfig'>;
  /** Write V8 CPU profiles of the worker (main thread and workflow threads) here. */
  profileDir?: string;
  /** Workflows and activities in two worker processes instead of one (an experiment). */
  splitWorker?: boolean;
  print: (line: string) => void;
}

export interface LagSummary {
  /** Checkpoints planned inside the measured stretch. */
  planned: number;
  /** Of those, not started by the end of the stretch plus grace: counted with their lag so far. */
  notStarted: number;
  p50Seconds: number;
  p95Seconds: number;
  p99Seconds: number;
  maxSeconds: number;
}

export interface LoadStepResult {
  label: string;
  monitors: number;
  cadenceSeconds: number;
  demandedPerSecond: number;
  measureSeconds: number;
  /** Wall time to start every monitor (the issue: within a minute). */
  startSeconds: number;
  startFailures: number;
  /** Running monitors at the end, from visibility. */
  openMonitors: number;
  /** Checkpoints started per second over the measured stretch (a checkpoint retried counts once). */
  checkpointsPerSecond: number;
  /** Planned → the checkpoint activity started on the worker. */
  lag: LagSummary;
  /** The parts of that lag: planned → activity scheduled (timer, workflow task), scheduled → started (queue). */
  plannedToScheduledP99Seconds: number;
  scheduledToStartedP99Seconds: number;
  /** The same lag from a sample of monitors' own checklists (startedAt − plannedAt), p99. */
  workflowSideLagP99Seconds: number | null;
  held: boolean;
  /** Peak RSS (VmHWM) of the worker process; with a split worker, of both together. */
  workerRssMiB: number;
  workerRssEndMiB: number;
  /** Peak RSS by worker process. */
  workerRssByRoleMiB: Record<string, number>;
  maxCachedWorkflows: number;
  /** CPU cores used over the measured stretch, by process (the worker includes the commands it ran). */
  cpuCores: Record<string, number>;
  /** CPU time per checkpoint run, by process, in ms: what a checkpoint costs, whatever else ran. */
  cpuMsPerCheckpoint: Record<string, number>;
  /** From the worker's SDK metrics over the whole step. */
  sdk: Record<string, number>;
  /** From the dev server's metrics over the whole step. */
  server: Record<string, number>;
  /** The dev server's log lines at WARN and above, by message. */
  serverProblems: Record<string, number>;
  devServer: Pick<DevServerOptions, 'sqlitePragmas' | 'dynamicConfig'>;
  activityFailures: number;
  workerOptions: TunableWorkerOptions;
}

const seconds = (ms: number): number => Math.round(ms / 10) / 100;
const lagPercentile = (sorted: number[], p: number): number => (sorted.length === 0 ? 0 : percentile(sorted, p));

/**
 * The bench plan: the default plan cut to one phase at the given cadence whose checkpoints run two
 * trivial commands (`true`, and `cp` of a ready JUnit report), so the figures measure deploywatch
 * and Temporal rather than the service's scripts. Prometheus stays in the path with one cheap alert
 * and one SLO (4 small queries a checkpoint): the default plan's ~30 queries a checkpoint are
 * Prometheus's cost, timed by sloEvalP95Ms, and at 50 checkpoints/s they would be 1,500 queries/s on
 * the same two cores, a Prometheus benchmark.
 */
export function benchPlan(base: Plan, options: { cadenceSeconds: number; windowSeconds: number; prometheusUrl: string; junitFile: string; reportDir: string }): Plan {
  const hours = options.windowSeconds / HOUR;
  const trivial = (title: string, argv: string[], junit = false) => ({ title, argv, timeoutSeconds: 30, junit, env: {} });
  const { logReview: _logReview, ...rest } = withoutChannels(base);
  return {
    ...rest,
    name: 'deploywatch-bench',
    prometheus: { ...base.prometheus, url: options.prometheusUrl },
    window: { durationHours: hours, extension: { ...base.window.extension, maxExtensions: 0 } },
    phases: [
      {
        id: 'bench',
        title: 'Bench monitoring',
        focus: '',
        untilHours: hours,
        cadenceMinutes: options.cadenceSeconds / 60,
        run: [{ command: 'health-check' }, { command: 'production-tests' }],
      },
    ],
    checklist: [],
    commands: {
      'health-check': trivial('Health check', ['true']),
      'production-tests': trivial('Production tests (a ready JUnit report)', ['cp', options.junitFile, '{junit}'], true),
    },
    rollback: { command: trivial('Roll back', ['true']) },
    triage: {},
    // One cheap Prometheus alert and SLO keep the query path in every checkpoint (4 requests);
    // monitor-sourced rules are judged in the workflow and cost nothing outside it.
    alerts: base.alerts.filter((a) => a.source === 'monitor' || a.name === 'GenesisServiceDown'),
    slos: { critical: base.slos.critical.filter((s) => s.id === 'uptime'), performance: [], resources: [] },
    handoff: { ...base.handoff, reportDir: options.reportDir },
  };
}

const READY_JUNIT =
  '<?xml version="1.0" encoding="utf-8"?><testsuites><testsuite name="pytest" tests="20" failures="0">' +
  Array.from({ length: 20 }, (_, i) => `<testcase classname="tests.test_production_health" name="test_ok_${i}"/>`).join('') +
  '</testsuite></testsuites>\n';

/** A Prometheus with a few hours of healthy Genesis history around now: the monitors' evaluation times. */
export async function startLoadPrometheus(): Promise<RunningPrometheus> {
  const now = Math.floor(Date.now() / 60_000) * 60;
  return await startPrometheus({ history: openMetrics(genesisHistory({ fromSec: now - 2 * HOUR, toSec: now + 2 * HOUR, stepSec: 60 })) });
}

interface CpuTicks {
  byName: Map<string, number>;
}

function cpuSnapshot(names: Map<number, string>): CpuTicks {
  const byName = new Map<string, number>();
  for (const [pid, name] of names) byName.set(name, (byName.get(name) ?? 0) + ticksOf(pid));
  byName.set('bench (client)', ticksOf(process.pid));
  byName.set('machine', machineBusyTicks());
  return { byName };
}

function processNames(workers: RunningWorker[], serverPid: number): Map<number, string> {
  const names = new Map<number, string>([...workers.map((w): [number, string] => [w.pid, w.name]), [serverPid, 'dev server']]);
  const workerPids = new Set(workers.map((w) => w.pid));
  for (const pid of descendants()) {
    try {
      if (readFileSync(`/proc/${pid}/comm`, 'utf8').trim() === 'prometheus') names.set(pid, 'prometheus');
      // A worker's command runner: its CPU and that of the commands it ran (reaped, so in its cutime).
      const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
      if (workerPids.has(Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]))) names.set(pid, 'command runner');
    } catch {
      // Gone.
    }
  }
  return names;
}

function statusKiB(pid: number, field: 'VmHWM' | 'VmRSS'): number {
  const match = new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return match ? Number(match[1]) : Number.NaN;
}

/** Every sample of a Prometheus text exposition, summed by metric name (labels dropped). */
async function scrapeSums(url: string): Promise<Map<string, number>> {
  const res = await request(url, { headersTimeout: 5000, bodyTimeout: 5000 });
  const text = await res.body.text();
  const sums = new Map<string, number>();
  for (const line of text.split('\n')) {
    if (line.startsWith('#') || line.trim() === '') continue;
    const match = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{[^}]*\})?\s+(\S+)/.exec(line);
    if (!match) continue;
    sums.set(match[1]!, (sums.get(match[1]!) ?? 0) + Number(match[2]));
  }
  return sums;
}

/** Mean of a histogram in ms, from its _sum (in seconds unless `unitMs`) and _count. */
function meanMs(sums: Map<string, number>, name: string, unitMs = false): number {
  const count = sums.get(`${name}_count`) ?? 0;
  if (count === 0) return 0;
  return Math.round(((sums.get(`${name}_sum`) ?? 0) / count) * (unitMs ? 100 : 100_000)) / 100;
}

async function sdkMetrics(urls: string[]): Promise<Record<string, number>> {
  const sums = new Map<string, number>();
  for (const url of urls) for (const [k, v] of await scrapeSums(url)) sums.set(k, (sums.get(k) ?? 0) + v);
  return {
    workflowTasks: sums.get('temporal_workflow_task_execution_latency_count') ?? 0,
    workflowTaskScheduleToStartMeanMs: meanMs(sums, 'temporal_workflow_task_schedule_to_start_latency'),
    workflowTaskExecutionMeanMs: meanMs(sums, 'temporal_workflow_task_execution_latency'),
    workflowTaskFailures: sums.get('temporal_workflow_task_execution_failed') ?? 0,
    activityScheduleToStartMeanMs: meanMs(sums, 'temporal_activity_schedule_to_start_latency'),
    activityExecutionMeanMs: meanMs(sums, 'temporal_activity_execution_latency'),
    stickyCacheHits: sums.get('temporal_sticky_cache_hit') ?? 0,
    stickyCacheMisses: sums.get('temporal_sticky_cache_miss') ?? 0,
    stickyCacheForcedEvictions: sums.get('temporal_sticky_cache_total_forced_eviction') ?? 0,
    stickyCacheSize: sums.get('temporal_sticky_cache_size') ?? 0,
  };
}

async function serverMetrics(url: string): Promise<Record<string, number>> {
  const sums = await scrapeSums(url);
  return {
    persistenceRequests: sums.get('persistence_requests') ?? 0,
    persistenceLatencyMeanMs: meanMs(sums, 'persistence_latency'),
    persistenceErrors: [...sums].filter(([k]) => k.startsWith('persistence_error')).reduce((a, [, v]) => a + v, 0),
    eagerActivities: sums.get('activity_eager_execution') ?? 0,
    serviceRequests: sums.get('service_requests') ?? 0,
    serviceLatencyMeanMs: meanMs(sums, 'service_latency'),
    serviceErrors: [...sums].filter(([k]) => k.startsWith('service_error')).reduce((a, [, v]) => a + v, 0),
  };
}

interface RunningWorker {
  name: string;
  metricsUrl: string;
  child: ChildProcess;
  pid: number;
  maxCachedWorkflows: number;
  rows: CheckpointRow[];
  activityFailures: number;
  /** Every sample the worker has taken so far is in `rows` once this resolves. */
  flush(): Promise<void>;
  stop(): Promise<void>;
}

async function startWorker(config: LoadWorkerConfig, profileDir?: string): Promise<RunningWorker> {
  const name = config.role === 'all' ? 'worker' : `worker (${config.role})`;
  const child = fork(join(__dirname, 'load-worker.ts'), [JSON.stringify(config)], {
    execArgv: ['--import', 'tsx', ...(profileDir ? ['--cpu-prof', `--cpu-prof-dir=${profileDir}`] : [])],
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  const rows: CheckpointRow[] = [];
  const worker: RunningWorker = {
    name,
    metricsUrl: `http://${config.metricsBind}/metrics`,
    child,
    pid: child.pid ?? -1,
    maxCachedWorkflows: 0,
    rows,
    activityFailures: 0,
    async flush() {
      if (!child.connected) return;
      await new Promise<void>((resolve) => {
        const timer = setTimeout(done, 10_000);
        function done(): void {
          clearTimeout(timer);
          child.off('message', onMessage);
          resolve();
        }
        function onMessage(message: WorkerMessage): void {
          if (message.type === 'flushed') done();
        }
        child.on('message', onMessage);
        child.send({ type: 'flush' } satisfies ParentMessage);
      });
    },
    async stop() {
      if (child.exitCode !== null || child.signalCode !== null) return;
      if (child.connected) child.send({ type: 'stop' } satisfies ParentMessage);
      else child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 30_000);
      await exited;
      clearTimeout(timer);
    },
  };
  child.on('message', (message: WorkerMessage) => {
    if (message.type === 'samples') {
      rows.push(...message.checkpoints);
      worker.activityFailures += message.failedActivities;
    }
  });
  await new Promise<void>((resolve, reject) => {
    const onMessage = (message: WorkerMessage): void => {
      if (message.type !== 'ready') return;
      worker.maxCachedWorkflows = message.maxCachedWorkflows;
      child.off('message', onMessage);
      resolve();
    };
    child.on('message', onMessage);
    void exited.then((code) => reject(new Error(`the load worker exited (code ${code}) before it was ready`)));
  });
  return worker;
}

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, Math.max(0, ms)));

interface Monitor {
  id: string;
  deployedAtMs: number;
  started: boolean;
}

/** First start per checkpoint (an activity retried after a failure counts once, at its first start). */
function firstStarts(rows: CheckpointRow[]): Map<string, CheckpointRow> {
  const first = new Map<string, CheckpointRow>();
  for (const row of rows) {
    const key = `${row[0]}#${row[1]}`;
    const seen = first.get(key);
    if (!seen || row[4] < seen[4]) first.set(key, row);
  }
  return first;
}

function lagSummary(monitors: Monitor[], cadenceMs: number, rows: CheckpointRow[], fromMs: number, toMs: number, observedUntilMs: number) {
  const first = firstStarts(rows);
  const lags: number[] = [];
  const toScheduled: number[] = [];
  const toStarted: number[] = [];
  let notStarted = 0;
  for (const m of monitors.filter((x) => x.started)) {
    for (let k = Math.max(0, Math.ceil((fromMs - m.deployedAtMs) / cadenceMs)); m.deployedAtMs + k * cadenceMs <= toMs; k++) {
      const planned = m.deployedAtMs + k * cadenceMs;
      const row = first.get(`monitor-${m.id}#${k}`);
      if (!row) {
        notStarted += 1;
        lags.push(observedUntilMs - planned);
        continue;
      }
      lags.push(row[4] - planned);
      toScheduled.push(row[3] - planned);
      toStarted.push(row[4] - row[3]);
    }
  }
  for (const list of [lags, toScheduled, toStarted]) list.sort((a, b) => a - b);
  const lag: LagSummary = {
    planned: lags.length,
    notStarted,
    p50Seconds: seconds(lagPercentile(lags, 50)),
    p95Seconds: seconds(lagPercentile(lags, 95)),
    p99Seconds: seconds(lagPercentile(lags, 99)),
    maxSeconds: seconds(lags[lags.length - 1] ?? 0),
  };
  return { lag, plannedToScheduledP99Seconds: seconds(lagPercentile(toScheduled, 99)), scheduledToStartedP99Seconds: seconds(lagPercentile(toStarted, 99)) };
}

async function workflowSideLag(client: Client, monitors: Monitor[], fromMs: number, toMs: number): Promise<number | null> {
  const started = monitors.filter((m) => m.started);
  const sample = started.filter((_, i) => i % Math.max(1, Math.floor(started.length / STATUS_SAMPLE)) === 0).slice(0, STATUS_SAMPLE);
  const lags: number[] = [];
  await Promise.all(
    sample.map(async (m) => {
      try {
        // An overloaded server may not answer a query in time: that monitor is simply not sampled.
        const status = await client.withDeadline(Date.now() + 5000, () => client.workflow.getHandle(`monitor-${m.id}`).query(statusQuery));
        for (const c of status.checklist) {
          const planned = Date.parse(c.plannedAt);
          if (planned >= fromMs && planned <= toMs && c.startedAt) lags.push(Date.parse(c.startedAt) - planned);
        }
      } catch {
        // Not answered in time.
      }
    }),
  );
  lags.sort((a, b) => a - b);
  return lags.length === 0 ? null : seconds(lagPercentile(lags, 99));
}

export async function runLoadStep(options: LoadStepOptions): Promise<LoadStepResult> {
  const { monitors: count, cadenceSeconds, measureSeconds, print } = options;
  const cadenceMs = cadenceSeconds * 1000;
  const dir = await mkdtemp(join(tmpdir(), 'deploywatch-bench-load-'));
  const releaseDir = onCleanup('load temp dir', () => rm(dir, { recursive: true, force: true }));
  try {
    const junitFile = join(dir, 'ready-junit.xml');
    await writeFile(junitFile, READY_JUNIT);
    const bundlePath = join(dir, 'workflow-bundle.js');
    await writeFile(bundlePath, (await workflowBundle()).code);

    const server = await startDevServer({ dbFilename: join(dir, 'temporal.db'), logFile: join(dir, 'temporal.log'), ...options.devServer });
    const releaseServer = onCleanup('dev server (load)', () => server.stop());
    try {
      const roles = options.splitWorker ? (['workflows', 'activities'] as const) : (['all'] as const);
      const workers: RunningWorker[] = [];
      const releaseWorkers = onCleanup('load workers', async () => {
        await Promise.all(workers.map((w) => w.stop()));
      });
      try {
        for (const role of roles) {
          const config: LoadWorkerConfig = {
            address: server.address,
            namespace: 'default',
            taskQueue: TASK_QUEUE,
            bundlePath,
            metricsBind: `127.0.0.1:${await freePort()}`,
            role,
            workerOptions: options.workerOptions,
          };
          workers.push(await startWorker(config, options.profileDir));
        }
        const rows = (): CheckpointRow[] => workers.flatMap((w) => w.rows);
        // The window outlasts the step (no monitor reaches its verdict), with ~46 checkpoints as the
        // default plan has 51: the state a monitor carries is of realistic size.
        const stepSeconds = LEAD_MS / 1000 + 60 + 2 * cadenceSeconds + measureSeconds + 60;
        const windowSeconds = Math.max(45 * cadenceSeconds, Math.ceil(stepSeconds / cadenceSeconds) * cadenceSeconds);
        const plan = benchPlan(options.basePlan, { cadenceSeconds, windowSeconds, prometheusUrl: options.prometheusUrl, junitFile, reportDir: join(dir, 'reports') });

        const beginMs = Date.now();
        const t0 = beginMs + LEAD_MS;
        const runId = beginMs.toString(36);
        const monitors: Monitor[] = Array.from({ length: count }, (_, i) => ({
          id: `bench-${runId}-${i}`,
          deployedAtMs: Math.round(t0 + (i * cadenceMs) / count),
          started: false,
        }));
        let failures = 0;
        let firstError = '';
        await mapLimit(monitors, START_CONCURRENCY, async (m) => {
          try {
            const deployment = { id: m.id, version: '4.0.0', service: plan.service, deployedAt: new Date(m.deployedAtMs).toISOString() };
            await startMonitor(server.client, { deployment, plan, taskQueue: TASK_QUEUE });
            m.started = true;
          } catch (err) {
            failures += 1;
            firstError ||= String(err);
          }
        });
        const startedAtMs = Date.now();
        const startSeconds = seconds(startedAtMs - beginMs);
        print(`  ${options.label}: ${count - failures} monitors started in ${startSeconds} s${failures ? ` (${failures} failed: ${firstError})` : ''}`);

        // Once every monitor has started, checkpoints fall due at the full rate (their T+0s included):
        // no need to wait a whole cadence, which would make the slow steps of the ladder long.
        const measureFrom = startedAtMs + 10_000;
        const measureTo = measureFrom + measureSeconds * 1000;
        let names = new Map<number, string>();
        let cpuFrom: CpuTicks | undefined;
        for (let at = Date.now(); at < measureTo + GRACE_MS; at = Date.now()) {
          if (!cpuFrom && at >= measureFrom) {
            names = processNames(workers, server.pid);
            cpuFrom = cpuSnapshot(names);
          }
          const wake = Math.min(measureTo + GRACE_MS, cpuFrom ? at + 30_000 : measureFrom);
          await sleep(wake - at);
          const dead = workers.find((w) => w.child.exitCode !== null);
          if (dead) throw new Error(`the ${dead.name} exited (code ${dead.child.exitCode}) mid-run`);
          const now = Date.now();
          if (cpuFrom && now < measureTo + GRACE_MS) {
            const recent = rows().filter((r) => r[4] > now - 30_000).length / 30;
            const { lag } = lagSummary(monitors, cadenceMs, rows(), measureFrom, Math.min(now, measureTo) - 2000, now);
            print(`  ${options.label}: +${Math.round((now - measureFrom) / 1000)} s, ${recent.toFixed(1)} checkpoints/s, lag p99 ${lag.p99Seconds} s so far`);
          }
        }
        const cpuTo = cpuSnapshot(names);
        const observedUntil = Date.now();
        await Promise.all(workers.map((w) => w.flush()));
        const rssByRole = Object.fromEntries(workers.map((w) => [w.name, Math.round(statusKiB(w.pid, 'VmHWM') / 1024)]));
        const rssPeak = Object.values(rssByRole).reduce((a, b) => a + b, 0);
        const rssEnd = workers.reduce((sum, w) => sum + statusKiB(w.pid, 'VmRSS') / 1024, 0);
        const sdk = await sdkMetrics(workers.map((w) => w.metricsUrl)).catch(() => ({}));
        const serverFigures = await serverMetrics(server.metricsUrl).catch(() => ({}));
        const { count: open } = await server.client.workflow.count(`TaskQueue = '${TASK_QUEUE}' AND ExecutionStatus = 'Running'`);
        // Starts, not completions: a short stretch would otherwise gain or lose the activities in flight at its edges.
        const started = firstStarts(rows());
        const startedInStretch = [...started.values()].filter((r) => r[4] >= measureFrom && r[4] < measureTo).length;
        const startedAll = [...started.values()].filter((r) => r[4] >= measureFrom && r[4] < observedUntil).length;
        const lags = lagSummary(monitors, cadenceMs, rows(), measureFrom, measureTo, observedUntil);
        const elapsedSeconds = (observedUntil - measureFrom) / 1000;
        const cores = (name: string): number => ((cpuTo.byName.get(name) ?? 0) - (cpuFrom?.byName.get(name) ?? 0)) / TICKS_PER_SECOND / elapsedSeconds;
        const mine = [...cpuTo.byName.keys()].filter((name) => name !== 'machine');
        const round2 = (x: number): number => Math.round(x * 100) / 100;
        // Whatever else ran on the machine meanwhile (other users' processes) competed for the same cores.
        const cpuCores: Record<string, number> = {
          ...Object.fromEntries(mine.map((name) => [name, round2(cores(name))])),
          'not the bench': round2(Math.max(0, cores('machine') - mine.reduce((sum, name) => sum + cores(name), 0))),
          'machine total': round2(cores('machine')),
        };
        const result: LoadStepResult = {
          label: options.label,
          monitors: count,
          cadenceSeconds,
          demandedPerSecond: Math.round((count / cadenceSeconds) * 10) / 10,
          measureSeconds,
          startSeconds,
          startFailures: failures,
          openMonitors: open,
          checkpointsPerSecond: Math.round((startedInStretch / measureSeconds) * 10) / 10,
          ...lags,
          workflowSideLagP99Seconds: await workflowSideLag(server.client, monitors, measureFrom, measureTo),
          held: lags.lag.p99Seconds <= LAG_TARGET_SECONDS,
          workerRssMiB: Math.round(rssPeak),
          workerRssEndMiB: Math.round(rssEnd),
          workerRssByRoleMiB: rssByRole,
          maxCachedWorkflows: Math.max(...workers.map((w) => w.maxCachedWorkflows)),
          cpuCores,
          cpuMsPerCheckpoint: Object.fromEntries(
            mine.filter((name) => name !== 'bench (client)').map((name) => [name, Math.round((cores(name) * 1000 * elapsedSeconds) / Math.max(1, startedAll) * 10) / 10]),
          ),
          sdk,
          server: serverFigures,
          serverProblems: server.problems(),
          activityFailures: workers.reduce((sum, w) => sum + w.activityFailures, 0),
          workerOptions: options.workerOptions,
          devServer: options.devServer ?? {},
        };
        print(
          `  ${options.label}: ${result.checkpointsPerSecond}/s of ${result.demandedPerSecond}/s demanded, lag p99 ${result.lag.p99Seconds} s ` +
            `(${result.lag.notStarted} not started), ${open} open, worker peak RSS ${result.workerRssMiB} MiB, CPU cores ${JSON.stringify(cpuCores)}, CPU ms per checkpoint ${JSON.stringify(result.cpuMsPerCheckpoint)}`,
        );
        return result;
      } finally {
        await releaseWorkers();
      }
    } finally {
      await releaseServer();
    }
  } finally {
    await releaseDir();
  }
}

export interface LoadBenchOptions {
  quick: boolean;
  workerOptions: TunableWorkerOptions;
  devServer: Pick<DevServerOptions, 'sqlitePragmas' | 'dynamicConfig'>;
  /** Also run the 40 s cadence with workflows and activities in two worker processes. */
  splitComparison: boolean;
  profileDir?: string;
  print: (line: string) => void;
}

export interface LoadBenchResult {
  /** 2,000 monitors (200 with --quick) at the 40 s cadence, measured 5 minutes (45 s with --quick). */
  main: LoadStepResult;
  /** The cadence steps towards the highest rate that still holds lag p99 ≤ 5 s. */
  ladder: LoadStepResult[];
  /** The highest measured rate among the steps that held (main included); null if none held. */
  maxCheckpointsPerSecond: number | null;
  split: LoadStepResult | null;
}

/**
 * The issue's load run, then the cadence ladder: if the 40 s cadence held, shorten it until a step
 * misses lag p99 ≤ 5 s; if not, aim below the rate it sustained until a step holds.
 */
export async function measureLoad(options: LoadBenchOptions): Promise<LoadBenchResult> {
  const { quick, print } = options;
  const monitors = quick ? 200 : 2000;
  const prometheus = await startLoadPrometheus();
  const releasePrometheus = onCleanup('prometheus (load)', () => prometheus.stop());
  try {
    const basePlan = await loadPlanFile(DEFAULT_PLAN_PATH);
    const step = (label: string, cadenceSeconds: number, measureSeconds: number, splitWorker = false): Promise<LoadStepResult> => {
      print(`load: ${label}: ${monitors} monitors every ${cadenceSeconds} s (${Math.round((monitors / cadenceSeconds) * 10) / 10} checkpoints/s demanded), ${measureSeconds} s measured`);
      return runLoadStep({
        label,
        monitors,
        cadenceSeconds,
        measureSeconds,
        workerOptions: options.workerOptions,
        devServer: options.devServer,
        prometheusUrl: prometheus.url,
        basePlan,
        profileDir: options.profileDir,
        splitWorker,
        print,
      });
    };
    const main = await step('main', 40, quick ? 45 : 300);
    const ladder: LoadStepResult[] = [];
    const stepSeconds = quick ? 30 : 60;
    const maxSteps = quick ? 2 : 5;
    if (main.held) {
      // Shorten the cadence by a quarter each step until one misses.
      let cadence = 40;
      while (ladder.length < Math.min(maxSteps, 4)) {
        cadence = Math.max(1, Math.round(cadence * 0.75));
        const result = await step(`ladder ${cadence} s`, cadence, stepSeconds);
        ladder.push(result);
        if (!result.held) break;
      }
    } else {
      // The rate the main run sustained is the capacity; aim below it until a step holds.
      for (const fraction of [0.9, 0.75, 0.6, 0.45, 0.3].slice(0, maxSteps)) {
        const rate = Math.max(1, main.checkpointsPerSecond * fraction);
        const cadence = Math.round(monitors / rate);
        const result = await step(`ladder ${cadence} s`, cadence, stepSeconds);
        ladder.push(result);
        if (result.held) break;
      }
    }
    const held = [main, ...ladder].filter((r) => r.held);
    const split = options.splitComparison ? await step('split worker, 40 s', 40, stepSeconds, true) : null;
    return {
      main,
      ladder,
      maxCheckpointsPerSecond: held.length === 0 ? null : Math.max(...held.map((r) => r.checkpointsPerSecond)),
      split,
    };
  } finally {
    await releasePrometheus();
  }
}
