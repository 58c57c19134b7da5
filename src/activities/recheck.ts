// Re-checks one alert before an escalation step or for auto-resolution: is the condition clear
// for the whole auto-resolve period up to the evaluation time?
import type { AlertRule, Plan } from '../plan/schema.js';
import { parseDurationSeconds } from '../plan/duration.js';
import { evaluateAlerts, prometheusClientFactory, type PrometheusClientFactory } from './prometheus.js';

export interface RecheckInput {
  rule: AlertRule;
  prometheus: Plan['prometheus'];
  /** ISO; deployment-domain time, never the worker's clock. */
  evaluationTime: string;
  clearForSeconds: number;
}

export interface RecheckResult {
  /** 'clear' only when data covers the period and nothing breached in it: no data is never clear. */
  state: 'clear' | 'firing' | 'inconclusive';
  worst: number | null;
  detail: string;
}

export function createRecheckActivity(deps: { prometheusClient?: PrometheusClientFactory } = {}) {
  const clientFor = deps.prometheusClient ?? prometheusClientFactory();
  return async function recheckAlert(input: RecheckInput): Promise<RecheckResult> {
    const toMs = Date.parse(input.evaluationTime);
    const [verdict] = await evaluateAlerts({
      client: clientFor(input.prometheus.url),
      alerts: [input.rule],
      fromMs: toMs - input.clearForSeconds * 1000,
      toMs,
      scrapeIntervalSeconds: parseDurationSeconds(input.prometheus.scrapeInterval),
    });
    if (!verdict || verdict.state === 'inconclusive') {
      return { state: 'inconclusive', worst: null, detail: verdict?.reason ?? 'no verdict' };
    }
    const breached = verdict.breaches.length > 0 || verdict.blips > 0 || verdict.pendingSince !== null;
    return {
      state: breached ? 'firing' : 'clear',
      worst: verdict.worst,
      detail: breached ? `breaching within the last ${input.clearForSeconds}s` : `clear for ${input.clearForSeconds}s`,
    };
  };
}
