// The bridge's own metrics, on its own registry (it may share a process with the worker, whose
// metrics are served elsewhere). The watchdog rules read deploywatch_bridge_up (through `up`),
// the monitors-running gauge and Temporal reachability.
import { collectDefaultMetrics, Counter, Gauge, Registry } from 'prom-client';
import { MONITORS_RUNNING_METRIC, TEMPORAL_REACHABLE_METRIC } from '../render/prometheus-rules.js';

export type RequestOutcome =
  | 'forwarded'
  | 'unauthorized'
  | 'too_large'
  | 'malformed'
  | 'unavailable'
  | 'not_found'
  | 'method_not_allowed';

export interface BridgeMetrics {
  registry: Registry;
  requests: Counter<'outcome'>;
  alertsForwarded: Counter;
  unknownDeployment: Counter<'reason'>;
  signalFailures: Counter;
  monitorsRunning: Gauge;
  temporalReachable: Gauge;
}

export function createBridgeMetrics(): BridgeMetrics {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry });
  const registers = [registry];
  const up = new Gauge({ name: 'deploywatch_bridge_up', help: 'The alert bridge is running (always 1).', registers });
  up.set(1);
  return {
    registry,
    requests: new Counter({
      name: 'deploywatch_bridge_requests_total',
      help: 'Webhook requests from Alertmanager, by outcome.',
      labelNames: ['outcome'],
      registers,
    }),
    alertsForwarded: new Counter({
      name: 'deploywatch_bridge_alerts_forwarded_total',
      help: 'Alerts signalled to a running monitor.',
      registers,
    }),
    unknownDeployment: new Counter({
      name: 'deploywatch_bridge_unknown_deployment_alerts_total',
      help: 'Alerts that matched no running monitor (answered 200 and reported), by reason.',
      labelNames: ['reason'],
      registers,
    }),
    signalFailures: new Counter({
      name: 'deploywatch_bridge_signal_failures_total',
      help: 'Signals to monitors that failed (Temporal unreachable or erroring); answered 503 so Alertmanager retries.',
      registers,
    }),
    monitorsRunning: new Gauge({
      name: MONITORS_RUNNING_METRIC,
      help: 'Running deployment monitors (visibility count at scrape time; NaN when Temporal does not answer).',
      registers,
    }),
    temporalReachable: new Gauge({
      name: TEMPORAL_REACHABLE_METRIC,
      help: '1 when the Temporal server answered the last visibility count, else 0.',
      registers,
    }),
  };
}
