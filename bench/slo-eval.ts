// Benchmark (not a test): one checkpoint's evaluation of the default plan against a local
// Prometheus, i.e. everything a checkpoint asks Prometheus (every alert over the interval, every SLO
// row, the key series, Prometheus's own alerts), timed over many runs. Target: p95 ≤ 100 ms.
// Run directly (`tsx bench/slo-eval.ts [prometheus-url]`) it backfills and starts its own Prometheus.
import { performance } from 'node:perf_hooks';
import { observePrometheus } from '../src/activities/observe-prometheus.js';
import { createPrometheusClient } from '../src/activities/prometheus.js';
import { DEFAULT_PLAN_PATH, loadPlanFile } from '../src/plan/load.js';
import type { Plan } from '../src/plan/schema.js';

export interface SloBenchOptions {
  prometheusUrl: string;
  /** The checkpoint's evaluation time (epoch ms); the data must cover the interval before it. */
  atMs: number;
  /** Default: the default plan. */
  plan?: Plan;
  runs?: number;
  warmup?: number;
  /** The interval since the previous checkpoint (default 15: the intensive phase). */
  intervalMinutes?: number;
  phaseId?: string;
  /** Where the summary line goes (default stdout). */
  print?: (line: string) => void;
}

export interface SloBenchResult {
  runs: number;
  intervalMinutes: number;
  p50Ms: number;
  p95Ms: number;
  minMs: number;
  maxMs: number;
}

/** The p-th percentile (nearest rank) of ascending `sorted`. */
export function percentile(sorted: number[], p: number): number {
  const rank = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[rank]!;
}

const round = (ms: number): number => Math.round(ms * 10) / 10;

export async function benchSloEvaluation(options: SloBenchOptions): Promise<SloBenchResult> {
  const plan = options.plan ?? (await loadPlanFile(DEFAULT_PLAN_PATH));
  const runs = options.runs ?? 200;
  const intervalMinutes = options.intervalMinutes ?? 15;
  const client = createPrometheusClient({ baseUrl: options.prometheusUrl });
  const once = async (): Promise<number> => {
    const started = performance.now();
    const observed = await observePrometheus({
      client,
      scrapeInterval: plan.prometheus.scrapeInterval,
      alerts: plan.alerts,
      slos: plan.slos,
      phaseId: options.phaseId ?? plan.phases[0]?.id ?? '',
      fromMs: options.atMs - intervalMinutes * 60_000,
      toMs: options.atMs,
    });
    const elapsed = performance.now() - started;
    if (observed.prometheusError) throw new Error(`Prometheus unavailable: ${observed.prometheusError}`);
    return elapsed;
  };
  for (let i = 0; i < (options.warmup ?? 10); i++) await once();
  const times: number[] = [];
  for (let i = 0; i < runs; i++) times.push(await once());
  times.sort((a, b) => a - b);
  const result: SloBenchResult = {
    runs,
    intervalMinutes,
    p50Ms: round(percentile(times, 50)),
    p95Ms: round(percentile(times, 95)),
    minMs: round(times[0]!),
    maxMs: round(times[times.length - 1]!),
  };
  (options.print ?? console.log)(
    `slo-eval: ${plan.name}, ${intervalMinutes}-minute interval, ${runs} runs: p50 ${result.p50Ms} ms, p95 ${result.p95Ms} ms (min ${result.minMs}, max ${result.maxMs})`,
  );
  return result;
}

async function main(): Promise<void> {
  const url = process.argv[2];
  const H = 3600;
  if (url) {
    await benchSloEvaluation({ prometheusUrl: url, atMs: Date.now() });
    return;
  }
  // No Prometheus given: a local one with a day of healthy Genesis history.
  const { genesisHistory } = await import('../test/support/genesis-history.js');
  const { openMetrics, startPrometheus } = await import('../test/support/prometheus.js');
  const t0 = Date.UTC(2025, 9, 20) / 1000;
  const prometheus = await startPrometheus({ history: openMetrics(genesisHistory({ fromSec: t0 - H, toSec: t0 + 30 * H, stepSec: 15 })) });
  try {
    await benchSloEvaluation({ prometheusUrl: prometheus.url, atMs: (t0 + 3 * H) * 1000 });
    await benchSloEvaluation({ prometheusUrl: prometheus.url, atMs: (t0 + 30 * H) * 1000, intervalMinutes: 180, phaseId: 'passive' });
  } finally {
    await prometheus.stop();
  }
}

if (require.main === module) {
  main().catch((err: unknown) => {
    console.error(`slo-eval: ${(err as Error).message}`);
    process.exit(1);
  });
}
