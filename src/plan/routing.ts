// "Alert Routing" as data: which channels hear about a priority, and what a notification carries.
// Pure (no I/O, no Temporal): workflows import it to decide whom to call; activities do the sending.
import type { Plan, Priority } from './schema.js';

export type NotificationEvent = 'trigger' | 'acknowledge' | 'resolve' | 'reminder' | 'notice' | 'escalate' | 'digest';

export interface Notification {
  /** Also the PagerDuty dedup_key: every retry and follow-up lands on the same PagerDuty incident. */
  incidentId: string;
  deploymentId: string;
  service: string;
  priority: Priority;
  alert: string;
  event: NotificationEvent;
  /** The role being paged or told, e.g. incident-commander. */
  role?: string;
  title: string;
  summary: string;
  /** Evidence; for a P4 digest, one entry per item. */
  details: Record<string, string | number | boolean | null>;
  runbookUrl?: string;
  links?: Array<{ href: string; text: string }>;
}

export type NotifyChannel = 'slack' | 'pagerduty' | 'email';

/**
 * The Genesis monitoring plan's routing classes as a severity: P0–P1 critical, P2–P3 warning, P4
 * info. One scale for Prometheus rule labels and PagerDuty events alike.
 */
export const SEVERITY: Record<Priority, 'critical' | 'warning' | 'info'> = {
  P0: 'critical',
  P1: 'critical',
  P2: 'warning',
  P3: 'warning',
  P4: 'info',
};

export interface Route {
  /** Slack channel names (keys of `channels.slackWebhookEnv`). */
  slack: string[];
  pagerduty: boolean;
  email: boolean;
}

/** The environment variable a Slack channel's webhook URL is read from. */
export function slackWebhookEnv(channels: Plan['channels'], channel: string): string {
  return channels.slackWebhookEnv[channel] ?? 'DEPLOYWATCH_SLACK_WEBHOOK';
}

export function routeFor(channels: Plan['channels'], priority: Priority): Route {
  const slack = channels.slack[priority];
  return {
    slack: slack === undefined ? [] : [slack],
    pagerduty: channels.pagerduty.includes(priority),
    email: channels.email.includes(priority),
  };
}

/** The activity inputs for a priority, carrying environment variable names only, never secrets. */
export interface NotifyTargets {
  slack: Array<{ channel: string; webhookEnv: string }>;
  pagerduty: { routingKeyEnv: string } | null;
  email: { to: string[]; smtpUrlEnv: string; from: string } | null;
  /** Routed channels the plan gives no way to reach (no env var name, no recipients). */
  unreachable: string[];
}

export function notifyTargets(channels: Plan['channels'], priority: Priority): NotifyTargets {
  const route = routeFor(channels, priority);
  const unreachable: string[] = [];
  const slack: NotifyTargets['slack'] = [];
  for (const channel of route.slack) {
    const webhookEnv = channels.slackWebhookEnv[channel];
    if (webhookEnv === undefined) unreachable.push(`slack ${channel}: no slackWebhookEnv entry`);
    else slack.push({ channel, webhookEnv });
  }
  let pagerduty: NotifyTargets['pagerduty'] = null;
  if (route.pagerduty) {
    if (channels.pagerdutyRoutingKeyEnv === undefined) unreachable.push('pagerduty: no pagerdutyRoutingKeyEnv');
    else pagerduty = { routingKeyEnv: channels.pagerdutyRoutingKeyEnv };
  }
  let email: NotifyTargets['email'] = null;
  if (route.email) {
    if (channels.emailTo.length === 0) unreachable.push('email: no emailTo recipients');
    else email = { to: [...channels.emailTo], smtpUrlEnv: channels.smtpUrlEnv, from: channels.emailFrom };
  }
  return { slack, pagerduty, email, unreachable };
}
