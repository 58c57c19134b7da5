// Alertmanager webhook payloads (version 4) as Alertmanager writes them, and the plan the bridge
// tests run: the default plan with local commands, paging only through PagerDuty.
import { randomBytes } from 'node:crypto';
import { request } from 'undici';
import type { WebhookAlert, WebhookPayload } from '../../src/bridge/alertmanager-payload.js';
import type { BridgeAnswer } from '../../src/bridge/server.js';
import type { Plan } from '../../src/plan/schema.js';

export const ZERO_TIME = '0001-01-01T00:00:00Z';

export function newToken(): string {
  return randomBytes(24).toString('hex');
}

export function webhookAlert(overrides: Partial<WebhookAlert> & { labels: Record<string, string> }): WebhookAlert {
  return {
    status: 'firing',
    annotations: { summary: `${overrides.labels.alertname ?? 'alert'} from the test` },
    startsAt: '2025-10-20T10:00:00.123456789Z',
    endsAt: ZERO_TIME,
    generatorURL: 'http://127.0.0.1:9090/graph',
    fingerprint: randomBytes(8).toString('hex'),
    ...overrides,
  };
}

export function webhookPayload(alerts: WebhookAlert[]): WebhookPayload {
  const firing = alerts.some((a) => a.status === 'firing');
  return {
    version: '4',
    groupKey: '{}/{plan="test"}:{alertname="test"}',
    truncatedAlerts: 0,
    status: firing ? 'firing' : 'resolved',
    receiver: 'deploywatch-bridge',
    groupLabels: {},
    commonLabels: {},
    commonAnnotations: {},
    externalURL: 'http://127.0.0.1:9093',
    alerts,
  };
}

export interface Posted {
  status: number;
  body: BridgeAnswer;
}

/** POST /alertmanager as Alertmanager does; `token: null` sends no Authorization header. */
export async function postAlerts(bridgeUrl: string, token: string | null, body: unknown): Promise<Posted> {
  const res = await request(`${bridgeUrl}/alertmanager`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...(token === null ? {} : { authorization: `Bearer ${token}` }) },
    body: typeof body === 'string' || Buffer.isBuffer(body) ? body : JSON.stringify(body),
  });
  return { status: res.statusCode, body: (await res.body.json()) as BridgeAnswer };
}

/** No channels: incidents open and escalate, but nobody outside the test is told. */
export function withoutChannels(plan: Plan): Plan {
  return { ...plan, channels: { ...plan.channels, slack: {}, pagerduty: [], email: [] } };
}

/** PagerDuty only (a loopback stand-in receives the pages): no Slack, no email. */
export function pagerDutyOnly(plan: Plan): Plan {
  return { ...plan, channels: { ...plan.channels, slack: {}, email: [] } };
}
