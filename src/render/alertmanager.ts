// The Alertmanager configuration for a plan: one pager, no double pages. The plan's alerts go to
// the bridge only (deploywatch opens the incident and pages with its own dedup keys on the plan's
// channels); Alertmanager pages people directly only about deploywatch itself, so a dead monitor
// never means silence.
import { basename, dirname, join } from 'node:path';
import { Document } from 'yaml';
import type { Plan } from '../plan/schema.js';
import { DEFAULT_BRIDGE_URL, generatedHeader, SECRET_FILES } from './defaults.js';
import { WATCHDOG_LABEL } from './prometheus-rules.js';

export interface AlertmanagerOptions {
  /** The bridge's webhook URL (http://host:port/alertmanager). */
  bridgeUrl: string;
  /** File holding the bridge's bearer token (the bridge's DEPLOYWATCH_BRIDGE_TOKEN). */
  tokenFile: string;
  /** File holding the PagerDuty Events v2 routing key for deploywatch's own pages (default: pagerduty_routing_key beside tokenFile). */
  pagerdutyRoutingKeyFile?: string | undefined;
  /** File holding the Slack incoming-webhook URL for #genesis-sre (default: slack_sre_webhook_url beside tokenFile). */
  slackWebhookUrlFile?: string | undefined;
  /** Slack channel for deploywatch's own health (default: the Genesis monitoring plan's SRE team channel). */
  sreChannel?: string;
}

/** The compose stack's: secrets mounted by docker-compose.yml under /run/secrets. */
export const DEFAULT_ALERTMANAGER_OPTIONS = {
  bridgeUrl: DEFAULT_BRIDGE_URL,
  tokenFile: SECRET_FILES.bridgeToken,
} as const satisfies AlertmanagerOptions;

export const RECEIVERS = { bridge: 'deploywatch-bridge', pager: 'deploywatch-pager', sre: 'deploywatch-sre' } as const;
const SRE_CHANNEL = '#genesis-sre';

function slack(urlFile: string, channel: string): Record<string, unknown> {
  return {
    api_url_file: urlFile,
    channel,
    send_resolved: true,
    title: '[{{ .Status | toUpper }}] {{ .CommonLabels.alertname }}',
    text: '{{ range .Alerts }}{{ .Annotations.summary }}\n{{ .Annotations.description }}\n{{ end }}',
  };
}

export function alertmanagerConfig(plan: Plan, options: AlertmanagerOptions): Record<string, unknown> {
  const secrets = dirname(options.tokenFile);
  const pagerdutyKey = options.pagerdutyRoutingKeyFile ?? join(secrets, basename(SECRET_FILES.pagerdutyRoutingKey));
  const slackUrl = options.slackWebhookUrlFile ?? join(secrets, basename(SECRET_FILES.slackWebhookUrl));
  const channel = options.sreChannel ?? SRE_CHANNEL;
  const { groupWait, groupInterval, repeatInterval } = plan.alertmanager;
  return {
    route: {
      // Anything that is neither the plan's nor deploywatch's still reaches a person, without paging.
      receiver: RECEIVERS.sre,
      group_by: ['alertname'],
      routes: [
        {
          receiver: RECEIVERS.bridge,
          matchers: [`plan="${plan.name}"`],
          group_by: ['alertname', 'deployment_id', 'service'],
          group_wait: groupWait,
          group_interval: groupInterval,
          repeat_interval: repeatInterval,
        },
        {
          receiver: RECEIVERS.pager,
          matchers: [`${WATCHDOG_LABEL.name}="${WATCHDOG_LABEL.value}"`],
          group_by: ['alertname'],
          group_wait: '30s',
          group_interval: '5m',
          repeat_interval: '1h',
        },
      ],
    },
    // A dead worker also stops checkpoints: page once, for the cause.
    inhibit_rules: [
      {
        source_matchers: ['alertname="DeploywatchWorkerDown"'],
        target_matchers: ['alertname="DeploywatchNoCheckpoints"'],
      },
      {
        source_matchers: ['alertname="DeploywatchTemporalUnreachable"'],
        target_matchers: ['alertname="DeploywatchNoCheckpoints"'],
      },
    ],
    receivers: [
      {
        name: RECEIVERS.bridge,
        webhook_configs: [
          {
            url: options.bridgeUrl,
            // Resolutions are the monitor's evidence that an incident may close.
            send_resolved: true,
            max_alerts: 0,
            http_config: { authorization: { type: 'Bearer', credentials_file: options.tokenFile } },
          },
        ],
      },
      {
        name: RECEIVERS.pager,
        pagerduty_configs: [
          {
            routing_key_file: pagerdutyKey,
            severity: 'critical',
            send_resolved: true,
            description: '{{ .CommonLabels.alertname }}: {{ .CommonAnnotations.summary }}',
          },
        ],
        slack_configs: [slack(slackUrl, channel)],
      },
      { name: RECEIVERS.sre, slack_configs: [slack(slackUrl, channel)] },
    ],
  };
}

/** alertmanager.yml (YAML) for the plan. */
export function renderAlertmanagerConfig(plan: Plan, options: AlertmanagerOptions = DEFAULT_ALERTMANAGER_OPTIONS): string {
  const doc = new Document(alertmanagerConfig(plan, options), { aliasDuplicateObjects: false });
  doc.commentBefore = ` ${generatedHeader('alertmanager', plan.name)}`;
  return doc.toString({ lineWidth: 0 });
}
