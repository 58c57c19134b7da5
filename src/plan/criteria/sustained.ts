// A criterion that must hold in every measurement window: which windows breached, and the
// result when there is not enough data to say.
import type { Sample } from '../breaches.js';
import { formatDuration, iso } from '../duration.js';
import type { Slo } from '../schema.js';
import type { CriterionId, CriterionResult } from './result.js';
import { type CriteriaEvidence, sloKey } from './evidence.js';
import { collapse, points, runs, spansText, type Worse } from './series.js';
import { convertUnit, describeValue, type Unit } from './units.js';

export function inconclusive(base: Pick<CriterionResult, 'id' | 'title' | 'threshold'>, detail: string, partial: Partial<CriterionResult> = {}): CriterionResult {
  return { value: null, worstAt: null, ...partial, ...base, passed: false, inconclusive: true, detail };
}

export function findSlo(list: readonly Slo[], id: string): Slo | undefined {
  return list.find((s) => s.id === id);
}

export interface SustainedSpec {
  id: CriterionId;
  title: string;
  sloId: string;
  unit: Unit;
  /** Which side of the limit fails. */
  worse: Worse;
  limit: number;
  /** True when the limit itself passes (≥ 98% passes at exactly 98). */
  limitPasses: boolean;
  threshold: string;
}

interface SustainedVerdict {
  state: 'pass' | 'fail' | 'inconclusive';
  worst: number | null;
  /** Null when there is no single worst window (no data, or every window alike). */
  worstAt: string | null;
  detail: string;
}

function breaches(value: number, spec: Pick<SustainedSpec, 'worse' | 'limit' | 'limitPasses'>): boolean {
  if (value === spec.limit) return !spec.limitPasses;
  return spec.worse === 'above' ? value > spec.limit : value < spec.limit;
}

/** Every window must meet the limit: one bad window fails it; a missing one leaves it unproven. */
export function judgeSustained(e: CriteriaEvidence, spec: SustainedSpec): SustainedVerdict {
  const slo = findSlo(e.slos.critical, spec.sloId);
  const unknown = (detail: string): SustainedVerdict => ({ state: 'inconclusive', worst: null, worstAt: null, detail });
  if (!slo) return unknown(`the plan has no critical SLO '${spec.sloId}' to measure it with`);
  const data = e.data[sloKey('critical', slo.id)];
  if (!data) return unknown(`no query result for SLO '${slo.id}'`);
  if ('error' in data) return unknown(`the query for SLO '${slo.id}' failed: ${data.error}`);
  const factor = convertUnit(1, slo.unit, spec.unit);
  if (factor === null) return unknown(`SLO '${slo.id}' is in ${slo.unit}, which cannot be compared with ${spec.unit}`);
  const scaled = { ...data, series: data.series.map((s) => ({ ...s, samples: s.samples.map(([t, v]): Sample => [t, v * factor]) })) };
  const c = collapse(scaled, e.from, e.to, spec.worse, true);
  const windowText = formatDuration(c.grid.stepSeconds);
  if (c.present === 0) {
    const what = data.series.length === 0 ? 'no data' : 'only NaN';
    return unknown(`the query returned ${what} for all ${c.grid.count} ${windowText} windows`);
  }
  const present = points(c);
  const worstPoint = present.reduce((w, p) => ((spec.worse === 'above' ? p.value > w.value : p.value < w.value) ? p : w));
  // A flat series has no worst window to point at.
  const flat = present.every((p) => p.value === worstPoint.value);
  const worst = { worst: worstPoint.value, worstAt: flat ? null : iso(worstPoint.atMs) };
  const worstText = flat
    ? `every ${windowText} window with data at ${describeValue(worstPoint.value, spec.unit)}`
    : `worst ${windowText} window ${describeValue(worstPoint.value, spec.unit)} at ${iso(worstPoint.atMs)}`;
  const bad = runs(c, (v) => v !== undefined && breaches(v, spec));
  const missing = runs(c, (v) => v === undefined);
  const missingCount = missing.reduce((n, [a, b]) => n + b - a + 1, 0);
  if (bad.length > 0) {
    const badCount = bad.reduce((n, [a, b]) => n + b - a + 1, 0);
    return {
      state: 'fail',
      ...worst,
      detail: `${badCount} of ${c.grid.count} ${windowText} windows outside the limit (${spansText(c, bad)}); ${worstText}`,
    };
  }
  if (missingCount > 0) {
    return {
      state: 'inconclusive',
      ...worst,
      detail: `no data for ${missingCount} of ${c.grid.count} ${windowText} windows (${spansText(c, missing)}), so it is not proven for the whole window; ${worstText}`,
    };
  }
  return { state: 'pass', ...worst, detail: `all ${c.grid.count} ${windowText} windows within the limit; ${worstText}` };
}

export function fromSustained(spec: SustainedSpec, v: SustainedVerdict): CriterionResult {
  return {
    id: spec.id,
    title: spec.title,
    passed: v.state === 'pass',
    value: v.worst,
    threshold: spec.threshold,
    worstAt: v.worstAt,
    detail: v.detail,
    ...(v.state === 'inconclusive' ? { inconclusive: true } : {}),
  };
}

export function everyWindow(e: CriteriaEvidence): string {
  return `in every ${e.criteria.measurementWindow} window`;
}

export function inWindow(e: CriteriaEvidence, at: string): boolean {
  const t = Date.parse(at);
  return t >= Date.parse(e.from) && t <= Date.parse(e.to);
}
