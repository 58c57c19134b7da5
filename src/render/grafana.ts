// The Genesis monitoring plan's Grafana dashboard (uid genesis-deployment, refresh 10s, 13 panels) from the plan. Panel
// ids are the Genesis monitoring plan's "Dashboard Location" numbers, so "check panel 6" in a runbook finds panel 6:
//   1 test pass rate · 2 error rate · 3 P95 latency · 4 service uptime      (SLO stats)
//   5 pass rate and failing tests · 6 errors by category · 7 P95 and throughput   (trends)
//   8 system resources · 9 HTDAG · 10 HALO · 11 AOP · 12 alerts · 13 service uptime
// The Genesis monitoring plan lists 13 panels including alerts but numbers all 13 by metric; the alerts panel takes 12,
// where the test-suite alerts (the rest of the Genesis monitoring plan's panel 12 category) show as they fire.
import { serviceDownAlert } from '../plan/escalation.js';
import type { AlertRule, LevelSlo, Plan, Slo } from '../plan/schema.js';
import { GRAFANA_DATASOURCE_UID } from './defaults.js';

export interface DashboardOptions {
  datasourceUid?: string;
}

export interface PanelTarget {
  refId: string;
  expr: string;
  legendFormat: string;
  /** Stat panels read the latest value; time series read a range. */
  instant?: boolean;
  range?: boolean;
}

export interface Panel {
  id: number;
  type: 'stat' | 'timeseries';
  title: string;
  description: string;
  gridPos: { x: number; y: number; w: number; h: number };
  datasource: { type: 'prometheus'; uid: string };
  targets: PanelTarget[];
  fieldConfig: Record<string, unknown>;
  options: Record<string, unknown>;
}

export const DASHBOARD_UID = 'genesis-deployment';

const UNIT: Record<Slo['unit'], string> = {
  percent: 'percent',
  ratio: 'percentunit',
  seconds: 's',
  'ops-per-second': 'ops',
  boolean: 'bool',
  count: 'short',
};

type Step = { color: string; value: number | null };

/** Green where the SLO holds, red where it does not. */
function sloSteps(slo: Slo): Step[] {
  const higherIsGood = slo.op === '>=' || slo.op === '>';
  return higherIsGood
    ? [{ color: 'red', value: null }, { color: 'green', value: slo.target }]
    : [{ color: 'green', value: null }, { color: 'red', value: slo.target }];
}

function levelSteps(level: LevelSlo): Step[] {
  return level.worse === 'above'
    ? [
        { color: 'green', value: null },
        { color: 'orange', value: level.warning },
        { color: 'red', value: level.critical },
      ]
    : [
        { color: 'red', value: null },
        { color: 'orange', value: level.critical },
        { color: 'green', value: level.warning },
      ];
}

function find<T extends { id: string }>(items: T[], id: string, where: string): T {
  const item = items.find((i) => i.id === id);
  if (!item) throw new Error(`the dashboard needs ${where} '${id}', which the plan does not define`);
  return item;
}

function alertExpr(plan: Plan, name: string): string {
  const alert = plan.alerts.find((a): a is AlertRule & { expr: string } => a.name === name && a.expr !== undefined);
  if (!alert) throw new Error(`the dashboard needs alert '${name}' with an expr, which the plan does not define`);
  return alert.expr;
}

function thresholdOf(plan: Plan, name: string): number | undefined {
  return plan.alerts.find((a) => a.name === name)?.threshold;
}

export function dashboardPanels(plan: Plan, options: DashboardOptions = {}): Panel[] {
  const datasource = { type: 'prometheus' as const, uid: options.datasourceUid ?? GRAFANA_DATASOURCE_UID };
  const critical = (id: string) => find(plan.slos.critical, id, 'critical SLO');
  const performance = (id: string) => find(plan.slos.performance, id, 'performance SLO');
  const resources = (id: string) => find(plan.slos.resources, id, 'resource SLO');
  const job = plan.prometheus.serviceJob;

  const target = (refId: string, expr: string, legendFormat: string, instant = false): PanelTarget =>
    instant ? { refId, expr, legendFormat, instant: true, range: false } : { refId, expr, legendFormat, range: true };

  const stat = (id: number, x: number, slo: Slo): Panel => ({
    id,
    type: 'stat',
    title: `${slo.title} (SLO ${slo.op} ${slo.target}${slo.unit === 'percent' ? '%' : ''})`,
    description: `${slo.priority} SLO over ${slo.window}.`,
    gridPos: { x, y: 0, w: 6, h: 5 },
    datasource,
    targets: [target('A', slo.expr, slo.title, true)],
    fieldConfig: {
      defaults: { unit: UNIT[slo.unit], decimals: slo.unit === 'ratio' ? 3 : 2, thresholds: { mode: 'absolute', steps: sloSteps(slo) } },
      overrides: [],
    },
    options: { reduceOptions: { calcs: ['lastNotNull'], fields: '', values: false }, colorMode: 'background', graphMode: 'area', textMode: 'value' },
  });

  const series = (
    id: number,
    gridPos: Panel['gridPos'],
    title: string,
    description: string,
    unit: string,
    targets: PanelTarget[],
    steps: Step[] = [{ color: 'green', value: null }],
    overrides: unknown[] = [],
  ): Panel => ({
    id,
    type: 'timeseries',
    title,
    description,
    gridPos,
    datasource,
    targets,
    fieldConfig: {
      defaults: { unit, custom: { thresholdsStyle: { mode: steps.length > 1 ? 'line' : 'off' } }, thresholds: { mode: 'absolute', steps } },
      overrides,
    },
    options: { legend: { displayMode: 'list', placement: 'bottom' }, tooltip: { mode: 'multi' } },
  });

  const rightAxis = (refId: string, unit: string) => ({
    matcher: { id: 'byFrameRefID', options: refId },
    properties: [
      { id: 'unit', value: unit },
      { id: 'custom.axisPlacement', value: 'right' },
    ],
  });

  const component = (id: number, x: number, level: LevelSlo): Panel =>
    series(
      id,
      { x, y: 13, w: 8, h: 8 },
      `${level.title} (mean)`,
      `${level.priority}: baseline ${level.baseline ?? '—'}, warning ${level.warning}, critical ${level.critical}.`,
      UNIT[level.unit],
      [target('A', level.expr, level.title)],
      levelSteps(level),
    );

  const passRate = critical('test-pass-rate');
  const errorRate = critical('error-rate');
  const p95 = critical('p95-latency');
  const uptime = critical('uptime');
  const throughput = performance('throughput');
  const lowPass = thresholdOf(plan, 'TestPassRateLow');

  return [
    stat(1, 0, passRate),
    stat(2, 6, errorRate),
    stat(3, 12, p95),
    stat(4, 18, uptime),
    series(
      5,
      { x: 0, y: 5, w: 8, h: 8 },
      'Test pass rate and failing tests',
      'Pass rate (left) and failed / skipped tests (right): where a degradation starts.',
      UNIT[passRate.unit],
      [
        target('A', passRate.expr, 'pass rate'),
        target('B', 'sum(genesis_tests_failed_total)', 'failed'),
        target('C', 'sum(genesis_tests_skipped_total)', 'skipped'),
      ],
      lowPass === undefined ? undefined : [{ color: 'red', value: null }, { color: 'green', value: lowPass }],
      [rightAxis('B', 'short'), rightAxis('C', 'short')],
    ),
    series(
      6,
      { x: 8, y: 5, w: 8, h: 8 },
      'Error rate and errors by category',
      'Failed share of operations (left) and errors per second by category (right).',
      UNIT[errorRate.unit],
      [target('A', errorRate.expr, 'error rate'), target('B', 'sum by (type) (rate(genesis_errors_total[5m]))', '{{type}}')],
      sloSteps(errorRate),
      [rightAxis('B', 'reqps')],
    ),
    series(
      7,
      { x: 16, y: 5, w: 8, h: 8 },
      'P95 latency and throughput',
      'P95 operation latency (left) and operations per second (right).',
      UNIT[p95.unit],
      [target('A', p95.expr, 'P95'), target('B', throughput.expr, 'ops/s')],
      sloSteps(p95),
      [rightAxis('B', UNIT[throughput.unit])],
    ),
    series(
      8,
      { x: 0, y: 21, w: 12, h: 8 },
      'System resources',
      'CPU, memory and disk of the busiest (or fullest) host.',
      'percent',
      plan.slos.resources.map((r, i) => target(String.fromCharCode(65 + i), r.expr, r.title)),
      levelSteps(resources('cpu')),
    ),
    component(9, 0, performance('htdag-decomposition')),
    component(10, 8, performance('halo-routing')),
    component(11, 16, performance('aop-validation')),
    series(
      12,
      { x: 12, y: 21, w: 12, h: 8 },
      'Alerts',
      "Pending and firing alerts in Prometheus (the plan's rules and deploywatch's watchdog).",
      'short',
      [target('A', 'sum by (alertname, alertstate) (ALERTS)', '{{alertname}} {{alertstate}}')],
    ),
    series(
      13,
      { x: 0, y: 29, w: 24, h: 6 },
      'Service uptime',
      'Whether any instance answers (left) and continuous uptime of the service (right).',
      'bool',
      [target('A', alertExpr(plan, serviceDownAlert(plan.escalation)), 'up'), target('B', `max(genesis_service_uptime_seconds{job="${job}"})`, 'continuous uptime')],
      [{ color: 'red', value: null }, { color: 'green', value: 1 }],
      [rightAxis('B', 's')],
    ),
  ];
}

export function grafanaDashboard(plan: Plan, options: DashboardOptions = {}): Record<string, unknown> {
  return {
    uid: DASHBOARD_UID,
    title: `Genesis deployment — ${plan.name}`,
    description: `${plan.description} Generated by deploywatch plan render dashboard: edit the plan, not this file.`.trim(),
    tags: ['deploywatch', plan.name],
    timezone: 'browser',
    editable: false,
    refresh: '10s',
    schemaVersion: 39,
    version: 1,
    time: { from: `now-${plan.window.durationHours}h`, to: 'now' },
    timepicker: { refresh_intervals: ['10s', '30s', '1m', '5m'] },
    panels: dashboardPanels(plan, options),
    templating: { list: [] },
    annotations: { list: [] },
  };
}

/** The dashboard as JSON (Grafana file provisioning reads it as is). */
export function renderGrafanaDashboard(plan: Plan, options: DashboardOptions = {}): string {
  return `${JSON.stringify(grafanaDashboard(plan, options), null, 2)}\n`;
}
