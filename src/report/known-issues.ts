// New baselines from the window's averages, and the known issues to hand over (unresolved or
// recurring incidents, flaky or failing tests, criteria not met).
import type { CheckpointRecord } from '../plan/records.js';
import type { Baseline, KnownIssue, ReportCriterion, ReportIncident, ReportInput } from './model.js';

/** An incident that cleared by itself within this long, unacknowledged, is alert noise. */
export const NOISE_MINUTES = 30;

export function baselinesOf(input: ReportInput): Baseline[] {
  return (['performance', 'resources'] as const).flatMap((group) =>
    input.slos[group].map((slo): Baseline => {
      const avg = input.series.averages.find((a) => a.group === group && a.id === slo.id);
      const value = avg?.average ?? null;
      const previous = group === 'performance' ? (slo.baseline ?? null) : null;
      const changePercent = value !== null && previous ? ((value - previous) / previous) * 100 : null;
      return { group, id: slo.id, title: slo.title, unit: slo.unit, previous, value, changePercent, coverage: avg?.coverage ?? 0 };
    }),
  );
}

interface TestStats {
  command: string;
  name: string;
  failures: number;
  runs: number;
  firstFailedAt: string;
}

/** A test that fails in some runs of a command and passes in others is flaky; in every run, failing. */
function testStats(records: readonly CheckpointRecord[]): TestStats[] {
  const runs = new Map<string, number>();
  const stats = new Map<string, TestStats>();
  for (const r of records) {
    for (const c of r.result?.commands ?? []) {
      if (!c.tests) continue;
      runs.set(c.id, (runs.get(c.id) ?? 0) + 1);
      for (const name of new Set(c.tests.failing)) {
        const key = `${c.id}\u0000${name}`;
        const s = stats.get(key) ?? { command: c.id, name, failures: 0, runs: 0, firstFailedAt: r.evaluationTime };
        s.failures++;
        stats.set(key, s);
      }
    }
  }
  return [...stats.values()].map((s) => ({ ...s, runs: runs.get(s.command) ?? s.failures }));
}

export function knownIssuesOf(input: ReportInput, incidents: ReportIncident[], criteria: ReportCriterion[]): KnownIssue[] {
  const issues: KnownIssue[] = [];
  for (const i of incidents.filter((x) => x.status !== 'resolved')) {
    issues.push({ kind: 'unresolved-incident', title: `#${i.number} ${i.alert} (${i.priority}) is ${i.status}`, detail: i.summary, since: i.startedAt });
  }
  const byAlert = new Map<string, ReportIncident[]>();
  for (const i of incidents) byAlert.set(i.alert, [...(byAlert.get(i.alert) ?? []), i]);
  for (const [alert, list] of byAlert) {
    if (list.length < 2) continue;
    issues.push({
      kind: 'recurring-incident',
      title: `${alert} opened ${list.length} incidents`,
      detail: `Incidents ${list.map((i) => `#${i.number}`).join(', ')}: a recurring cause to find rather than a one-off.`,
      since: list[0]!.startedAt,
    });
  }
  const flakyListed = new Set(input.knownFlakyTests);
  for (const s of testStats(input.records)) {
    const always = s.failures === s.runs && s.runs > 1;
    const listed = flakyListed.has(s.name) ? ' (listed in knownFlakyTests)' : '';
    issues.push({
      kind: always ? 'failing-test' : 'flaky-test',
      title: `${s.name}${listed}`,
      detail: `Failed in ${s.failures} of ${s.runs} ${s.command} runs${always ? ': failing, not flaky' : ''}.`,
      since: s.firstFailedAt,
    });
  }
  for (const name of input.knownFlakyTests) {
    if (issues.some((i) => i.title.startsWith(name))) continue;
    issues.push({ kind: 'flaky-test', title: `${name} (listed in knownFlakyTests)`, detail: 'Known flaky before the deployment; did not fail during the window.', since: null });
  }
  for (const c of criteria.filter((x) => !x.passed)) {
    issues.push({ kind: 'criterion', title: `${c.title}: ${c.inconclusive ? 'inconclusive' : 'not met'}`, detail: c.detail, since: c.worstAt });
  }
  return issues;
}
