// Real Prometheus, Pushgateway and scrape targets for tests, on loopback ports, each in its own temp
// dir. History is backfilled with promtool before Prometheus starts, so a test can query any past.
import { spawn, execFile, fork, type ChildProcess } from 'node:child_process';
import { mkdtemp, rm, writeFile, mkdir } from 'node:fs/promises';
import { createServer as createNetServer, type AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { request } from 'undici';
import { toolPath } from '../../src/tools.js';

const run = promisify(execFile);
const READY_TIMEOUT_MS = 60_000;
const STOP_TIMEOUT_MS = 15_000;
const STDERR_TAIL = 4096;
const METRICS_TARGET_PROCESS = join(__dirname, 'metrics-target-process.mjs');

export type MetricType = 'counter' | 'gauge' | 'histogram' | 'summary' | 'unknown';

export interface Series {
  /** The sample name as stored: `x_total`, `x_bucket`, `x_count`, `x_sum`, `up`. */
  name: string;
  labels: Record<string, string>;
  type?: MetricType;
  /** [epoch seconds, value], increasing time. */
  points: Array<[number, number]>;
}

/** Children still running, killed if the test process exits without stopping them. */
const children = new Set<ChildProcess>();
process.on('exit', () => {
  for (const child of children) child.kill('SIGKILL');
});

// Test files run side by side, and a port found free is only bound later by the daemon it is
// for: two files handed the same port got one Prometheus answering for both. Each process picks
// from its own slice of 10000-29999 (below the kernel's ephemeral range), never twice.
const PORTS_PER_PROCESS = 50;
const SLICES = 400;
const slice = 10_000 + (process.pid % SLICES) * PORTS_PER_PROCESS;
let nextInSlice = 0;

async function bindable(port: number): Promise<number | undefined> {
  const server = createNetServer();
  const bound = await new Promise<boolean>((resolve) => {
    server.once('error', () => resolve(false));
    server.listen(port, '127.0.0.1', () => resolve(true));
  });
  if (!bound) return undefined;
  const actual = (server.address() as AddressInfo).port;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return actual;
}

/** A free loopback port, from this process's own slice while it lasts (then any free port). */
export async function freePort(): Promise<number> {
  while (nextInSlice < PORTS_PER_PROCESS) {
    const port = await bindable(slice + nextInSlice++);
    if (port !== undefined) return port;
  }
  return (await bindable(0))!;
}

// OpenMetrics names a counter family without `_total` and a histogram without its suffixes.
function familyOf(s: Series): string {
  if (s.type === 'counter') return s.name.replace(/_total$/, '');
  if (s.type === 'histogram') return s.name.replace(/_(bucket|count|sum|created)$/, '');
  if (s.type === 'summary') return s.name.replace(/_(count|sum|created)$/, '');
  return s.name;
}

function escapeLabel(value: string): string {
  return value.replace(/\\/g, '\\\\').replace(/\n/g, '\\n').replace(/"/g, '\\"');
}

function formatValue(value: number): string {
  if (Number.isNaN(value)) return 'NaN';
  if (value === Infinity) return '+Inf';
  if (value === -Infinity) return '-Inf';
  return String(value);
}

function labelText(labels: Record<string, string>): string {
  const parts = Object.entries(labels).map(([k, v]) => `${k}="${escapeLabel(v)}"`);
  return parts.length === 0 ? '' : `{${parts.join(',')}}`;
}

/** OpenMetrics text for promtool: families grouped, one `# TYPE` each, timestamps in seconds, `# EOF`. */
export function openMetrics(series: Series[]): string {
  const families = new Map<string, { type?: MetricType; series: Series[] }>();
  for (const s of series) {
    const family = familyOf(s);
    const entry = families.get(family) ?? { type: s.type, series: [] };
    entry.series.push(s);
    families.set(family, entry);
  }
  const lines: string[] = [];
  for (const [family, entry] of families) {
    if (entry.type) lines.push(`# TYPE ${family} ${entry.type}`);
    for (const s of entry.series) {
      const prefix = `${s.name}${labelText(s.labels)} `;
      for (const [t, v] of s.points) lines.push(`${prefix}${formatValue(v)} ${t}`);
    }
  }
  lines.push('# EOF', '');
  return lines.join('\n');
}

/** One point every `stepSec` over [fromSec, toSec]; `fn` returning undefined leaves a gap. */
export function seriesFromFunction(
  name: string,
  labels: Record<string, string>,
  fromSec: number,
  toSec: number,
  stepSec: number,
  fn: (t: number) => number | undefined,
  type?: MetricType,
): Series {
  const points: Array<[number, number]> = [];
  for (let t = fromSec; t <= toSec; t += stepSec) {
    const v = fn(t);
    if (v !== undefined) points.push([t, v]);
  }
  return { name, labels, type, points };
}

/** Writes `openMetricsText` as TSDB blocks into `dataDir` (run before Prometheus opens it). */
export async function backfill(dataDir: string, openMetricsText: string): Promise<void> {
  const work = await mkdtemp(join(tmpdir(), 'deploywatch-backfill-'));
  try {
    const file = join(work, 'history.om');
    await writeFile(file, openMetricsText);
    await mkdir(dataDir, { recursive: true });
    await run(toolPath('promtool'), ['tsdb', 'create-blocks-from', 'openmetrics', '--quiet', file, dataDir], {
      maxBuffer: 16 * 1024 * 1024,
    });
  } finally {
    await rm(work, { recursive: true, force: true });
  }
}

interface Spawned {
  child: ChildProcess;
  stderr: () => string;
  exited: Promise<number | null>;
}

function spawnDaemon(program: string, args: string[]): Spawned {
  const child = spawn(program, args, { stdio: ['ignore', 'ignore', 'pipe'] });
  children.add(child);
  let tail = '';
  child.stderr?.on('data', (chunk: Buffer) => {
    tail = (tail + chunk.toString('utf8')).slice(-STDERR_TAIL);
  });
  const exited = new Promise<number | null>((resolve) => {
    child.once('exit', (code) => {
      children.delete(child);
      resolve(code);
    });
    child.once('error', () => {
      children.delete(child);
      resolve(null);
    });
  });
  return { child, stderr: () => tail, exited };
}

async function waitReady(url: string, daemon: Spawned, what: string): Promise<void> {
  const deadline = Date.now() + READY_TIMEOUT_MS;
  let exitCode: number | null | undefined;
  void daemon.exited.then((code) => {
    exitCode = code;
  });
  while (Date.now() < deadline) {
    if (exitCode !== undefined) throw new Error(`${what} exited (code ${exitCode}) before it was ready:\n${daemon.stderr()}`);
    try {
      const res = await request(`${url}/-/ready`, { headersTimeout: 1000, bodyTimeout: 1000 });
      await res.body.dump();
      if (res.statusCode === 200) return;
    } catch {
      // Not listening yet.
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error(`${what} was not ready within ${READY_TIMEOUT_MS} ms:\n${daemon.stderr()}`);
}

async function stopDaemon(daemon: Spawned): Promise<void> {
  if (daemon.child.exitCode !== null || daemon.child.signalCode !== null) return;
  daemon.child.kill('SIGCONT');
  daemon.child.kill('SIGTERM');
  const timer = setTimeout(() => daemon.child.kill('SIGKILL'), STOP_TIMEOUT_MS);
  await daemon.exited;
  clearTimeout(timer);
}

export interface ScrapeJob {
  job: string;
  /** host:port on 127.0.0.1. */
  targets: string[];
  metricsPath?: string;
  honorLabels?: boolean;
}

export interface PrometheusOptions {
  scrapeIntervalSeconds?: number;
  /** Defaults to the scrape interval. */
  evaluationIntervalSeconds?: number;
  scrapeJobs?: ScrapeJob[];
  /** Contents of rule files (YAML). */
  rules?: string[];
  /** OpenMetrics text (see `openMetrics`) backfilled before start; several may overlap in time. */
  history?: string | string[];
  /** Prometheus's --query.lookback-delta; its default is 5m. */
  lookbackDelta?: string;
  /** host:port of Alertmanagers to send firing alerts to. */
  alertmanagers?: string[];
}

export interface RunningPrometheus {
  url: string;
  dataDir: string;
  /** SIGSTOP: Prometheus keeps its port but answers nothing (a hung server). */
  freeze(): void;
  /** SIGCONT after `freeze`. */
  thaw(): void;
  /** SIGTERM and wait for exit, keeping the data dir and port for `restart` (Prometheus is down). */
  kill(): Promise<void>;
  /** After `kill`: the same Prometheus again, on the same port with the same data dir. */
  restart(): Promise<void>;
  /** SIGTERM, wait for exit, remove the temp dir. Safe to call twice. */
  stop(): Promise<void>;
}

export async function startPrometheus(options: PrometheusOptions = {}): Promise<RunningPrometheus> {
  const root = await mkdtemp(join(tmpdir(), 'deploywatch-prometheus-'));
  const dataDir = join(root, 'data');
  let daemon: Spawned | undefined;
  const stop = async (): Promise<void> => {
    if (daemon) await stopDaemon(daemon);
    await rm(root, { recursive: true, force: true });
  };
  try {
    for (const text of [options.history ?? []].flat()) await backfill(dataDir, text);
    const interval = options.scrapeIntervalSeconds ?? 15;
    const ruleFiles: string[] = [];
    for (const [i, text] of (options.rules ?? []).entries()) {
      const file = join(root, `rules-${i}.yml`);
      await writeFile(file, text);
      ruleFiles.push(file);
    }
    // JSON is YAML: no YAML writer needed.
    const config = {
      global: {
        scrape_interval: `${interval}s`,
        scrape_timeout: `${Math.min(interval, 10)}s`,
        evaluation_interval: `${options.evaluationIntervalSeconds ?? interval}s`,
      },
      rule_files: ruleFiles,
      ...(options.alertmanagers ? { alerting: { alertmanagers: [{ static_configs: [{ targets: options.alertmanagers }] }] } } : {}),
      scrape_configs: (options.scrapeJobs ?? []).map((j) => ({
        job_name: j.job,
        metrics_path: j.metricsPath ?? '/metrics',
        honor_labels: j.honorLabels ?? false,
        static_configs: [{ targets: j.targets }],
      })),
    };
    const configFile = join(root, 'prometheus.yml');
    await writeFile(configFile, JSON.stringify(config, null, 2));

    const port = await freePort();
    const url = `http://127.0.0.1:${port}`;
    const args = [
      `--config.file=${configFile}`,
      `--storage.tsdb.path=${dataDir}`,
      `--web.listen-address=127.0.0.1:${port}`,
      // Backfilled blocks older than retention would be deleted on start.
      '--storage.tsdb.retention.time=3650d',
      `--query.lookback-delta=${options.lookbackDelta ?? '5m'}`,
      '--log.level=warn',
    ];
    const launch = async (): Promise<void> => {
      daemon = spawnDaemon(toolPath('prometheus'), args);
      await waitReady(url, daemon, 'prometheus');
    };
    await launch();
    return {
      url,
      dataDir,
      stop,
      freeze: () => void daemon?.child.kill('SIGSTOP'),
      thaw: () => void daemon?.child.kill('SIGCONT'),
      kill: async () => {
        if (daemon) await stopDaemon(daemon);
      },
      restart: launch,
    };
  } catch (err) {
    await stop();
    throw err;
  }
}

export interface RunningPushgateway {
  url: string;
  /** host:port, for a Prometheus scrape job. */
  target: string;
  stop(): Promise<void>;
}

export async function startPushgateway(): Promise<RunningPushgateway> {
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  const daemon = spawnDaemon(toolPath('pushgateway'), [`--web.listen-address=127.0.0.1:${port}`, '--log.level=warn', '--persistence.file=']);
  const stop = () => stopDaemon(daemon);
  try {
    await waitReady(url, daemon, 'pushgateway');
  } catch (err) {
    await stop();
    throw err;
  }
  return { url, target: `127.0.0.1:${port}`, stop };
}

export interface MetricsTarget {
  url: string;
  /** host:port, for a Prometheus scrape job. */
  target: string;
  /** `seriesText` is the series as exposed: `name` or `name{label="v"}`. */
  set(seriesText: string, value: number): void;
  remove(seriesText: string): void;
  stop(): Promise<void>;
}

/**
 * A scrape target serving the text exposition format; the test changes its values. It is served
 * from a process of its own (test/support/metrics-target-process.mjs), so a test process that stalls
 * under load does not make the target miss scrapes: it serves the last values it was sent.
 */
export async function startMetricsTarget(initial: Record<string, number> = {}): Promise<MetricsTarget> {
  const values = new Map(Object.entries(initial));
  const child = fork(METRICS_TARGET_PROCESS, [], { execArgv: [], stdio: ['ignore', 'ignore', 'inherit', 'ipc'] });
  children.add(child);
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  void exited.then(() => children.delete(child));
  const port = await new Promise<number>((resolve, reject) => {
    child.once('message', (m) => resolve((m as { port: number }).port));
    child.once('error', reject);
    child.once('exit', (code) => reject(new Error(`the metrics target process exited (${code}) before it listened`)));
  });
  let pending = false;
  const publish = (): void => {
    if (pending) return;
    pending = true;
    // One message per turn of the event loop, however many series a tick sets.
    setImmediate(() => {
      pending = false;
      if (child.connected) child.send([...values].map(([series, v]) => `${series} ${formatValue(v)}\n`).join(''));
    });
  };
  publish();
  return {
    url: `http://127.0.0.1:${port}`,
    target: `127.0.0.1:${port}`,
    set: (series, value) => {
      values.set(series, value);
      publish();
    },
    remove: (series) => {
      values.delete(series);
      publish();
    },
    stop: async () => {
      if (child.connected) child.disconnect();
      await exited;
    },
  };
}

export interface RunningAlertmanager {
  url: string;
  /** host:port, for Prometheus's alerting config. */
  target: string;
  stop(): Promise<void>;
}

/** The real Alertmanager (src/tools.ts finds it) with `configYaml`, alone (no cluster). */
export async function startAlertmanager(configYaml: string): Promise<RunningAlertmanager> {
  const root = await mkdtemp(join(tmpdir(), 'deploywatch-alertmanager-'));
  let daemon: Spawned | undefined;
  const stop = async (): Promise<void> => {
    if (daemon) await stopDaemon(daemon);
    await rm(root, { recursive: true, force: true });
  };
  try {
    const configFile = join(root, 'alertmanager.yml');
    await writeFile(configFile, configYaml);
    const port = await freePort();
    const url = `http://127.0.0.1:${port}`;
    daemon = spawnDaemon(toolPath('alertmanager'), [
      `--config.file=${configFile}`,
      `--storage.path=${join(root, 'data')}`,
      `--web.listen-address=127.0.0.1:${port}`,
      // Empty: no gossip cluster, so no extra port and no peer wait before the first notification.
      '--cluster.listen-address=',
      '--log.level=warn',
    ]);
    await waitReady(url, daemon, 'alertmanager');
    return { url, target: `127.0.0.1:${port}`, stop };
  } catch (err) {
    await stop();
    throw err;
  }
}
