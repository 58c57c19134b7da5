// Formatting shared by the Markdown, HTML and Slack renderers, so the three say the same thing.
import { describeValue, type CriterionId } from '../plan/criteria/index.js';
import type { Slo } from '../plan/schema.js';

export type Unit = Slo['unit'];

/** The unit each criterion's `value` is in (see CriterionResult.value). */
const CRITERION_UNITS: Record<CriterionId, Unit | 'percent-worse' | 'growth-per-day'> = {
  'test-pass-rate': 'percent',
  'error-rate': 'ratio',
  'p95-latency': 'seconds',
  uptime: 'percent',
  'no-unresolved-p1': 'count',
  'performance-baseline': 'percent-worse',
  'resource-stability': 'growth-per-day',
  'zero-rollbacks': 'count',
};

export function formatValue(value: number | null, unit: Unit): string {
  if (value === null || !Number.isFinite(value)) return '–';
  return describeValue(value, unit);
}

export function signedPercent(percent: number | null): string {
  if (percent === null || !Number.isFinite(percent)) return '–';
  const rounded = Math.round(percent * 10) / 10 + 0;
  return rounded > 0 ? `+${rounded}%` : `${rounded}%`;
}

export function formatCriterionValue(id: string, value: number | null): string {
  if (value === null) return '–';
  const unit = CRITERION_UNITS[id as CriterionId];
  if (unit === 'percent-worse') return `${signedPercent(value)} vs baseline`;
  if (unit === 'growth-per-day') return `${signedPercent(value)}/day`;
  return formatValue(value, unit ?? 'count');
}

/** "2025-10-20 10:05 UTC": readable, still unambiguous. */
export function formatTime(isoTime: string | null): string {
  if (!isoTime) return '–';
  const d = new Date(isoTime);
  if (Number.isNaN(d.getTime())) return isoTime;
  return `${d.toISOString().slice(0, 16).replace('T', ' ')} UTC`;
}

/** "T+10h05m" relative to the deployment. */
export function formatOffset(isoTime: string | null, deployedAt: string): string {
  if (!isoTime) return '';
  const minutes = Math.round((Date.parse(isoTime) - Date.parse(deployedAt)) / 60_000);
  const sign = minutes < 0 ? '-' : '+';
  const abs = Math.abs(minutes);
  const h = Math.floor(abs / 60);
  const m = abs % 60;
  return `T${sign}${h}h${m ? `${String(m).padStart(2, '0')}m` : ''}`;
}

export function formatMinutes(minutes: number | null): string {
  if (minutes === null || !Number.isFinite(minutes)) return '–';
  if (minutes < 1) return `${Math.round(minutes * 60)} s`;
  if (minutes < 120) return `${Math.round(minutes)} min`;
  const h = Math.floor(minutes / 60);
  const m = Math.round(minutes % 60);
  return m ? `${h} h ${m} min` : `${h} h`;
}

export function formatHours(hours: number): string {
  return `${Number(hours.toFixed(2))} h`;
}

export function criterionState(c: { passed: boolean; inconclusive?: boolean }): 'passed' | 'failed' | 'inconclusive' {
  if (c.passed) return 'passed';
  return c.inconclusive ? 'inconclusive' : 'failed';
}

export const minutesBetween = (from: string, to: string): number => (Date.parse(to) - Date.parse(from)) / 60_000;
