// A scrape target that serves the Genesis exporter's metrics live: counters advance with the wall
// clock, so rate() reads the healthy baseline (7.6 ops/s, p95 0.15 s, no errors) and checks are judged.
import { genesisHistory, type GenesisHistoryOptions } from './genesis-history.js';
import { startMetricsTarget, type MetricsTarget } from './prometheus.js';

/** How far ahead the values are computed; a test that runs longer sees its counters stop. */
const HORIZON_SECONDS = 40 * 60;
const STEP_SECONDS = 1;

function seriesText(name: string, labels: Record<string, string>): string {
  // Prometheus sets job and instance from the scrape config; the exporter never exposes them.
  const kept = Object.entries(labels).filter(([k]) => k !== 'job' && k !== 'instance');
  return kept.length === 0 ? name : `${name}{${kept.map(([k, v]) => `${k}="${v}"`).join(',')}}`;
}

export async function startLiveGenesisTarget(options: Omit<GenesisHistoryOptions, 'fromSec' | 'toSec' | 'stepSec'> = {}): Promise<MetricsTarget> {
  const fromSec = Math.floor(Date.now() / 1000);
  // `up` is Prometheus's own series, written on every scrape.
  const series = genesisHistory({ ...options, fromSec, toSec: fromSec + HORIZON_SECONDS, stepSec: STEP_SECONDS }).filter((s) => s.name !== 'up');
  const target = await startMetricsTarget();
  const texts = series.map((s) => seriesText(s.name, s.labels));
  const update = (): void => {
    const t = Math.min(Math.floor(Date.now() / 1000), fromSec + HORIZON_SECONDS);
    series.forEach((s, i) => {
      // One point per second from fromSec while the service is up (the default).
      const point = s.points[(t - fromSec) / STEP_SECONDS];
      if (point) target.set(texts[i]!, point[1]);
    });
  };
  update();
  const ticker = setInterval(update, 250);
  ticker.unref();
  return {
    ...target,
    stop: async () => {
      clearInterval(ticker);
      await target.stop();
    },
  };
}
