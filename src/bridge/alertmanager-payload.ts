// Alertmanager's webhook payload (version "4", webhook_config) and its translation into the
// monitor's BridgedAlert. Unknown extra fields are allowed: newer Alertmanagers add some.
import { z } from 'zod';
import type { BridgedAlert } from '../workflows/messages.js';

/** Alertmanager writes Go's zero time for "no end yet". */
const ZERO_TIME = '0001-01-01T00:00:00Z';

const timestamp = z.string().refine((s) => !Number.isNaN(Date.parse(s)), { message: 'must be an RFC 3339 time' });
const labels = z.record(z.string(), z.string());

export const webhookAlertSchema = z.object({
  status: z.enum(['firing', 'resolved']),
  labels: labels.refine((l) => typeof l.alertname === 'string' && l.alertname !== '', { message: 'must include alertname' }),
  annotations: labels.default({}),
  startsAt: timestamp,
  endsAt: z.string().optional(),
  generatorURL: z.string().optional(),
  fingerprint: z.string().min(1, { message: 'must not be empty' }),
});
export type WebhookAlert = z.infer<typeof webhookAlertSchema>;

export const webhookPayloadSchema = z.object({
  version: z.literal('4', { error: 'must be "4" (Alertmanager webhook payload version)' }),
  groupKey: z.string().optional(),
  truncatedAlerts: z.number().optional(),
  status: z.enum(['firing', 'resolved']),
  receiver: z.string().optional(),
  groupLabels: labels.optional(),
  commonLabels: labels.optional(),
  commonAnnotations: labels.optional(),
  externalURL: z.string().optional(),
  alerts: z.array(webhookAlertSchema),
});
export type WebhookPayload = z.infer<typeof webhookPayloadSchema>;

/** `alerts[0].startsAt: must be an RFC 3339 time; version: must be "4"` */
export function describeIssues(error: z.ZodError): string {
  return error.issues
    .slice(0, 5)
    .map((i) => `${i.path.map((p) => (typeof p === 'number' ? `[${p}]` : `.${String(p)}`)).join('').replace(/^\./, '') || '(body)'}: ${i.message}`)
    .join('; ');
}

function iso(time: string): string {
  return new Date(time).toISOString();
}

/**
 * What the monitor needs from one alert. Times are normalised to ISO-8601 (milliseconds), so every
 * repeat of a notification produces the same fingerprint/startsAt/status key. A firing alert
 * carries Alertmanager's zero time as endsAt: no end yet, null.
 */
export function toBridgedAlert(alert: WebhookAlert): BridgedAlert {
  const ended = alert.endsAt !== undefined && alert.endsAt !== ZERO_TIME && !Number.isNaN(Date.parse(alert.endsAt));
  return {
    fingerprint: alert.fingerprint,
    alertname: alert.labels.alertname!,
    status: alert.status,
    startsAt: iso(alert.startsAt),
    endsAt: ended ? iso(alert.endsAt!) : null,
    labels: alert.labels,
    summary: (alert.annotations.summary ?? alert.annotations.description ?? '').slice(0, 500),
  };
}
