// How a notification fails: a configuration error (never retried) or the channel being
// unavailable (retried, after Retry-After when the channel says).
import { ApplicationFailure } from '@temporalio/common';
import { ERROR_TYPES } from '../../temporal/activity-options.js';
import { short } from './text.js';

/** What a channel answered over HTTP. */
export interface HttpAnswer {
  status: number;
  text: string;
  headers: Record<string, string | string[] | undefined>;
}

export function configError(message: string): ApplicationFailure {
  return ApplicationFailure.create({ message, type: ERROR_TYPES.notificationConfig, nonRetryable: true });
}

export function unavailable(message: string, nextRetryDelayMs?: number): ApplicationFailure {
  return ApplicationFailure.create({
    message,
    type: ERROR_TYPES.notificationUnavailable,
    nonRetryable: false,
    ...(nextRetryDelayMs === undefined ? {} : { nextRetryDelay: nextRetryDelayMs }),
  });
}

const MAX_RETRY_AFTER_MS = 60 * 60 * 1000;

/** Retry-After as delta-seconds or an HTTP date, in ms (1 s to 1 h); undefined when absent or unreadable. */
export function retryAfterMs(header: string | string[] | undefined, nowMs = Date.now()): number | undefined {
  const value = Array.isArray(header) ? header[0] : header;
  if (value === undefined || value.trim() === '') return undefined;
  const text = value.trim();
  const ms = /^\d+$/.test(text) ? Number(text) * 1000 : Date.parse(text) - nowMs;
  if (Number.isNaN(ms)) return undefined;
  return Math.min(Math.max(ms, 1000), MAX_RETRY_AFTER_MS);
}

export function describeFailure(err: unknown): string {
  const e = err as { name?: string; code?: string; message?: string; errors?: unknown[] };
  if (e.name === 'TimeoutError') return 'timed out';
  const message = e.message || (e.errors?.[0] as Error | undefined)?.message || String(err);
  return e.code && !message.includes(e.code) ? `${e.code}: ${message}` : message;
}

/** Undici errors that mean our request itself is wrong, not that the far end is unreachable. */
export const PERMANENT_UNDICI_CODES = new Set(['UND_ERR_INVALID_ARG', 'UND_ERR_NOT_SUPPORTED']);

// SMTP: 5xx replies are permanent, 4xx transient; bad credentials or TLS setup are configuration.
export function smtpFailure(err: unknown, scrubbed: (text: string) => string): ApplicationFailure {
  const e = err as { code?: string; responseCode?: number };
  const detail = scrubbed(`SMTP: ${describeFailure(err)}`);
  if (e.responseCode !== undefined && e.responseCode >= 400 && e.responseCode < 500) return unavailable(detail);
  if (e.responseCode !== undefined && e.responseCode >= 500) return configError(detail);
  if (e.code === 'EAUTH' || e.code === 'ETLS' || e.code === 'EENVELOPE' || e.code === 'EMESSAGE') return configError(detail);
  return unavailable(detail);
}

export function explainPagerDuty(answer: HttpAnswer): string {
  try {
    const body = JSON.parse(answer.text) as { status?: string; message?: string; errors?: string[] };
    const parts = [body.status, body.message, ...(body.errors ?? [])].filter((s): s is string => typeof s === 'string');
    if (parts.length > 0) return short(parts.join('; '));
  } catch {
    // Not JSON (a proxy's page): fall through to the raw text.
  }
  return short(answer.text) || '(empty body)';
}

export function readDedupKey(text: string): string | undefined {
  try {
    const key = (JSON.parse(text) as { dedup_key?: unknown }).dedup_key;
    return typeof key === 'string' ? key : undefined;
  } catch {
    return undefined;
  }
}
