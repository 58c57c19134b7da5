// The Genesis monitoring plan's success criteria, judged over the whole window from Prometheus
// samples and the monitor's own record. Pure: no I/O, no Temporal; activities/criteria.ts fetches
// the samples. Every time in a result is an ISO-8601 string; samples carry Prometheus's epoch seconds.
import type { CriterionResult } from './result.js';
import type { CriteriaEvidence } from './evidence.js';
import { errorRate, noUnresolvedP1, p95Latency, testPassRate, uptime, zeroRollbacks } from './service-criteria.js';
import { performanceBaseline, resourceStability } from './baseline-criteria.js';

/** One key order for every result, so stored and printed results read alike; ±Inf has no JSON form, so it is null (the detail says it). */
function canonical(r: CriterionResult): CriterionResult {
  const { id, title, passed, threshold, worstAt, detail } = r;
  const value = r.value !== null && Number.isFinite(r.value) ? r.value : null;
  return { id, title, passed, value, threshold, worstAt, detail, ...(r.inconclusive ? { inconclusive: true } : {}) };
}

/** All eight criteria, in the Genesis monitoring plan's order. */
export function judgeCriteria(evidence: CriteriaEvidence): CriterionResult[] {
  return [
    testPassRate(evidence),
    errorRate(evidence),
    p95Latency(evidence),
    uptime(evidence),
    noUnresolvedP1(evidence),
    performanceBaseline(evidence),
    resourceStability(evidence),
    zeroRollbacks(evidence),
  ].map(canonical);
}
