// The plan's alerts as a Prometheus rules file, plus a watchdog group for deploywatch itself.
// Prometheus fires within `for` of a breach; Alertmanager hands the alert to the bridge, and the
// monitor opens the incident between its scheduled checkpoints.
import { Document } from 'yaml';
import { SEVERITY } from '../plan/routing.js';
import type { AlertRule, Plan, Priority } from '../plan/schema.js';
import { DEPLOYWATCH_JOBS, generatedHeader } from './defaults.js';

/** Label that marks deploywatch's own health alerts; the Alertmanager config routes on it. */
export const WATCHDOG_LABEL = { name: 'component', value: 'deploywatch' } as const;

/** Counter the worker increments once per checkpoint run (exported by the worker's metrics). */
export const CHECKPOINTS_METRIC = 'deploywatch_checkpoints_total';
/** Gauges the bridge exports from a visibility query on each scrape. */
export const MONITORS_RUNNING_METRIC = 'deploywatch_bridge_monitors_running';
export const TEMPORAL_REACHABLE_METRIC = 'deploywatch_bridge_temporal_reachable';

export interface PrometheusRule {
  alert: string;
  expr: string;
  for: string;
  labels: Record<string, string>;
  annotations: Record<string, string>;
}

export interface RuleGroup {
  name: string;
  rules: PrometheusRule[];
}

export function ruleGroupName(plan: Plan): string {
  return `deploywatch-${plan.name}`;
}

/** Plan text goes into annotations, which Prometheus expands as Go templates: keep `{{` literal. */
function templateLiteral(text: string): string {
  return text.replace(/\{\{/g, '{{ "{{" }}');
}

function runbookUrl(plan: Plan, alert: AlertRule): string | undefined {
  return alert.runbook ? `${plan.runbookBaseUrl}#${alert.runbook}` : undefined;
}

/** Labels every rule of the plan carries: Alertmanager routes on `plan`, the bridge on `service`. */
export function planLabels(plan: Plan, priority: Priority): Record<string, string> {
  return { priority, severity: SEVERITY[priority], service: plan.service, plan: plan.name };
}

function planRule(plan: Plan, alert: AlertRule & { expr: string }): PrometheusRule {
  const runbook = runbookUrl(plan, alert);
  return {
    alert: alert.name,
    expr: `(${alert.expr.trim()}) ${alert.op} ${alert.threshold}`,
    for: alert.for,
    labels: planLabels(plan, alert.priority),
    annotations: {
      summary: templateLiteral(alert.description),
      description: `${templateLiteral(alert.description)}: the value is {{ $value }} (alert when ${alert.op} ${alert.threshold} for ${alert.for}; ${alert.priority}).`,
      ...(runbook ? { runbook_url: runbook } : {}),
    },
  };
}

function jobDown(alert: string, job: string, what: string): PrometheusRule {
  return {
    alert,
    // absent(): a process that was never scraped (or whose target vanished) is down too.
    expr: `up{job="${job}"} == 0 or absent(up{job="${job}"})`,
    for: '5m',
    labels: { severity: 'critical', [WATCHDOG_LABEL.name]: WATCHDOG_LABEL.value, job },
    annotations: {
      summary: `${what} is down`,
      description: `Prometheus has not scraped ${what} (job ${job}) for 5 minutes: deployment alerts may be going unanswered.`,
    },
  };
}

/** deploywatch's own health: paged directly by Alertmanager, because deploywatch cannot page about itself. */
export function watchdogRules(): PrometheusRule[] {
  const watchdog = { severity: 'critical', [WATCHDOG_LABEL.name]: WATCHDOG_LABEL.value };
  return [
    jobDown('DeploywatchWorkerDown', DEPLOYWATCH_JOBS.worker, 'the deploywatch worker'),
    jobDown('DeploywatchBridgeDown', DEPLOYWATCH_JOBS.bridge, 'the deploywatch alert bridge'),
    {
      alert: 'DeploywatchNoCheckpoints',
      // The slowest cadence is 3 h, so 4 h without a checkpoint while a monitor is open means
      // monitors are stuck. "Open" is any running monitor in the last hour, so a monitor that ended
      // normally does not trip it.
      expr: `(sum(increase(${CHECKPOINTS_METRIC}[4h])) or vector(0)) == 0 and on() (max(max_over_time(${MONITORS_RUNNING_METRIC}[1h])) > 0)`,
      for: '10m',
      labels: watchdog,
      annotations: {
        summary: 'deploywatch monitors are open but no checkpoint ran for 4 hours',
        description: 'Monitors are running, yet the worker has completed no checkpoint in 4 hours: check the worker and its task queue.',
      },
    },
    {
      alert: 'DeploywatchTemporalUnreachable',
      expr: `${TEMPORAL_REACHABLE_METRIC} == 0`,
      for: '5m',
      labels: watchdog,
      annotations: {
        summary: 'deploywatch cannot reach Temporal',
        description: 'The alert bridge has not reached the Temporal server for 5 minutes: no checkpoint runs and no alert reaches a monitor.',
      },
    },
  ];
}

export function ruleGroups(plan: Plan): RuleGroup[] {
  const fromPlan = plan.alerts.filter(
    (a): a is AlertRule & { expr: string } => a.source === 'prometheus' && a.expr !== undefined,
  );
  return [
    { name: ruleGroupName(plan), rules: fromPlan.map((a) => planRule(plan, a)) },
    { name: 'deploywatch-watchdog', rules: watchdogRules() },
  ];
}

/** The rules file (YAML) for Prometheus's `rule_files`. */
export function renderPrometheusRules(plan: Plan): string {
  const doc = new Document({ groups: ruleGroups(plan) }, { aliasDuplicateObjects: false });
  doc.commentBefore = ` ${generatedHeader('rules', plan.name)}`;
  return doc.toString({ lineWidth: 0 });
}
