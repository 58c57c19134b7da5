// prometheus.yml for the compose stack: scrape the service and its hosts at the plan's interval,
// scrape deploywatch itself (the watchdog rules need it), load the plan's rules, alert Alertmanager.
import { Document } from 'yaml';
import type { Plan } from '../plan/schema.js';
import {
  DEFAULT_NODE_TARGETS,
  DEFAULT_SERVICE_TARGETS,
  DEPLOYWATCH_JOBS,
  generatedHeader,
  RULES_PATH,
  STACK,
} from './defaults.js';

export interface PrometheusConfigOptions {
  /** host:port of the service the plan watches (job: the plan's prometheus.serviceJob). */
  serviceTargets?: string[];
  /** host:port of node exporters on the service's hosts (the plan's resource SLOs read them). */
  nodeTargets?: string[];
  alertmanagers?: string[];
  pushgateway?: string;
  workerTarget?: string;
  bridgeTarget?: string;
  rulesFile?: string;
}

const hostPort = (part: { host: string; port: number }): string => `${part.host}:${part.port}`;

function job(name: string, targets: string[], extra: Record<string, unknown> = {}): Record<string, unknown> {
  return { job_name: name, ...extra, static_configs: [{ targets }] };
}

export function prometheusConfig(plan: Plan, options: PrometheusConfigOptions = {}): Record<string, unknown> {
  const interval = plan.prometheus.scrapeInterval;
  return {
    global: { scrape_interval: interval, evaluation_interval: interval },
    rule_files: [options.rulesFile ?? RULES_PATH],
    alerting: { alertmanagers: [{ static_configs: [{ targets: options.alertmanagers ?? [hostPort(STACK.alertmanager)] }] }] },
    scrape_configs: [
      job(plan.prometheus.serviceJob, options.serviceTargets ?? DEFAULT_SERVICE_TARGETS),
      job('node', options.nodeTargets ?? DEFAULT_NODE_TARGETS),
      // Test results pushed by CI keep their own job and instance labels.
      job('pushgateway', [options.pushgateway ?? hostPort(STACK.pushgateway)], { honor_labels: true }),
      job(DEPLOYWATCH_JOBS.worker, [options.workerTarget ?? hostPort(STACK.worker)]),
      job(DEPLOYWATCH_JOBS.bridge, [options.bridgeTarget ?? hostPort(STACK.bridge)]),
      job('alertmanager', [hostPort(STACK.alertmanager)]),
      job('prometheus', [`localhost:${STACK.prometheus.port}`]),
    ],
  };
}

/** prometheus.yml (YAML). Retention (the Genesis monitoring plan's 7 days) is a command-line flag, set in docker-compose.yml. */
export function renderPrometheusConfig(plan: Plan, options: PrometheusConfigOptions = {}): string {
  const doc = new Document(prometheusConfig(plan, options), { aliasDuplicateObjects: false });
  doc.commentBefore = ` ${generatedHeader('prometheus', plan.name)}`;
  return doc.toString({ lineWidth: 0 });
}
