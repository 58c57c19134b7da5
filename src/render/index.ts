export { renderPrometheusRules, ruleGroups, watchdogRules, WATCHDOG_LABEL, CHECKPOINTS_METRIC } from './prometheus-rules.js';
export { renderAlertmanagerConfig, alertmanagerConfig, DEFAULT_ALERTMANAGER_OPTIONS, RECEIVERS, type AlertmanagerOptions } from './alertmanager.js';
export { renderGrafanaDashboard, grafanaDashboard, dashboardPanels, DASHBOARD_UID, type Panel } from './grafana.js';
export { renderPrometheusConfig, prometheusConfig, type PrometheusConfigOptions } from './prometheus-config.js';
