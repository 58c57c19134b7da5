// `npm run backtest` as a user runs it, against a Prometheus holding 48 h of history: start-up is
// launch → the "backtest: first checkpoint" log line, wall is launch → exit. Its stdout must be
// one JSON document.
import { spawn } from 'node:child_process';
import { performance } from 'node:perf_hooks';
import { median } from '../src/plan/anomaly.js';
import { REPO_ROOT } from '../src/temporal/binaries.js';
import { genesisHistory } from '../test/support/genesis-history.js';
import { openMetrics, startPrometheus } from '../test/support/prometheus.js';
import { onCleanup } from './cleanup.js';

export interface BacktestBenchResult {
  startupSeconds: number;
  wallSeconds: number;
  runs: Array<{ startupSeconds: number; wallSeconds: number }>;
}

const HOUR = 3600;
const round2 = (x: number): number => Math.round(x * 100) / 100;

async function once(prometheusUrl: string, deployedAt: string): Promise<{ startupSeconds: number; wallSeconds: number }> {
  const launched = performance.now();
  const child = spawn('npm', ['run', '-s', 'backtest', '--', '--prometheus-url', prometheusUrl, '--deployed-at', deployedAt], {
    cwd: REPO_ROOT,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  let firstCheckpoint: number | undefined;
  child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => {
    stderr += chunk.toString();
    if (firstCheckpoint === undefined && stderr.includes('"backtest: first checkpoint"')) firstCheckpoint = performance.now();
  });
  const code = await new Promise<number | null>((resolve) => child.on('close', resolve));
  const ended = performance.now();
  if (code !== 0) throw new Error(`npm run backtest exited ${code}: ${stderr.slice(-500)}`);
  try {
    JSON.parse(stdout);
  } catch {
    throw new Error(`npm run backtest: stdout is not one JSON document: ${stdout.slice(0, 200)}`);
  }
  if (firstCheckpoint === undefined) throw new Error('npm run backtest never logged its first checkpoint');
  return { startupSeconds: round2((firstCheckpoint - launched) / 1000), wallSeconds: round2((ended - launched) / 1000) };
}

export async function measureBacktest(options: { runs: number; print: (line: string) => void }): Promise<BacktestBenchResult> {
  const deployed = Math.floor(Date.now() / 1000 / HOUR) * HOUR - 4 * 24 * HOUR;
  const prometheus = await startPrometheus({
    history: [openMetrics(genesisHistory({ fromSec: deployed - 2 * HOUR, toSec: deployed + 50 * HOUR, stepSec: 60, p95Seconds: (t) => (t >= deployed + 30 * HOUR ? 0.35 : 0.15) }))],
  });
  const releasePrometheus = onCleanup('prometheus (backtest)', () => prometheus.stop());
  try {
    const deployedAt = new Date(deployed * 1000).toISOString();
    // Not counted: it may build the workflow bundle for these sources, once.
    await once(prometheus.url, deployedAt);
    const runs = [];
    for (let i = 0; i < options.runs; i++) {
      const run = await once(prometheus.url, deployedAt);
      options.print(`backtest run ${i + 1}: start-up ${run.startupSeconds} s, wall ${run.wallSeconds} s`);
      runs.push(run);
    }
    return {
      startupSeconds: round2(median(runs.map((r) => r.startupSeconds))),
      wallSeconds: round2(median(runs.map((r) => r.wallSeconds))),
      runs,
    };
  } finally {
    await releasePrometheus();
  }
}
