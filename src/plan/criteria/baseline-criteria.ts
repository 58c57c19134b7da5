// The criteria against levels over the whole window: performance against its baseline, and
// resources stable (no growth trend).
import type { LevelSlo } from '../schema.js';
import type { CriterionResult } from './result.js';
import { type CriteriaEvidence, MIN_COVERAGE, sloKey } from './evidence.js';
import { iso } from '../duration.js';
import { collapse, type Point, points, type Worse } from './series.js';
import { describeValue, roundPercent, signed, trimNumber } from './units.js';
import { trend } from './trend.js';
import { inconclusive } from './sustained.js';

interface LevelWindow {
  slo: LevelSlo;
  points: Point[];
  coverage: number;
  average: number | null;
  error?: string;
}

type WindowSource = Pick<CriteriaEvidence, 'data' | 'from' | 'to'>;

function levelWindow(e: WindowSource, group: 'performance' | 'resources', slo: LevelSlo): LevelWindow {
  const data = e.data[sloKey(group, slo.id)];
  if (!data) return { slo, points: [], coverage: 0, average: null, error: 'no query result' };
  if ('error' in data) return { slo, points: [], coverage: 0, average: null, error: `the query failed: ${data.error}` };
  const c = collapse(data, e.from, e.to, slo.worse);
  const pts = points(c);
  const average = pts.length ? pts.reduce((s, p) => s + p.value, 0) / pts.length : null;
  return { slo, points: pts, coverage: pts.length / c.grid.count, average, ...(pts.length ? {} : { error: data.series.length ? 'only NaN' : 'no data' }) };
}

export interface WindowAverage {
  group: 'performance' | 'resources';
  id: string;
  /** Mean of the measurement windows that have data; null when none has. */
  average: number | null;
  /** Share of the windows with data (0–1). */
  coverage: number;
}

/** The window average of each performance and resource SLO: the handoff's new baseline values. */
export function windowAverages(e: WindowSource & Pick<CriteriaEvidence, 'slos'>): WindowAverage[] {
  return (['performance', 'resources'] as const).flatMap((group) =>
    e.slos[group].map((slo) => {
      const w = levelWindow(e, group, slo);
      return { group, id: slo.id, average: w.average, coverage: w.coverage };
    }),
  );
}

/** Worse than baseline, in percent of it: positive is slower (or less throughput), negative better. */
export function percentWorse(value: number, baseline: number, worse: Worse): number {
  return ((worse === 'above' ? value - baseline : baseline - value) / baseline) * 100;
}

export function performanceBaseline(e: CriteriaEvidence): CriterionResult {
  const tolerance = e.criteria.performanceTolerancePercent;
  const base = {
    id: 'performance-baseline' as const,
    title: 'Performance within baseline',
    threshold: `window average ≤ ${tolerance}% worse than baseline (slower latency, lower throughput; better is fine)`,
  };
  if (e.slos.performance.length === 0) return inconclusive(base, 'the plan has no performance SLOs to compare');
  const lines: string[] = [];
  let worst: { percent: number; at: Point | null } | null = null;
  let failed = false;
  let unknown = false;
  let judged = 0;
  for (const slo of e.slos.performance) {
    if (slo.baseline === undefined) {
      lines.push(`${slo.title}: no baseline in the plan, not judged`);
      continue;
    }
    if (slo.baseline === 0) {
      // A relative tolerance of a zero baseline is meaningless (and Keptn's users hit exactly this).
      unknown = true;
      lines.push(`${slo.title}: baseline is 0, so "within ${tolerance}%" has no meaning; set a non-zero baseline`);
      continue;
    }
    const w = levelWindow(e, 'performance', slo);
    if (w.average === null) {
      unknown = true;
      lines.push(`${slo.title}: ${w.error ?? 'no data'} in the window`);
      continue;
    }
    const percent = percentWorse(w.average, slo.baseline, slo.worse);
    const over = percent > tolerance;
    const coverageShort = w.coverage < MIN_COVERAGE;
    const worstPoint = w.points.reduce<Point | null>((p, q) => (p === null || (slo.worse === 'above' ? q.value > p.value : q.value < p.value) ? q : p), null);
    const coverageText = w.coverage < 1 ? `, data for ${trimNumber(w.coverage * 100, 3)}% of the windows` : '';
    lines.push(`${slo.title}: ${describeValue(w.average, slo.unit)} vs baseline ${describeValue(slo.baseline, slo.unit)} (${signed(percent)}${over ? `, over the ${tolerance}% limit` : ''}${coverageText})`);
    judged++;
    if (over) failed = true;
    else if (coverageShort) {
      unknown = true;
      lines.push(`${slo.title}: too little data (under ${MIN_COVERAGE * 100}% of the windows) to trust the average`);
    }
    if (!worst || percent > worst.percent) worst = { percent, at: worstPoint };
  }
  const detail = lines.join('; ');
  const result = { ...base, value: worst ? roundPercent(worst.percent) : null, worstAt: worst?.at ? iso(worst.at.atMs) : null };
  if (failed) return { ...result, passed: false, detail };
  if (unknown || judged === 0) return inconclusive(base, judged === 0 && !unknown ? `no performance SLO has a baseline to compare with: ${detail}` : detail, result);
  return { ...result, passed: true, detail };
}

export function resourceStability(e: CriteriaEvidence): CriterionResult {
  const limit = e.criteria.resourceGrowthPercentPerDay;
  const base = { id: 'resource-stability' as const, title: 'Resource usage stable', threshold: `trend < ${limit}%/day growth for each resource (robust slope, daily cycle removed)` };
  if (e.slos.resources.length === 0) return inconclusive(base, 'the plan has no resource SLOs to watch');
  const lines: string[] = [];
  let worst: { growth: number; at: Point | null } | null = null;
  let failed = false;
  let unknown = false;
  for (const slo of e.slos.resources) {
    const w = levelWindow(e, 'resources', slo);
    const fit = trend(w.points);
    if (!fit) {
      unknown = true;
      lines.push(`${slo.title}: ${w.error ?? `too few points (${w.points.length}) for a trend`}`);
      continue;
    }
    const growing = fit.growthPercentPerDay >= limit;
    const peak = w.points.reduce((p, q) => (q.value > p.value ? q : p));
    const cycle = fit.dailyCycleRemoved ? ', daily cycle removed' : '';
    let line = `${slo.title}: ${signed(fit.growthPercentPerDay)}/day (trend ${describeValue(fit.fittedStart, slo.unit)} → ${describeValue(fit.fittedEnd, slo.unit)}${cycle}; peak ${describeValue(peak.value, slo.unit)} at ${iso(peak.atMs)})`;
    if (growing && fit.slopePerDay > 0 && fit.fittedEnd < slo.critical) {
      line += `, reaching the critical ${describeValue(slo.critical, slo.unit)} in about ${trimNumber((slo.critical - fit.fittedEnd) / fit.slopePerDay, 2)} days`;
    }
    if (w.coverage < MIN_COVERAGE) {
      if (!growing) unknown = true;
      line += `; data for only ${trimNumber(w.coverage * 100, 3)}% of the windows`;
    }
    lines.push(line);
    if (growing) failed = true;
    if (!worst || fit.growthPercentPerDay > worst.growth) worst = { growth: fit.growthPercentPerDay, at: peak };
  }
  const detail = lines.join('; ');
  const result = { ...base, value: worst ? roundPercent(worst.growth) : null, worstAt: worst?.at ? iso(worst.at.atMs) : null };
  if (failed) return { ...result, passed: false, detail };
  if (unknown) return inconclusive(base, detail, result);
  return { ...result, passed: true, detail };
}
