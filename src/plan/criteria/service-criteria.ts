// The criteria about the service and the monitor's own record: test pass rate, error rate, p95
// latency, uptime, no unresolved P1, zero rollbacks.
import { formatDuration, iso } from '../duration.js';
import type { CriterionResult } from './result.js';
import { type CriteriaEvidence, sloKey, type TestRun } from './evidence.js';
import { collapse, points, runs, spansText } from './series.js';
import { convertUnit, describeValue, type Unit } from './units.js';
import { everyWindow, findSlo, fromSustained, inconclusive, inWindow, judgeSustained, type SustainedSpec } from './sustained.js';

export function testPassRate(e: CriteriaEvidence): CriterionResult {
  const limit = e.criteria.testPassRatePercent;
  const spec: SustainedSpec = {
    id: 'test-pass-rate',
    title: 'Test pass rate',
    sloId: 'test-pass-rate',
    unit: 'percent',
    worse: 'below',
    limit,
    limitPasses: true,
    threshold: `≥ ${limit}% ${everyWindow(e)} and in every monitor test run`,
  };
  const hasSlo = findSlo(e.slos.critical, spec.sloId) !== undefined;
  const prom = hasSlo ? judgeSustained(e, spec) : null;
  const runs = e.testRuns.filter((r) => inWindow(e, r.at));
  const measured = runs.filter((r): r is TestRun & { passRate: number } => r.passRate !== null && Number.isFinite(r.passRate));
  const empty = runs.length - measured.length;
  const worstRun = measured.reduce<(typeof measured)[number] | null>((w, r) => (w === null || r.passRate < w.passRate ? r : w), null);
  const failedRuns = measured.filter((r) => r.passRate < limit);

  const parts: string[] = [];
  if (prom) parts.push(`Prometheus: ${prom.detail}`);
  else parts.push(`Prometheus: the plan has no critical SLO 'test-pass-rate'`);
  if (measured.length === 0) parts.push(`monitor runs: none with results in the window${empty ? ` (${empty} produced no tests)` : ''}`);
  else {
    const failing = failedRuns.length ? `${failedRuns.length} below ${limit}% (${failedRuns.slice(0, 3).map((r) => `${r.command} at ${r.at}: ${describeValue(r.passRate, 'percent')}`).join('; ')})` : `all ≥ ${limit}%`;
    parts.push(`monitor runs: ${measured.length}, ${failing}; worst ${describeValue(worstRun!.passRate, 'percent')} (${worstRun!.command} at ${worstRun!.at})${empty ? `; ${empty} produced no tests` : ''}`);
  }
  const detail = parts.join('. ');

  const candidates: Array<{ value: number; at: string | null }> = [];
  if (prom && prom.worst !== null) candidates.push({ value: prom.worst, at: prom.worstAt });
  if (worstRun) candidates.push({ value: worstRun.passRate, at: worstRun.at });
  const worst = candidates.reduce<(typeof candidates)[number] | null>((w, p) => (w === null || p.value < w.value ? p : w), null);
  const base = { id: spec.id, title: spec.title, threshold: spec.threshold, value: worst?.value ?? null, worstAt: worst?.at ?? null, detail };

  if (prom?.state === 'fail' || failedRuns.length > 0) return { ...base, passed: false };
  if (prom?.state === 'inconclusive' || (!prom && measured.length === 0)) return { ...base, passed: false, inconclusive: true };
  return { ...base, passed: true };
}

/** Holds when the SLO stays below `limit` in every measurement window. */
function staysBelow(e: CriteriaEvidence, id: 'error-rate' | 'p95-latency', title: string, unit: Unit, limit: number): CriterionResult {
  const spec: SustainedSpec = {
    id,
    title,
    sloId: id,
    unit,
    worse: 'above',
    limit,
    limitPasses: false,
    threshold: `< ${describeValue(limit, unit)} ${everyWindow(e)}`,
  };
  return fromSustained(spec, judgeSustained(e, spec));
}

export function errorRate(e: CriteriaEvidence): CriterionResult {
  return staysBelow(e, 'error-rate', 'Error rate', 'ratio', e.criteria.errorRateRatio);
}

export function p95Latency(e: CriteriaEvidence): CriterionResult {
  return staysBelow(e, 'p95-latency', 'P95 latency', 'seconds', e.criteria.p95LatencySeconds);
}

/** Uptime is a whole-window average (the SLO's 1m windows tile the window), not a per-window limit. */
export function uptime(e: CriteriaEvidence): CriterionResult {
  const limit = e.criteria.uptimePercent;
  const base = { id: 'uptime' as const, title: 'Service uptime', threshold: `≥ ${limit}% over the whole window` };
  const slo = findSlo(e.slos.critical, 'uptime');
  if (!slo) return inconclusive(base, `the plan has no critical SLO 'uptime' to measure it with`);
  const data = e.data[sloKey('critical', slo.id)];
  if (!data) return inconclusive(base, `no query result for SLO '${slo.id}'`);
  if ('error' in data) return inconclusive(base, `the query for SLO '${slo.id}' failed: ${data.error}`);
  const factor = convertUnit(1, slo.unit, 'percent');
  if (factor === null) return inconclusive(base, `SLO '${slo.id}' is in ${slo.unit}, not a percentage`);
  const c = collapse(data, e.from, e.to, 'below');
  const pts = points(c).map((p) => ({ ...p, value: p.value * factor }));
  const windowText = formatDuration(c.grid.stepSeconds);
  if (pts.length === 0) {
    return inconclusive(base, `the query returned ${data.series.length === 0 ? 'no data' : 'only NaN'} for all ${c.grid.count} ${windowText} windows`);
  }
  const average = pts.reduce((s, p) => s + p.value, 0) / pts.length;
  const worst = pts.reduce((w, p) => (p.value < w.value ? p : w));
  const down = runs(c, (v) => v !== undefined && v * factor < 100);
  const missing = runs(c, (v) => v === undefined);
  const missingCount = missing.reduce((n, [a, b]) => n + b - a + 1, 0);
  const downText = down.length
    ? `; below 100% in ${spansText(c, down)}; worst window ${describeValue(worst.value, 'percent')} at ${iso(worst.atMs)}`
    : '; never below 100%';
  const text = `${describeValue(average, 'percent')} over ${pts.length} ${windowText} windows${downText}`;
  const result = { ...base, value: average, worstAt: down.length ? iso(worst.atMs) : null };
  if (average < limit) return { ...result, passed: false, detail: text };
  if (missingCount > 0) {
    return inconclusive(base, `no data for ${missingCount} of ${c.grid.count} ${windowText} windows (${spansText(c, missing)}); ${text}`, result);
  }
  return { ...result, passed: true, detail: text };
}

export function noUnresolvedP1(e: CriteriaEvidence): CriterionResult {
  const critical = e.incidents.filter((i) => i.priority === 'P0' || i.priority === 'P1');
  const open = critical.filter((i) => i.status !== 'resolved').sort((a, b) => a.startedAt.localeCompare(b.startedAt));
  const base = { id: 'no-unresolved-p1' as const, title: 'No unresolved P1 incidents', threshold: '0 unresolved P0/P1 incidents', value: open.length };
  if (open.length > 0) {
    const list = open.map((i) => `#${i.number} ${i.alert} (${i.priority}, ${i.status} since ${i.startedAt})`).join('; ');
    return { ...base, passed: false, worstAt: open[0]!.startedAt, detail: `${open.length} unresolved: ${list}` };
  }
  const detail = critical.length === 0 ? 'no P0/P1 incidents' : `${critical.length} P0/P1 incident${critical.length === 1 ? '' : 's'}, all resolved`;
  return { ...base, passed: true, worstAt: null, detail };
}

export function zeroRollbacks(e: CriteriaEvidence): CriterionResult {
  const base = { id: 'zero-rollbacks' as const, title: 'Zero rollbacks', threshold: '0 rollbacks' };
  const r = e.rollback;
  if (!r) return { ...base, passed: true, value: 0, worstAt: null, detail: 'no rollback' };
  const state = r.inProgress ? 'in progress' : r.ok ? 'completed' : 'failed';
  return { ...base, passed: false, value: 1, worstAt: r.at, detail: `rollback ${state} at ${r.at} by ${r.actor}: ${r.reason}` };
}
