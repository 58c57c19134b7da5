// Wording shared by every channel: the headline, links and values of a notification.
import type { Notification, NotificationEvent } from '../../plan/routing.js';

export const EVENT_LABEL: Record<NotificationEvent, string> = {
  trigger: 'triggered',
  acknowledge: 'acknowledged',
  resolve: 'resolved',
  reminder: 'reminder',
  notice: 'notice',
  escalate: 'escalated',
  digest: 'digest',
};

/** "[P1] HighErrorRate (escalated)": the one line every channel leads with. */
export function headline(n: Notification): string {
  return `[${n.priority}] ${n.alert} (${EVENT_LABEL[n.event]})`;
}

export function allLinks(n: Notification): Array<{ href: string; text: string }> {
  return [...(n.runbookUrl ? [{ href: n.runbookUrl, text: 'Runbook' }] : []), ...(n.links ?? [])];
}

export function valueText(value: string | number | boolean | null): string {
  return value === null ? '—' : String(value);
}

export function short(text: string): string {
  const oneLine = text.replace(/\s+/g, ' ').trim();
  return oneLine.length > 200 ? `${oneLine.slice(0, 200)}…` : oneLine;
}

export function truncate(text: string, max: number): string {
  return text.length <= max ? text : `${text.slice(0, max - 1)}…`;
}
