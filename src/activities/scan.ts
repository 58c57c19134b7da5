// Backtest only: finds when each Prometheus alert would have fired in an interval of history,
// so the replay can open incidents at that moment rather than at the next checkpoint.
import type { AlertRule, Plan } from '../plan/schema.js';
import type { AlertObservation } from '../plan/results.js';
import { parseDurationSeconds } from '../plan/duration.js';
import { evaluateAlerts, prometheusClientFactory, type PrometheusClientFactory } from './prometheus.js';

export interface ScanInput {
  prometheus: Plan['prometheus'];
  alerts: AlertRule[];
  from: string;
  to: string;
}

export function createScanActivity(deps: { prometheusClient?: PrometheusClientFactory } = {}) {
  const clientFor = deps.prometheusClient ?? prometheusClientFactory();
  return async function scanAlerts(input: ScanInput): Promise<AlertObservation[]> {
    const verdicts = await evaluateAlerts({
      client: clientFor(input.prometheus.url),
      alerts: input.alerts.filter((a) => a.source === 'prometheus'),
      fromMs: Date.parse(input.from),
      toMs: Date.parse(input.to),
      scrapeIntervalSeconds: parseDurationSeconds(input.prometheus.scrapeInterval),
    });
    return verdicts.map((v) => ({
      alert: v.alert,
      priority: v.priority,
      state: v.state,
      stillFiring: v.stillFiring,
      worst: v.worst,
      breaches: v.breaches.map((b) => ({ startedAt: b.startedAt, firingAt: b.firingAt, endedAt: b.endedAt, worst: b.worst })),
      blips: v.blips,
    }));
  };
}
