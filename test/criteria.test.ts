// The success criteria's judging, on hand-made samples: no Prometheus, no Temporal.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import {
  judgeCriteria,
  percentWorse,
  sloKey,
  trend,
  windowAverages,
  windowGrid,
  type CriteriaEvidence,
  type CriterionId,
  type CriterionResult,
  type WindowData,
} from '../src/plan/criteria/index.js';
import type { SeriesSamples } from '../src/plan/breaches.js';
import { planSchema, type Plan } from '../src/plan/schema.js';
import type { IncidentSummary } from '../src/plan/records.js';

const H = 3600;
const FROM = Date.UTC(2025, 9, 20) / 1000;
const TO = FROM + 48 * H;
const iso = (sec: number): string => new Date(sec * 1000).toISOString();

const PLAN: Plan = planSchema.parse({
  version: 1,
  name: 'unit',
  service: 'svc',
  window: { durationHours: 48, extension: { hours: 24, cadenceMinutes: 180, maxExtensions: 2 } },
  phases: [{ id: 'only', title: 'Only', untilHours: 48, cadenceMinutes: 60, run: [{ command: 'noop' }] }],
  commands: { noop: { title: 'noop', argv: ['true'], timeoutSeconds: 5 } },
  escalation: { path: [{ role: 'on-call', afterMinutes: 0 }] },
  slos: {
    critical: [
      { id: 'test-pass-rate', title: 'Pass rate', priority: 'P1', expr: 'pass', unit: 'percent', op: '>=', target: 98, window: '5m' },
      { id: 'error-rate', title: 'Errors', priority: 'P1', expr: 'errors', unit: 'ratio', op: '<', target: 0.001, window: '5m' },
      { id: 'p95-latency', title: 'P95', priority: 'P1', expr: 'p95', unit: 'seconds', op: '<', target: 0.2, window: '5m' },
      { id: 'uptime', title: 'Uptime', priority: 'P1', expr: 'up', unit: 'percent', op: '>=', target: 99.9, window: '1m' },
    ],
    performance: [
      { id: 'htdag', title: 'HTDAG', priority: 'P3', expr: 'htdag', unit: 'seconds', worse: 'above', baseline: 0.11, warning: 0.15, critical: 0.2 },
      { id: 'throughput', title: 'Throughput', priority: 'P3', expr: 'ops', unit: 'ops-per-second', worse: 'below', baseline: 7.6, warning: 6, critical: 4 },
    ],
    resources: [
      { id: 'memory', title: 'Memory', priority: 'P2', expr: 'mem', unit: 'percent', worse: 'above', normal: 70, warning: 80, critical: 90 },
      { id: 'disk', title: 'Disk', priority: 'P2', expr: 'disk', unit: 'percent', worse: 'above', normal: 70, warning: 80, critical: 90 },
    ],
  },
});

/** Samples on the criteria grid for [from, to] at `step`; `fn` returning undefined leaves the window empty. */
function onGrid(step: number, fn: (t: number) => number | undefined, from = FROM, to = TO): { stepSeconds: number; series: SeriesSamples[] } {
  const grid = windowGrid(from * 1000, to * 1000, step);
  const samples: Array<[number, number]> = [];
  for (let i = 0; i < grid.count; i++) {
    const t = grid.startMs / 1000 + i * step;
    const v = fn(t);
    if (v !== undefined) samples.push([t, v]);
  }
  return { stepSeconds: step, series: [{ labels: {}, samples }] };
}

const constant = (v: number) => () => v;

function healthyData(): Record<string, WindowData> {
  return {
    [sloKey('critical', 'test-pass-rate')]: onGrid(300, constant(99.5)),
    [sloKey('critical', 'error-rate')]: onGrid(300, constant(0.0002)),
    [sloKey('critical', 'p95-latency')]: onGrid(300, constant(0.15)),
    [sloKey('critical', 'uptime')]: onGrid(60, constant(100)),
    [sloKey('performance', 'htdag')]: onGrid(300, constant(0.11)),
    [sloKey('performance', 'throughput')]: onGrid(300, constant(7.6)),
    [sloKey('resources', 'memory')]: onGrid(300, (t) => 45 + 2 * Math.sin((2 * Math.PI * (t - FROM)) / (24 * H))),
    [sloKey('resources', 'disk')]: onGrid(300, constant(50)),
  };
}

function evidence(overrides: Partial<CriteriaEvidence> = {}, data: Record<string, WindowData> = {}): CriteriaEvidence {
  return {
    criteria: PLAN.criteria,
    slos: PLAN.slos,
    from: iso(FROM),
    to: iso(TO),
    data: { ...healthyData(), ...data },
    incidents: [],
    rollback: null,
    testRuns: [],
    ...overrides,
  };
}

function judge(overrides: Partial<CriteriaEvidence> = {}, data: Record<string, WindowData> = {}): Map<CriterionId, CriterionResult> {
  return new Map(judgeCriteria(evidence(overrides, data)).map((r) => [r.id, r]));
}

function one(id: CriterionId, overrides: Partial<CriteriaEvidence> = {}, data: Record<string, WindowData> = {}): CriterionResult {
  const r = judge(overrides, data).get(id);
  assert.ok(r, `no ${id}`);
  return r;
}

function incident(overrides: Partial<IncidentSummary>): IncidentSummary {
  return {
    id: 'i-1',
    workflowId: 'monitor-d/incident-1',
    number: 1,
    alert: 'HighErrorRate',
    priority: 'P1',
    status: 'open',
    startedAt: iso(FROM + H),
    detectedAt: iso(FROM + H + 300),
    resolvedAt: null,
    resolvedBy: null,
    escalatedTo: ['on-call'],
    acknowledgedBy: null,
    summary: 'errors',
    timeline: [],
    ...overrides,
  };
}

describe('the criteria grid', () => {
  it('tiles (from, to] with one point per window, ending at `to`', { timeout: 60_000 }, () => {
    const grid = windowGrid(FROM * 1000, TO * 1000, 300);
    assert.equal(grid.count, 576);
    assert.equal(grid.startMs, (FROM + 300) * 1000);
    assert.equal(grid.endMs, TO * 1000);
  });

  it('judges a window shorter than one step by its last point', { timeout: 60_000 }, () => {
    const grid = windowGrid(FROM * 1000, (FROM + 120) * 1000, 300);
    assert.deepEqual(grid, { startMs: (FROM + 120) * 1000, endMs: (FROM + 120) * 1000, stepSeconds: 300, count: 1 });
  });
});

describe('sustained criteria: every window, not the average', () => {
  it('passes a healthy window on all eight criteria, in the seed order', { timeout: 60_000 }, () => {
    const results = judgeCriteria(evidence());
    assert.deepEqual(
      results.map((r) => [r.id, r.passed]),
      [
        ['test-pass-rate', true],
        ['error-rate', true],
        ['p95-latency', true],
        ['uptime', true],
        ['no-unresolved-p1', true],
        ['performance-baseline', true],
        ['resource-stability', true],
        ['zero-rollbacks', true],
      ],
    );
    for (const r of results) assert.equal(r.inconclusive, undefined, `${r.id}: ${r.detail}`);
  });

  it('points at no worst window when every window is alike', { timeout: 60_000 }, () => {
    const r = one('error-rate');
    assert.equal(r.value, 0.0002);
    assert.equal(r.worstAt, null);
    assert.match(r.detail, /every 5m window with data at 0.02%/);
  });

  it('fails the error rate for one bad half hour, though the 48-hour average is well under 0.1%', { timeout: 60_000 }, () => {
    const burst = (t: number) => t > FROM + 10 * H && t <= FROM + 10.5 * H;
    const r = one('error-rate', {}, { [sloKey('critical', 'error-rate')]: onGrid(300, (t) => (burst(t) ? (t === FROM + 10.25 * H ? 0.004 : 0.002) : 0)) });
    assert.equal(r.passed, false);
    assert.equal(r.inconclusive, undefined);
    assert.equal(r.value, 0.004);
    assert.equal(r.worstAt, iso(FROM + 10.25 * H));
    assert.match(r.detail, /^6 of 576 5m windows outside the limit \(2025-10-20T10:00:00.000Z to 2025-10-20T10:30:00.000Z\)/);
    assert.equal(r.threshold, '< 0.1% in every 5m window');
  });

  it('treats the limit as the seed states it: 98% passes, an error rate of exactly 0.1% does not', { timeout: 60_000 }, () => {
    assert.equal(one('test-pass-rate', {}, { [sloKey('critical', 'test-pass-rate')]: onGrid(300, constant(98)) }).passed, true);
    assert.equal(one('error-rate', {}, { [sloKey('critical', 'error-rate')]: onGrid(300, constant(0.001)) }).passed, false);
    assert.equal(one('p95-latency', {}, { [sloKey('critical', 'p95-latency')]: onGrid(300, constant(0.2)) }).passed, false);
  });

  it('is inconclusive, never passed, when a window has no data', { timeout: 60_000 }, () => {
    const gap = (t: number) => t > FROM + 20 * H && t <= FROM + 20 * H + 600;
    const r = one('p95-latency', {}, { [sloKey('critical', 'p95-latency')]: onGrid(300, (t) => (gap(t) ? undefined : 0.15)) });
    assert.equal(r.passed, false);
    assert.equal(r.inconclusive, true);
    assert.match(r.detail, /no data for 2 of 576 5m windows \(2025-10-20T20:00:00.000Z to 2025-10-20T20:10:00.000Z\)/);
    assert.equal(r.value, 0.15);
  });

  it('fails rather than shrugs when a window breaches and another has no data', { timeout: 60_000 }, () => {
    const r = one('p95-latency', {}, {
      [sloKey('critical', 'p95-latency')]: onGrid(300, (t) => (t === FROM + H ? undefined : t === FROM + 2 * H ? 0.5 : 0.15)),
    });
    assert.equal(r.passed, false);
    assert.equal(r.inconclusive, undefined);
    assert.equal(r.worstAt, iso(FROM + 2 * H));
  });

  it('is inconclusive for an empty result, NaN only, or a rejected query, and says which', { timeout: 60_000 }, () => {
    const empty = one('error-rate', {}, { [sloKey('critical', 'error-rate')]: { stepSeconds: 300, series: [] } });
    assert.equal(empty.inconclusive, true);
    assert.match(empty.detail, /no data for all 576/);
    const nan = one('error-rate', {}, { [sloKey('critical', 'error-rate')]: onGrid(300, constant(NaN)) });
    assert.equal(nan.inconclusive, true);
    assert.equal(nan.passed, false);
    assert.match(nan.detail, /only NaN/);
    const rejected = one('error-rate', {}, { [sloKey('critical', 'error-rate')]: { stepSeconds: 300, error: 'bad_data: parse error' } });
    assert.equal(rejected.inconclusive, true);
    assert.match(rejected.detail, /failed: bad_data/);
  });

  it('fails on a +Inf P95 (beyond the largest histogram bucket) rather than calling it missing', { timeout: 60_000 }, () => {
    const r = one('p95-latency', {}, { [sloKey('critical', 'p95-latency')]: onGrid(300, (t) => (t === FROM + 7 * H ? Infinity : 0.15)) });
    assert.equal(r.passed, false);
    assert.equal(r.inconclusive, undefined);
    assert.equal(r.value, null, 'JSON has no Infinity');
    assert.equal(r.worstAt, iso(FROM + 7 * H));
    assert.match(r.detail, /worst 5m window \+Inf at/);
  });

  it('is inconclusive when the plan has no SLO to measure a criterion with', { timeout: 60_000 }, () => {
    const slos = { ...PLAN.slos, critical: PLAN.slos.critical.filter((s) => s.id !== 'p95-latency') };
    const r = one('p95-latency', { slos });
    assert.equal(r.inconclusive, true);
    assert.match(r.detail, /no critical SLO 'p95-latency'/);
  });

  it('takes the worst series at each time when a query returns several', { timeout: 60_000 }, () => {
    const base = onGrid(300, constant(0.1));
    const other: SeriesSamples = { labels: { instance: 'b' }, samples: [[FROM + H, 0.25]] };
    const r = one('p95-latency', {}, { [sloKey('critical', 'p95-latency')]: { stepSeconds: 300, series: [...base.series, other] } });
    assert.equal(r.passed, false);
    assert.equal(r.value, 0.25);
    assert.equal(r.worstAt, iso(FROM + H));
  });

  it('converts an error-rate SLO stated in percent to the ratio the criterion uses', { timeout: 60_000 }, () => {
    const slos = { ...PLAN.slos, critical: PLAN.slos.critical.map((s) => (s.id === 'error-rate' ? { ...s, unit: 'percent' as const } : s)) };
    const r = one('error-rate', { slos }, { [sloKey('critical', 'error-rate')]: onGrid(300, constant(0.05)) });
    assert.equal(r.passed, true);
    assert.equal(r.value, 0.0005);
  });
});

describe('test pass rate: Prometheus and the monitor’s own runs, the worse of both', () => {
  it('fails on one monitor run under 98% and reports that run', { timeout: 60_000 }, () => {
    const r = one('test-pass-rate', {
      testRuns: [
        { at: iso(FROM + 12 * H), command: 'full-suite', passRate: 100 },
        { at: iso(FROM + 30 * H), command: 'full-suite', passRate: 97 },
      ],
    });
    assert.equal(r.passed, false);
    assert.equal(r.value, 97);
    assert.equal(r.worstAt, iso(FROM + 30 * H));
    assert.match(r.detail, /1 below 98% \(full-suite at 2025-10-21T06:00:00.000Z: 97%\)/);
  });

  it('ignores runs outside the window and notes runs that produced no tests', { timeout: 60_000 }, () => {
    const r = one('test-pass-rate', {
      testRuns: [
        { at: iso(FROM - H), command: 'full-suite', passRate: 50 },
        { at: iso(FROM + H), command: 'production-tests', passRate: null },
      ],
    });
    assert.equal(r.passed, true);
    assert.match(r.detail, /1 produced no tests/);
  });

  it('judges from the monitor’s runs alone when the plan has no pass-rate SLO, and needs at least one', { timeout: 60_000 }, () => {
    const slos = { ...PLAN.slos, critical: PLAN.slos.critical.filter((s) => s.id !== 'test-pass-rate') };
    assert.equal(one('test-pass-rate', { slos, testRuns: [{ at: iso(FROM + H), command: 't', passRate: 99 }] }).passed, true);
    const none = one('test-pass-rate', { slos });
    assert.equal(none.passed, false);
    assert.equal(none.inconclusive, true);
  });

  it('stays inconclusive when Prometheus has gaps, even if every monitor run passed', { timeout: 60_000 }, () => {
    const r = one('test-pass-rate', { testRuns: [{ at: iso(FROM + H), command: 't', passRate: 100 }] }, {
      [sloKey('critical', 'test-pass-rate')]: onGrid(300, (t) => (t < FROM + 2 * H ? undefined : 99)),
    });
    assert.equal(r.inconclusive, true);
  });
});

describe('uptime: the whole window’s average', () => {
  const downFor = (minutes: number) => ({
    [sloKey('critical', 'uptime')]: onGrid(60, (t) => (t > FROM + 5 * H && t <= FROM + 5 * H + minutes * 60 ? 0 : 100)),
  });

  it('passes two minutes down in 48 hours (99.93%), fails five (99.83%) and says when', { timeout: 60_000 }, () => {
    const two = one('uptime', {}, downFor(2));
    assert.equal(two.passed, true, two.detail);
    assert.ok(Math.abs(two.value! - (100 * (2880 - 2)) / 2880) < 1e-9);
    const five = one('uptime', {}, downFor(5));
    assert.equal(five.passed, false, five.detail);
    assert.equal(five.worstAt, iso(FROM + 5 * H + 60));
    assert.match(five.detail, /below 100% in 2025-10-20T05:00:00.000Z to 2025-10-20T05:05:00.000Z/);
  });
});

describe('incidents and rollbacks from the monitor’s record', () => {
  it('fails while a P0 or P1 incident is unresolved, acknowledged or not', { timeout: 60_000 }, () => {
    const open = one('no-unresolved-p1', { incidents: [incident({ status: 'acknowledged', priority: 'P0', alert: 'GenesisServiceDown' })] });
    assert.equal(open.passed, false);
    assert.equal(open.value, 1);
    assert.equal(open.worstAt, iso(FROM + H));
    assert.match(open.detail, /#1 GenesisServiceDown \(P0, acknowledged since/);
  });

  it('passes when every P0/P1 is resolved, whatever lower priorities are still open', { timeout: 60_000 }, () => {
    const r = one('no-unresolved-p1', {
      incidents: [incident({ status: 'resolved', resolvedAt: iso(FROM + 2 * H) }), incident({ number: 2, priority: 'P2', alert: 'HighCPUUsage' })],
    });
    assert.equal(r.passed, true);
    assert.equal(r.detail, '1 P0/P1 incident, all resolved');
  });

  it('fails on any rollback, even one that failed', { timeout: 60_000 }, () => {
    const r = one('zero-rollbacks', { rollback: { at: iso(FROM + 3 * H), reason: 'service down', actor: 'deploywatch', ok: false, inProgress: false, detail: 'exit 1' } });
    assert.equal(r.passed, false);
    assert.equal(r.value, 1);
    assert.equal(r.worstAt, iso(FROM + 3 * H));
    assert.match(r.detail, /rollback failed at .* by deploywatch: service down/);
    assert.equal(one('zero-rollbacks').value, 0);
  });
});

describe('performance within 10% of baseline: one-sided, window averages', () => {
  const htdag = (mean: number) => ({ [sloKey('performance', 'htdag')]: onGrid(300, constant(mean)) });

  it('passes 5% slower and 30% faster, fails 20% slower', { timeout: 60_000 }, () => {
    assert.equal(one('performance-baseline', {}, htdag(0.11 * 1.05)).passed, true);
    const faster = one('performance-baseline', {}, htdag(0.11 * 0.7));
    assert.equal(faster.passed, true);
    assert.match(faster.detail, /HTDAG: 77 ms vs baseline 110 ms \(-30%\)/);
    const slower = one('performance-baseline', {}, htdag(0.11 * 1.2));
    assert.equal(slower.passed, false);
    assert.equal(slower.value, 20);
  });

  it('judges the average, not the worst window: one slow window among many is fine', { timeout: 60_000 }, () => {
    assert.equal(one('performance-baseline', {}, { [sloKey('performance', 'htdag')]: onGrid(300, (t) => (t === FROM + H ? 0.3 : 0.11)) }).passed, true);
  });

  it('fails throughput more than 10% under baseline and passes throughput above it', { timeout: 60_000 }, () => {
    const low = one('performance-baseline', {}, { [sloKey('performance', 'throughput')]: onGrid(300, constant(6.5)) });
    assert.equal(low.passed, false);
    assert.match(low.detail, /Throughput: 6.5 ops\/s vs baseline 7.6 ops\/s \(\+14.5%, over the 10% limit\)/);
    assert.equal(one('performance-baseline', {}, { [sloKey('performance', 'throughput')]: onGrid(300, constant(12)) }).passed, true);
    assert.equal(percentWorse(6.84, 7.6, 'below').toFixed(6), '10.000000');
  });

  it('calls a zero baseline a plan problem (inconclusive) and skips a missing one', { timeout: 60_000 }, () => {
    const zero = { ...PLAN.slos, performance: PLAN.slos.performance.map((s) => (s.id === 'htdag' ? { ...s, baseline: 0 } : s)) };
    const r = one('performance-baseline', { slos: zero });
    assert.equal(r.inconclusive, true);
    assert.match(r.detail, /baseline is 0/);
    const missing = { ...PLAN.slos, performance: PLAN.slos.performance.map((s) => (s.id === 'htdag' ? { ...s, baseline: undefined } : s)) };
    const skipped = one('performance-baseline', { slos: missing });
    assert.equal(skipped.passed, true);
    assert.match(skipped.detail, /HTDAG: no baseline in the plan, not judged/);
    const none = { ...PLAN.slos, performance: PLAN.slos.performance.map((s) => ({ ...s, baseline: undefined })) };
    assert.equal(one('performance-baseline', { slos: none }).inconclusive, true);
  });

  it('does not trust an average over too little of the window', { timeout: 60_000 }, () => {
    const r = one('performance-baseline', {}, { [sloKey('performance', 'htdag')]: onGrid(300, (t) => (t < FROM + 24 * H ? undefined : 0.11)) });
    assert.equal(r.inconclusive, true);
    assert.match(r.detail, /too little data/);
  });
});

describe('resource stability: a trend, not a level', () => {
  it('fails a steady leak and says when it would reach critical', { timeout: 60_000 }, () => {
    const r = one('resource-stability', {}, { [sloKey('resources', 'memory')]: onGrid(300, (t) => 40 + (10 * (t - FROM)) / (24 * H)) });
    assert.equal(r.passed, false);
    assert.ok(r.value! > 15 && r.value! < 25, `${r.value}`);
    assert.equal(r.worstAt, iso(TO));
    assert.match(r.detail, /Memory: \+\d+(\.\d)?%\/day .* reaching the critical 90% in about 3 days/);
  });

  it('passes a daily rhythm, a shrinking disk and a high but flat level', { timeout: 60_000 }, () => {
    const r = one('resource-stability', {}, {
      [sloKey('resources', 'disk')]: onGrid(300, (t) => 60 - (5 * (t - FROM)) / (24 * H)),
      [sloKey('resources', 'memory')]: onGrid(300, constant(85)),
    });
    assert.equal(r.passed, true, r.detail);
  });

  it('is inconclusive when a resource has no data', { timeout: 60_000 }, () => {
    const r = one('resource-stability', {}, { [sloKey('resources', 'disk')]: { stepSeconds: 300, series: [] } });
    assert.equal(r.inconclusive, true);
    assert.match(r.detail, /Disk: no data/);
  });

  it('does not call a two-hour spike a leak, and still sees a leak with one', { timeout: 60_000 }, () => {
    const spike = (t: number) => (t > FROM + 30 * H && t <= FROM + 32 * H ? 50 : 0);
    const flat = one('resource-stability', {}, { [sloKey('resources', 'memory')]: onGrid(300, (t) => 35 + spike(t)) });
    assert.equal(flat.passed, true, flat.detail);
    const leak = trend(Array.from({ length: 576 }, (_, i) => {
      const t = FROM + (i + 1) * 300;
      return { atMs: t * 1000, value: 40 + (10 * (t - FROM)) / (24 * H) + spike(t) };
    }))!;
    assert.ok(Math.abs(leak.slopePerDay - 10) < 0.05, `${leak.slopePerDay}`);
  });

  it('fits a line', { timeout: 60_000 }, () => {
    const fit = trend([0, 1, 2, 3].map((i) => ({ atMs: i * 6 * H * 1000, value: 50 + i })));
    assert.ok(fit);
    assert.ok(Math.abs(fit.slopePerDay - 4) < 1e-9);
    assert.ok(Math.abs(fit.level - 51.5) < 1e-9);
    assert.equal(fit.dailyCycleRemoved, false);
    assert.equal(trend([{ atMs: 0, value: 1 }]), null);
  });

  it('does not mistake a daily rhythm for a leak over a one-day extension, and still sees a leak under it', { timeout: 60_000 }, () => {
    const day = (offsetH: number, leakPerDay: number) =>
      Array.from({ length: 288 }, (_, i) => {
        const t = FROM + offsetH * H + (i + 1) * 300;
        return { atMs: t * 1000, value: 45 + 5 * Math.sin((2 * Math.PI * (t - FROM)) / (24 * H)) + (leakPerDay * (t - FROM)) / (24 * H) };
      });
    for (const offset of [0, 6, 48]) {
      const flat = trend(day(offset, 0))!;
      assert.equal(flat.dailyCycleRemoved, true);
      assert.ok(Math.abs(flat.growthPercentPerDay) < 0.5, `rhythm read as ${flat.growthPercentPerDay}%/day from T+${offset}h`);
      const leak = trend(day(offset, 9))!;
      assert.ok(Math.abs(leak.slopePerDay - 9) < 0.1, `leak of 9/day read as ${leak.slopePerDay}`);
    }
  });
});

describe('window averages for the new baseline', () => {
  it('averages each performance and resource SLO over its windows, with coverage', { timeout: 60_000 }, () => {
    const averages = windowAverages({ slos: PLAN.slos, from: iso(FROM), to: iso(TO), data: { ...healthyData(), [sloKey('resources', 'disk')]: { stepSeconds: 300, series: [] } } });
    assert.deepEqual(
      averages.map((a) => [a.group, a.id, a.average === null ? null : Number(a.average.toFixed(4)), a.coverage]),
      [
        ['performance', 'htdag', 0.11, 1],
        ['performance', 'throughput', 7.6, 1],
        ['resources', 'memory', 45, 1],
        ['resources', 'disk', null, 0],
      ],
    );
  });
});
