// A notification as a PagerDuty Events API v2 event.
import { SEVERITY, type Notification, type NotificationEvent } from '../../plan/routing.js';
import { configError } from './failures.js';
import { allLinks, headline, truncate } from './text.js';

const PAGERDUTY_ACTION: Partial<Record<NotificationEvent, 'trigger' | 'acknowledge' | 'resolve'>> = {
  trigger: 'trigger',
  escalate: 'trigger',
  reminder: 'trigger',
  acknowledge: 'acknowledge',
  resolve: 'resolve',
};

export function pagerDutyEvent(n: Notification, routingKey: string): Record<string, unknown> {
  const action = PAGERDUTY_ACTION[n.event];
  if (action === undefined) throw configError(`PagerDuty: a '${n.event}' notification has no PagerDuty event action`);
  if (n.incidentId === '' || n.incidentId.length > 255) {
    throw configError('PagerDuty: incidentId (the dedup_key) must be 1 to 255 characters');
  }
  const base = { routing_key: routingKey, dedup_key: n.incidentId, event_action: action };
  // Acknowledge and resolve need only the key; PagerDuty ignores a payload on them.
  if (action !== 'trigger') return base;
  return {
    ...base,
    client: 'deploywatch',
    payload: {
      summary: truncate(`${headline(n)}: ${n.title}`, 1024),
      source: n.service,
      severity: SEVERITY[n.priority],
      class: n.alert,
      custom_details: {
        ...n.details,
        summary: n.summary,
        deployment: n.deploymentId,
        event: n.event,
        ...(n.role ? { role: n.role } : {}),
      },
    },
    links: allLinks(n),
  };
}
