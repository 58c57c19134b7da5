// Values in an SLO's unit, converted and worded for a criterion's detail and the report.
import type { Slo } from '../schema.js';

export type Unit = Slo['unit'];

/** Converts between the units a plan may state a value in; null when they measure different things. */
export function convertUnit(value: number, from: Unit, to: Unit): number | null {
  if (from === to) return value;
  if (from === 'ratio' && to === 'percent') return value * 100;
  if (from === 'percent' && to === 'ratio') return value / 100;
  return null;
}

export function trimNumber(n: number, digits = 3): string {
  return String(Number(n.toPrecision(digits)));
}

/** A value for a sentence: 98.5%, 0.05%, 150 ms, 7.6 ops/s. */
export function describeValue(value: number, unit: Unit): string {
  if (Number.isNaN(value)) return 'NaN';
  if (!Number.isFinite(value)) return value > 0 ? '+Inf' : '-Inf';
  switch (unit) {
    case 'percent':
      return `${trimNumber(value, 4)}%`;
    case 'ratio':
      return `${trimNumber(value * 100, 3)}%`;
    case 'seconds':
      return value < 1 ? `${trimNumber(value * 1000, 3)} ms` : `${trimNumber(value, 3)} s`;
    case 'ops-per-second':
      return `${trimNumber(value, 3)} ops/s`;
    case 'boolean':
    case 'count':
      return trimNumber(value, 6);
  }
}

/** Percent changes to 0.01: float noise (4.7e-12%) is no change. */
export function roundPercent(percent: number): number {
  return Math.round(percent * 100) / 100 + 0;
}

export function signed(percent: number): string {
  const rounded = Math.round(percent * 10) / 10 + 0;
  return rounded > 0 ? `+${rounded}%` : `${rounded}%`;
}
