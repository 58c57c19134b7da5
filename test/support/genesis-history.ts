// Every metric the Genesis monitoring plan names, as history for `backfill`: healthy by default,
// with hooks to inject a breach at a chosen time. Names and labels follow the Genesis exporter
// (errors_total{type}, operation_duration_seconds{operation}) plus the job/instance a scrape adds.
import type { Series } from './prometheus.js';

type Fn = (t: number) => number;

export interface GenesisHistoryOptions {
  fromSec: number;
  toSec: number;
  stepSec: number;
  /** Operations per second (seed baseline 7.6). */
  opsPerSecond?: Fn;
  /** What histogram_quantile(0.95, …) of the operation histogram reads, in seconds (default 0.15). */
  p95Seconds?: Fn;
  /** Fraction of operations that fail (default 0). */
  errorRatio?: Fn;
  /** 1 while the service answers scrapes; at 0 its own metrics have no samples (default 1). */
  up?: Fn;
  /** Test pass rate in percent (default 100). */
  passRatePercent?: Fn;
  htdagMeanSeconds?: Fn;
  haloMeanSeconds?: Fn;
  aopMeanSeconds?: Fn;
  /** Busy fraction of each CPU (default 0.35). */
  cpuBusy?: Fn;
  /** Used fraction of memory (default 0.45) and of the root filesystem (default 0.5). */
  memoryUsed?: Fn;
  diskUsed?: Fn;
  /** True where no series has a sample (Prometheus itself was down or not scraping). */
  gap?: (t: number) => boolean;
}

export const GENESIS = { job: 'genesis-orchestration', instance: 'genesis:8000' } as const;
export const NODE = { job: 'node', instance: 'genesis:9100' } as const;

const OPERATION_BUCKETS = [0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];
const HTDAG_BUCKETS = [0.01, 0.05, 0.1, 0.25, 0.5, 1];
const COMPONENT_BUCKETS = [0.01, 0.05, 0.1, 0.25, 0.5];
const ERROR_TYPES = ['decomposition', 'routing', 'validation'];
const CPU_MODES = ['user', 'system', 'iowait'] as const;
const CPUS = 4;
const TESTS = 200;
const MEMORY_BYTES = 16 * 2 ** 30;
const DISK_BYTES = 200 * 2 ** 30;

const constant = (v: number): Fn => () => v;

/**
 * Per-bucket (non-cumulative) fractions, last one +Inf, such that Prometheus's linear
 * interpolation puts the 0.95 quantile at `q`.
 */
export function fractionsForP95(bounds: number[], q: number): number[] {
  const out = new Array<number>(bounds.length + 1).fill(0);
  const clamped = Math.min(Math.max(q, 1e-6), bounds[bounds.length - 1]!);
  const k = bounds.findIndex((b) => clamped <= b);
  const lo = k === 0 ? 0 : bounds[k - 1]!;
  const r = (clamped - lo) / (bounds[k]! - lo);
  if (r <= 0.95 && k > 0) {
    const below = (0.95 - r) / (1 - r);
    out[k - 1] = below;
    out[k] = 1 - below;
  } else if (r > 0.95) {
    out[k] = 0.95 / r;
    out[k + 1] = 1 - 0.95 / r;
  } else {
    out[k] = 1;
  }
  return out;
}

/** All observations in the bucket that holds `mean`; the sum carries the mean exactly. */
function fractionsAt(bounds: number[], mean: number): number[] {
  const out = new Array<number>(bounds.length + 1).fill(0);
  const k = bounds.findIndex((b) => mean <= b);
  out[k === -1 ? bounds.length : k] = 1;
  return out;
}

class Histogram {
  private readonly cumulative: number[];
  private count = 0;
  private sum = 0;
  readonly series: Series[];

  constructor(
    name: string,
    labels: Record<string, string>,
    private readonly bounds: number[],
  ) {
    this.cumulative = new Array<number>(bounds.length + 1).fill(0);
    const les = [...bounds.map(String), '+Inf'];
    this.series = [
      ...les.map((le) => ({ name: `${name}_bucket`, labels: { ...labels, le }, type: 'histogram' as const, points: [] })),
      { name: `${name}_count`, labels, type: 'histogram', points: [] },
      { name: `${name}_sum`, labels, type: 'histogram', points: [] },
    ];
  }

  observe(observations: number, fractions: number[], mean: number): void {
    let running = 0;
    for (let i = 0; i <= this.bounds.length; i++) {
      running += observations * fractions[i]!;
      this.cumulative[i]! += running;
    }
    this.count += observations;
    this.sum += observations * mean;
  }

  record(t: number): void {
    this.cumulative.forEach((v, i) => this.series[i]!.points.push([t, v]));
    this.series[this.bounds.length + 1]!.points.push([t, this.count]);
    this.series[this.bounds.length + 2]!.points.push([t, this.sum]);
  }
}

function gauge(name: string, labels: Record<string, string>): Series {
  return { name, labels, type: 'gauge', points: [] };
}

function counter(name: string, labels: Record<string, string>): Series {
  return { name, labels, type: 'counter', points: [] };
}

export function genesisHistory(options: GenesisHistoryOptions): Series[] {
  const { fromSec, toSec, stepSec } = options;
  const ops = options.opsPerSecond ?? constant(7.6);
  const p95 = options.p95Seconds ?? constant(0.15);
  const errorRatio = options.errorRatio ?? constant(0);
  const up = options.up ?? constant(1);
  const passRate = options.passRatePercent ?? constant(100);
  const htdag = options.htdagMeanSeconds ?? constant(0.11);
  const halo = options.haloMeanSeconds ?? constant(0.11);
  const aop = options.aopMeanSeconds ?? constant(0.05);
  const cpuBusy = options.cpuBusy ?? constant(0.35);
  const memoryUsed = options.memoryUsed ?? constant(0.45);
  const diskUsed = options.diskUsed ?? constant(0.5);
  const gap = options.gap ?? (() => false);

  const operation = new Histogram('genesis_operation_duration_seconds', { ...GENESIS, operation: 'orchestration' }, OPERATION_BUCKETS);
  const htdagHist = new Histogram('genesis_htdag_decomposition_duration_seconds', GENESIS, HTDAG_BUCKETS);
  const haloHist = new Histogram('genesis_halo_routing_duration_seconds', GENESIS, COMPONENT_BUCKETS);
  const aopHist = new Histogram('genesis_aop_validation_duration_seconds', GENESIS, COMPONENT_BUCKETS);
  const errors = ERROR_TYPES.map((type) => counter('genesis_errors_total', { ...GENESIS, type }));
  const errorCategory = ERROR_TYPES.map((category) => gauge('genesis_error_category', { ...GENESIS, category }));
  const errorRate = gauge('genesis_error_rate', GENESIS);
  const testsPassed = gauge('genesis_tests_passed_total', GENESIS);
  const testsFailed = gauge('genesis_tests_failed_total', GENESIS);
  const testsSkipped = gauge('genesis_tests_skipped_total', GENESIS);
  const testsTotal = gauge('genesis_tests_total_total', GENESIS);
  const testsTotalPlain = gauge('genesis_tests_total', GENESIS);
  const passRateGauge = gauge('genesis_test_pass_rate', GENESIS);
  const uptime = gauge('genesis_service_uptime_seconds', GENESIS);
  const upGenesis = gauge('up', GENESIS);
  const upNode = gauge('up', NODE);
  const cpu = Array.from({ length: CPUS }, (_, i) =>
    ['idle', ...CPU_MODES].map((mode) => counter('node_cpu_seconds_total', { ...NODE, cpu: String(i), mode })),
  );
  const memTotal = gauge('node_memory_MemTotal_bytes', NODE);
  const memAvailable = gauge('node_memory_MemAvailable_bytes', NODE);
  const diskIo = counter('node_disk_io_time_seconds_total', { ...NODE, device: 'sda' });
  const fs = { ...NODE, device: '/dev/sda1', fstype: 'ext4', mountpoint: '/' };
  const fsSize = gauge('node_filesystem_size_bytes', fs);
  const fsAvail = gauge('node_filesystem_avail_bytes', fs);

  const errorCounts = ERROR_TYPES.map(() => 0);
  const cpuCounts = cpu.map((modes) => modes.map(() => 0));
  let diskIoSeconds = 0;
  let upSince = fromSec;

  for (let t = fromSec; t <= toSec; t += stepSec) {
    // Counters advance by what happened during the step that ends at t.
    const n = ops(t) * stepSec;
    const q = p95(t);
    operation.observe(n, fractionsForP95(OPERATION_BUCKETS, q), q * 0.7);
    htdagHist.observe(n, fractionsAt(HTDAG_BUCKETS, htdag(t)), htdag(t));
    haloHist.observe(n, fractionsAt(COMPONENT_BUCKETS, halo(t)), halo(t));
    aopHist.observe(n, fractionsAt(COMPONENT_BUCKETS, aop(t)), aop(t));
    const failed = n * errorRatio(t);
    ERROR_TYPES.forEach((_, i) => (errorCounts[i]! += failed / ERROR_TYPES.length));
    cpuCounts.forEach((modes) => {
      modes[0]! += stepSec * (1 - cpuBusy(t));
      CPU_MODES.forEach((_, m) => (modes[m + 1]! += (stepSec * cpuBusy(t)) / CPU_MODES.length));
    });
    diskIoSeconds += stepSec * 0.05;
    const isUp = up(t) >= 1;
    if (!isUp) upSince = t + stepSec;
    if (gap(t)) continue;

    upGenesis.points.push([t, isUp ? 1 : 0]);
    upNode.points.push([t, 1]);
    cpu.forEach((modes, c) => modes.forEach((s, m) => s.points.push([t, cpuCounts[c]![m]!])));
    memTotal.points.push([t, MEMORY_BYTES]);
    memAvailable.points.push([t, MEMORY_BYTES * (1 - memoryUsed(t))]);
    diskIo.points.push([t, diskIoSeconds]);
    fsSize.points.push([t, DISK_BYTES]);
    fsAvail.points.push([t, DISK_BYTES * (1 - diskUsed(t))]);
    // A down target is not scraped: only `up` records it.
    if (!isUp) continue;

    for (const h of [operation, htdagHist, haloHist, aopHist]) h.record(t);
    errors.forEach((s, i) => s.points.push([t, errorCounts[i]!]));
    errorCategory.forEach((s, i) => s.points.push([t, errorCounts[i]!]));
    errorRate.points.push([t, ops(t) * errorRatio(t)]);
    const passed = (TESTS * passRate(t)) / 100;
    testsPassed.points.push([t, passed]);
    testsFailed.points.push([t, TESTS - passed]);
    testsSkipped.points.push([t, 0]);
    testsTotal.points.push([t, TESTS]);
    testsTotalPlain.points.push([t, TESTS]);
    passRateGauge.points.push([t, passRate(t)]);
    uptime.points.push([t, t - upSince]);
  }

  return [
    upGenesis,
    upNode,
    ...operation.series,
    ...htdagHist.series,
    ...haloHist.series,
    ...aopHist.series,
    ...errors,
    ...errorCategory,
    errorRate,
    testsPassed,
    testsFailed,
    testsSkipped,
    testsTotal,
    testsTotalPlain,
    passRateGauge,
    uptime,
    ...cpu.flat(),
    memTotal,
    memAvailable,
    diskIo,
    fsSize,
    fsAvail,
  ];
}
