// Operator payloads arrive from our CLI, `temporal workflow signal` or scripts: check their shape
// before acting, with an error that says what is wrong. Pure (runs inside the workflow sandbox).
import { PRIORITIES, type Priority } from '../plan/priorities.js';
import { SIGN_OFF_ROLES } from '../plan/records.js';
import type { AcknowledgeRequest, AlertNotification, BridgedAlert, ManualEscalation, ResolveRequest, RollbackRequest, SignOffRequest } from './messages.js';

function record(value: unknown, what: string): Record<string, unknown> {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new Error(`${what}: expected a JSON object, got ${value === null ? 'null' : Array.isArray(value) ? 'an array' : typeof value}`);
  }
  return value as Record<string, unknown>;
}

function text(obj: Record<string, unknown>, field: string, what: string, max = 2000): string {
  const value = obj[field];
  if (typeof value !== 'string' || value.trim() === '') throw new Error(`${what}.${field}: must be a non-empty string`);
  if (value.length > max) throw new Error(`${what}.${field}: longer than ${max} characters`);
  return value;
}

function incidentRef(obj: Record<string, unknown>, what: string): string | number {
  const value = obj.incident;
  if (typeof value === 'number' && Number.isInteger(value) && value > 0) return value;
  if (typeof value === 'string' && value.trim() !== '') return value;
  throw new Error(`${what}.incident: must be an incident number or ID`);
}

export function validateEscalation(payload: unknown): ManualEscalation {
  const obj = record(payload, 'escalate');
  const priority = obj.priority;
  if (!PRIORITIES.includes(priority as Priority)) throw new Error(`escalate.priority: must be one of ${PRIORITIES.join(', ')}`);
  if (obj.systemWide !== undefined && typeof obj.systemWide !== 'boolean') throw new Error('escalate.systemWide: must be true or false');
  return {
    priority: priority as Priority,
    reason: text(obj, 'reason', 'escalate'),
    actor: text(obj, 'actor', 'escalate', 200),
    ...(obj.systemWide === true ? { systemWide: true } : {}),
  };
}

export function validateRollback(payload: unknown): RollbackRequest {
  const obj = record(payload, 'rollback');
  return { reason: text(obj, 'reason', 'rollback'), actor: text(obj, 'actor', 'rollback', 200) };
}

export function validateAcknowledge(payload: unknown): AcknowledgeRequest {
  const obj = record(payload, 'acknowledge');
  return { incident: incidentRef(obj, 'acknowledge'), actor: text(obj, 'actor', 'acknowledge', 200) };
}

export function validateResolve(payload: unknown): ResolveRequest {
  const obj = record(payload, 'resolve');
  const note = obj.note;
  if (note !== undefined && typeof note !== 'string') throw new Error('resolve.note: must be a string');
  return { incident: incidentRef(obj, 'resolve'), actor: text(obj, 'actor', 'resolve', 200), ...(note ? { note } : {}) };
}

function isoTime(obj: Record<string, unknown>, field: string, what: string): string {
  const value = text(obj, field, what, 64);
  if (Number.isNaN(Date.parse(value))) throw new Error(`${what}.${field}: not an ISO-8601 time`);
  return value;
}

export function validateAlertNotification(payload: unknown): AlertNotification {
  const obj = record(payload, 'alertNotification');
  if (!Array.isArray(obj.alerts)) throw new Error('alertNotification.alerts: must be a list');
  const alerts = obj.alerts.map((raw, i): BridgedAlert => {
    const what = `alertNotification.alerts[${i}]`;
    const a = record(raw, what);
    const status = a.status;
    if (status !== 'firing' && status !== 'resolved') throw new Error(`${what}.status: must be firing or resolved`);
    const labels = record(a.labels ?? {}, `${what}.labels`);
    return {
      fingerprint: text(a, 'fingerprint', what, 200),
      alertname: text(a, 'alertname', what, 200),
      status,
      startsAt: isoTime(a, 'startsAt', what),
      endsAt: a.endsAt === null || a.endsAt === undefined ? null : isoTime(a, 'endsAt', what),
      labels: Object.fromEntries(Object.entries(labels).map(([k, v]) => [k, String(v)])),
      summary: typeof a.summary === 'string' ? a.summary.slice(0, 500) : '',
    };
  });
  return { receivedAt: isoTime(obj, 'receivedAt', 'alertNotification'), alerts };
}

const SIGN_OFF_ROLE_NAMES: readonly string[] = SIGN_OFF_ROLES.map((r) => r.role);

export function validateSignOff(payload: unknown): SignOffRequest {
  const obj = record(payload, 'signOff');
  const role = obj.role;
  if (typeof role !== 'string' || !SIGN_OFF_ROLE_NAMES.includes(role)) throw new Error(`signOff.role: must be one of ${SIGN_OFF_ROLE_NAMES.join(', ')}`);
  const note = obj.note;
  if (note !== undefined && typeof note !== 'string') throw new Error('signOff.note: must be a string');
  return { role: role as SignOffRequest['role'], actor: text(obj, 'actor', 'signOff', 200), ...(note ? { note } : {}) };
}
