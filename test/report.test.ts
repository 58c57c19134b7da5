// The handoff report: the pure model and renderers on a hand-made record, then the activity against
// a real Prometheus with a backfilled 72-hour window, and the HTML page rendered by headless Chromium.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { inflateSync } from 'node:zlib';
import { createCriteriaActivity } from '../src/activities/criteria.js';
import { chartStepSeconds, createReportActivity, fetchReportSeries, folderName, type HandoffReportInput } from '../src/activities/report.js';
import { createPrometheusClient } from '../src/activities/prometheus.js';
import { sloKey, type CriterionResult } from '../src/plan/criteria/index.js';
import { DEFAULT_PLAN_PATH, loadPlanFile } from '../src/plan/load.js';
import type { CheckpointResult, CommandResult, Health } from '../src/plan/results.js';
import type { Plan } from '../src/plan/schema.js';
import { buildReport, renderHtml, renderJson, renderMarkdown, renderSummary, type ReportInput, type ReportSeries, type WindowJudgement } from '../src/report/index.js';
import type { CheckpointRecord, Deployment, IncidentSummary } from '../src/plan/records.js';
import { chromiumPath } from '../src/tools.js';
import { genesisHistory } from './support/genesis-history.js';
import { openMetrics, startPrometheus, type RunningPrometheus } from './support/prometheus.js';

const run = promisify(execFile);
const H = 3600;
const T0 = Date.UTC(2025, 9, 20) / 1000;
const iso = (offsetSeconds: number): string => new Date((T0 + offsetSeconds) * 1000).toISOString();

const DEPLOYMENT: Deployment = { id: 'genesis-2025-10-20', version: 'v4.0.1', service: 'genesis-orchestration', deployedAt: iso(0) };
const CRITERIA_IDS = ['test-pass-rate', 'error-rate', 'p95-latency', 'uptime', 'no-unresolved-p1', 'performance-baseline', 'resource-stability', 'zero-rollbacks'] as const;

function criteria(failing: string[] = []): CriterionResult[] {
  return CRITERIA_IDS.map((id) => ({
    id,
    title: id,
    passed: !failing.includes(id),
    value: id === 'error-rate' ? (failing.includes(id) ? 0.02 : 0) : 1,
    threshold: 'limit',
    worstAt: failing.includes(id) ? iso(10.25 * H) : null,
    detail: failing.includes(id) ? '7 of 576 5m windows outside the limit' : 'fine',
  }));
}

const VERDICTS: WindowJudgement[] = [
  { extension: 0, from: iso(0), to: iso(48 * H), passed: false, criteria: criteria(['error-rate']) },
  { extension: 1, from: iso(48 * H), to: iso(72 * H), passed: true, criteria: criteria() },
];

function tests(failing: string[], total = 50): CommandResult['tests'] {
  const passed = total - failing.length;
  return { passed, failed: failing.length, skipped: 0, total, passRate: (100 * passed) / total, failing };
}

function result(health: Health, commands: CommandResult[] = [], findings: CheckpointResult['findings'] = []): CheckpointResult {
  return { commands, alerts: [], slos: [], anomalies: [], findings, health, assertions: [], inconclusive: [], clear: [] };
}

/** Hourly checkpoints over 72 h: critical at T+11h (the error burst), degraded at T+31h, a flaky test in the full suite. */
function records(): CheckpointRecord[] {
  return Array.from({ length: 73 }, (_, h): CheckpointRecord => {
    const fullSuite = h % 6 === 0 && h >= 12;
    const flaky = h === 18 || h === 42 ? ['tests/test_routing.py::test_halo_retry'] : [];
    const commands: CommandResult[] = [{ id: 'health-check', ok: true, exitCode: 0, durationMs: 10, outputTail: '' }];
    if (fullSuite) commands.push({ id: 'full-suite', ok: flaky.length === 0, exitCode: flaky.length ? 1 : 0, durationMs: 10, outputTail: '', tests: tests(flaky) });
    const health: Health = h === 11 ? 'critical' : h === 31 ? 'degraded' : 'healthy';
    const findings: CheckpointResult['findings'] =
      h === 11
        ? [{ alert: 'HighErrorRate', priority: 'P1', kind: 'alert', summary: 'HighErrorRate breached since T+10h', startedAt: iso(10 * H), endedAt: iso(10.5 * H), worst: 0.02, evidence: {}, straightToCommander: false }]
        : [];
    return {
      index: h,
      label: `T+${h}h`,
      title: 'Hourly health check',
      phaseId: h <= 6 ? 'intensive' : h <= 24 ? 'active' : 'passive',
      offsetSeconds: h * H,
      plannedAt: iso(h * H),
      evaluationTime: iso(h * H),
      startedAt: iso(h * H),
      finishedAt: iso(h * H + 30),
      status: h === 11 ? 'failed' : 'passed',
      actions: commands.map((c) => c.id),
      asserts: [],
      review: null,
      result: result(health, commands, findings),
    };
  });
}

function incidents(): IncidentSummary[] {
  return [
    {
      id: 'monitor-genesis/incident-1',
      workflowId: 'monitor-genesis/incident-1',
      number: 1,
      alert: 'HighErrorRate',
      priority: 'P1',
      status: 'resolved',
      startedAt: iso(10 * H),
      detectedAt: iso(11 * H),
      resolvedAt: iso(11 * H + 600),
      resolvedBy: 'auto',
      escalatedTo: ['on-call'],
      acknowledgedBy: null,
      summary: 'HighErrorRate breached since 2025-10-20T10:00:00.000Z (worst 0.02)',
      timeline: [
        { at: iso(11 * H), event: 'opened', detail: 'HighErrorRate breached' },
        { at: iso(11 * H), event: 'paged on-call' },
        { at: iso(11 * H + 600), event: 'resolved', detail: 'auto: clear for 10m' },
      ],
    },
    {
      id: 'monitor-genesis/incident-2',
      workflowId: 'monitor-genesis/incident-2',
      number: 2,
      alert: 'HighCPUUsage',
      priority: 'P2',
      status: 'resolved',
      startedAt: iso(30 * H),
      detectedAt: iso(31 * H),
      resolvedAt: iso(32 * H),
      resolvedBy: 'alice',
      escalatedTo: ['on-call'],
      acknowledgedBy: 'alice',
      summary: 'CPU above 80% on genesis:9100',
      timeline: [
        { at: iso(31 * H), event: 'opened' },
        { at: iso(31 * H + 300), event: 'acknowledged', detail: 'alice' },
        { at: iso(32 * H), event: 'resolved', detail: 'alice: batch job moved off the host' },
      ],
    },
  ];
}

function seriesFixture(): ReportSeries {
  const points = (fn: (h: number) => number): Array<[string, number]> => Array.from({ length: 72 * 6 }, (_, i) => [iso((i + 1) * 600), fn((i + 1) / 6)]);
  return {
    from: iso(0),
    to: iso(72 * H),
    stepSeconds: 600,
    lines: [
      { key: sloKey('critical', 'test-pass-rate'), title: 'Test pass rate', unit: 'percent', points: points(() => 100) },
      { key: sloKey('critical', 'error-rate'), title: 'Error rate', unit: 'ratio', points: points((h) => (h > 10 && h <= 10.5 ? 0.02 : 0)) },
      { key: sloKey('critical', 'p95-latency'), title: 'P95 latency', unit: 'seconds', points: [], error: 'bad_data: parse error' },
      { key: sloKey('resources', 'cpu'), title: 'CPU usage', unit: 'percent', points: points((h) => (h > 30 && h < 32 ? 85 : 35)) },
    ],
    averages: [
      { group: 'performance', id: 'htdag-decomposition', average: 0.1155, coverage: 1 },
      { group: 'performance', id: 'throughput', average: 7.6, coverage: 1 },
      { group: 'resources', id: 'memory', average: 45, coverage: 0.98 },
    ],
  };
}

function reportInput(plan: Plan, overrides: Partial<ReportInput> = {}): ReportInput {
  return {
    deployment: DEPLOYMENT,
    planName: plan.name,
    generatedAt: iso(72 * H + 60),
    slos: plan.slos,
    criteria: plan.criteria,
    records: records(),
    incidents: incidents(),
    rollback: null,
    verdicts: VERDICTS,
    knownFlakyTests: ['tests/test_aop.py::test_known_flake'],
    series: seriesFixture(),
    alerts: plan.alerts,
    runbookBaseUrl: plan.runbookBaseUrl,
    reviews: [{ at: iso(12 * H), label: 'mid-deployment', text: 'one error burst at T+10h, resolved' }],
    ...overrides,
  };
}

describe('the handoff report model', () => {
  let plan: Plan;
  before(async () => {
    plan = await loadPlanFile(DEFAULT_PLAN_PATH);
  });

  it('summarises the window including its extension, the checkpoints and the health timeline', { timeout: 3 * 60_000 }, () => {
    const report = buildReport(reportInput(plan));
    assert.equal(report.allCriteriaPassed, true);
    assert.deepEqual(
      { from: report.window.from, to: report.window.to, hours: report.window.hours, planned: report.window.plannedHours, criteriaFrom: report.window.criteriaFrom },
      { from: iso(0), to: iso(72 * H), hours: 72, planned: 48, criteriaFrom: iso(48 * H) },
    );
    assert.deepEqual(report.window.extensions, [{ extension: 1, from: iso(48 * H), to: iso(72 * H), reason: 'criteria not met: error-rate' }]);
    assert.deepEqual(report.earlierJudgements, [{ extension: 0, from: iso(0), to: iso(48 * H), passed: false, failed: ['error-rate'] }]);
    assert.deepEqual(
      { planned: report.checkpoints.planned, run: report.checkpoints.run, passed: report.checkpoints.passed, failed: report.checkpoints.failed, inconclusive: report.checkpoints.inconclusive },
      { planned: 73, run: 73, passed: 72, failed: 1, inconclusive: 0 },
    );
    assert.deepEqual(report.checkpoints.list.find((c) => c.label === 'T+11h')?.notes, ['P1 HighErrorRate: HighErrorRate breached since T+10h']);
    assert.deepEqual(
      report.healthTimeline.map((s) => [s.health, s.from, s.to, s.checkpoints]),
      [
        ['healthy', iso(0), iso(10 * H), 11],
        ['critical', iso(10 * H), iso(11 * H), 1],
        ['healthy', iso(11 * H), iso(30 * H), 19],
        ['degraded', iso(30 * H), iso(31 * H), 1],
        ['healthy', iso(31 * H), iso(72 * H), 41],
      ],
    );
    assert.match(report.headline, /^All 8 success criteria met over 72 h \(incl. 1 extension\)/);
  });

  it('documents every incident with its timeline, resolution and runbook', { timeout: 3 * 60_000 }, () => {
    const [first, second] = buildReport(reportInput(plan)).incidents;
    assert.equal(first?.resolution, 'Resolved automatically after 70 min: clear for 10m.');
    assert.equal(first?.minutesToDetect, 60);
    assert.equal(first?.runbook, 'file:///home/genesis/genesis-rebuild/docs/INCIDENT_RESPONSE.md#higherrorrate');
    assert.equal(first?.timeline.length, 3);
    assert.equal(second?.resolution, 'Resolved by alice after 2 h: batch job moved off the host.');
  });

  it('gives new baselines from the window averages, with the change from the plan’s', { timeout: 3 * 60_000 }, () => {
    const baselines = buildReport(reportInput(plan)).baselines;
    const htdag = baselines.find((b) => b.id === 'htdag-decomposition');
    assert.equal(htdag?.previous, 0.11);
    assert.equal(htdag?.value, 0.1155);
    assert.ok(Math.abs(htdag!.changePercent! - 5) < 1e-9);
    assert.equal(baselines.find((b) => b.id === 'halo-routing')?.value, null, 'no average, no invented value');
    assert.deepEqual(
      baselines.map((b) => b.id),
      ['htdag-decomposition', 'halo-routing', 'aop-validation', 'throughput', 'cpu', 'memory', 'disk'],
    );
  });

  it('lists known issues: flaky tests, the known-flaky list, recurring and unresolved incidents', { timeout: 3 * 60_000 }, () => {
    const open: IncidentSummary = { ...incidents()[0]!, number: 3, id: 'i3', status: 'open', resolvedAt: null, resolvedBy: null, startedAt: iso(60 * H) };
    const report = buildReport(reportInput(plan, { incidents: [...incidents(), open] }));
    const kinds = report.knownIssues.map((k) => [k.kind, k.title]);
    assert.deepEqual(kinds, [
      ['unresolved-incident', '#3 HighErrorRate (P1) is open'],
      ['recurring-incident', 'HighErrorRate opened 2 incidents'],
      ['flaky-test', 'tests/test_routing.py::test_halo_retry'],
      ['flaky-test', 'tests/test_aop.py::test_known_flake (listed in knownFlakyTests)'],
    ]);
    assert.equal(report.knownIssues[2]?.detail, 'Failed in 2 of 11 full-suite runs.');
  });

  it('carries the seed’s BAU action items, schedule and the two sign-offs', { timeout: 3 * 60_000 }, () => {
    const report = buildReport(reportInput(plan, { signOffs: [{ role: 'sre-lead', actor: 'sam', at: iso(73 * H) }] }));
    assert.deepEqual(
      report.actionItems.map((a) => [a.id, a.status]),
      [
        ['summary-report', 'done'],
        ['document-incidents', 'done'],
        ['known-issues', 'done'],
        ['alert-sensitivity', 'todo'],
        ['metric-retention', 'todo'],
        ['baseline-metrics', 'todo'],
        ['record-baseline', 'todo'],
        ['runbooks', 'todo'],
        ['archive-logs', 'todo'],
      ],
    );
    assert.match(report.actionItems.find((a) => a.id === 'metric-retention')!.detail, /retention.time=30d/);
    assert.match(report.actionItems.find((a) => a.id === 'baseline-metrics')!.detail, /HTDAG decomposition 116 ms \(was 110 ms, \+5%\)/);
    assert.match(report.actionItems.find((a) => a.id === 'runbooks')!.detail, /#1 HighErrorRate: detected after 60 min, resolved after 70 min/);
    assert.deepEqual(report.bauSchedule.map((b) => b.cadence), ['daily', 'weekly', 'monthly', 'quarterly']);
    assert.deepEqual(report.signOff, {
      required: [
        { role: 'engineering-lead', title: 'Engineering Lead', signedBy: null, signedAt: null, note: null },
        { role: 'sre-lead', title: 'SRE Lead', signedBy: 'sam', signedAt: iso(73 * H), note: null },
      ],
      complete: false,
    });
  });

  it('recommends less sensitive alerts when one keeps clearing by itself', { timeout: 3 * 60_000 }, () => {
    const blip = (n: number): IncidentSummary => ({ ...incidents()[0]!, number: n, id: `i${n}`, startedAt: iso(n * H), detectedAt: iso(n * H + 60), resolvedAt: iso(n * H + 600) });
    const item = buildReport(reportInput(plan, { incidents: [blip(3), blip(5)] })).actionItems.find((a) => a.id === 'alert-sensitivity');
    assert.equal(item?.status, 'recommended');
    assert.match(item!.detail, /HighErrorRate: 2 incidents cleared by themselves within 30 min/);
  });

  it('says so when criteria were not all met (handed off by the engineering lead’s decision)', { timeout: 3 * 60_000 }, () => {
    const report = buildReport(reportInput(plan, { verdicts: [VERDICTS[0]!] }));
    assert.equal(report.allCriteriaPassed, false);
    assert.match(report.headline, /1 of 8 success criteria not met over 48 h \(error-rate\)/);
    assert.ok(report.knownIssues.some((k) => k.kind === 'criterion' && k.title === 'error-rate: not met'));
  });

  it('builds the four charts, noting a series that could not be read', { timeout: 3 * 60_000 }, () => {
    const charts = buildReport(reportInput(plan)).charts;
    assert.deepEqual(charts.map((c) => c.id), ['error-rate', 'p95-latency', 'test-pass-rate', 'resources']);
    assert.equal(charts[1]?.note, 'bad_data: parse error');
    assert.equal(charts[2]?.markers.length, 11);
    assert.equal(charts[2]?.markers.filter((m) => !m.ok).length, 0, '49 of 50 is 98%: at the limit, not under it');
  });
});

describe('the renderers', () => {
  let plan: Plan;
  before(async () => {
    plan = await loadPlanFile(DEFAULT_PLAN_PATH);
  });

  it('Markdown has every section of the seed’s handoff, the criteria table and the incidents', { timeout: 3 * 60_000 }, () => {
    const md = renderMarkdown(buildReport(reportInput(plan)));
    for (const heading of ['## 48-hour summary', '### Health timeline', '## Success criteria', '### Earlier judgements', '## Incidents', '## New baseline values', '## Known issues', '## BAU action items', '## BAU monitoring schedule', '## Interim reviews', '## Sign-off']) {
      assert.ok(md.includes(`\n${heading}\n`), `missing ${heading}`);
    }
    assert.match(md, /\| Criterion \| Result \| Value \| Threshold \| Worst at \| Detail \|/);
    assert.match(md, /### #1 HighErrorRate \(P1, resolved\)/);
    assert.match(md, /- \[ \] \*\*Extend metric retention to 30 days\*\*/);
    assert.match(md, /\*\*Error rate\*\* `[▁-█]+`/);
  });

  it('JSON is the model, with ISO-8601 times', { timeout: 3 * 60_000 }, () => {
    const report = buildReport(reportInput(plan));
    const parsed = JSON.parse(renderJson(report)) as typeof report;
    assert.deepEqual(parsed, report);
    assert.match(parsed.incidents[0]!.startedAt, /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/);
  });

  it('HTML is one self-contained page: no scripts, no stylesheets or images from anywhere, text escaped', { timeout: 3 * 60_000 }, () => {
    const hostile = { ...incidents()[0]!, summary: '<script>alert(1)</script> & "quotes"' };
    const html = renderHtml(buildReport(reportInput(plan, { incidents: [hostile] })));
    assert.doesNotMatch(html, /<script/i);
    assert.doesNotMatch(html, /<link\b|<img\b|<iframe\b|@import|url\(/i);
    assert.doesNotMatch(html, /\ssrc=/i);
    assert.match(html, /&lt;script&gt;alert\(1\)&lt;\/script&gt; &amp; &quot;quotes&quot;/);
    assert.equal((html.match(/<svg class="chart/g) ?? []).length, 5, 'timeline + four charts');
  });

  it('Slack summary is a few lines with the verdict, counts and where the report is', { timeout: 3 * 60_000 }, () => {
    const text = renderSummary(buildReport(reportInput(plan)), '/reports/x/handoff-report.html');
    const lines = text.split('\n');
    assert.ok(lines.length <= 10, text);
    assert.equal(lines[0], '*Handoff to BAU: genesis-orchestration v4.0.1* (deployment genesis-2025-10-20)');
    assert.match(text, /Success criteria: 8\/8 met/);
    assert.match(text, /Incidents: 2 \(#1 HighErrorRate P1 resolved, #2 HighCPUUsage P2 resolved\); 0 unresolved/);
    assert.match(text, /Sign-off needed: Engineering Lead \+ SRE Lead/);
    assert.match(text, /Report: \/reports\/x\/handoff-report.html$/);
  });

  it('keeps a deployment id to one safe folder name', { timeout: 3 * 60_000 }, () => {
    assert.equal(folderName('genesis-2025-10-20'), 'genesis-2025-10-20');
    assert.equal(folderName('../../etc'), '.._.._etc');
    assert.equal(folderName('..'), '_..');
    assert.equal(folderName('a/b'), 'a_b');
  });
});

// ---- PNG reading, to check the screenshot's pixels (no image library needed) ----

interface Png {
  width: number;
  height: number;
  pixel(x: number, y: number): [number, number, number];
}

function decodePng(buf: Buffer): Png {
  assert.equal(buf.subarray(0, 8).toString('hex'), '89504e470d0a1a0a', 'not a PNG');
  let offset = 8;
  let width = 0;
  let height = 0;
  let channels = 0;
  const idat: Buffer[] = [];
  while (offset < buf.length) {
    const length = buf.readUInt32BE(offset);
    const type = buf.subarray(offset + 4, offset + 8).toString('ascii');
    const data = buf.subarray(offset + 8, offset + 8 + length);
    if (type === 'IHDR') {
      width = data.readUInt32BE(0);
      height = data.readUInt32BE(4);
      assert.equal(data[8], 8, 'only 8-bit PNGs');
      assert.equal(data[12], 0, 'only non-interlaced PNGs');
      channels = ({ 2: 3, 6: 4 } as Record<number, number>)[data[9]!] ?? 0;
      assert.ok(channels, `unsupported PNG colour type ${data[9]}`);
    } else if (type === 'IDAT') idat.push(data);
    offset += 12 + length;
  }
  const raw = inflateSync(Buffer.concat(idat));
  const stride = width * channels;
  const out = Buffer.alloc(height * stride);
  for (let y = 0; y < height; y++) {
    const filter = raw[y * (stride + 1)]!;
    for (let i = 0; i < stride; i++) {
      const x = raw[y * (stride + 1) + 1 + i]!;
      const a = i >= channels ? out[y * stride + i - channels]! : 0;
      const b = y > 0 ? out[(y - 1) * stride + i]! : 0;
      const c = y > 0 && i >= channels ? out[(y - 1) * stride + i - channels]! : 0;
      const p = a + b - c;
      const paeth = Math.abs(p - a) <= Math.abs(p - b) && Math.abs(p - a) <= Math.abs(p - c) ? a : Math.abs(p - b) <= Math.abs(p - c) ? b : c;
      const predictor = [0, a, b, (a + b) >> 1, paeth][filter];
      assert.ok(predictor !== undefined, `bad PNG filter ${filter}`);
      out[y * stride + i] = (x + predictor) & 0xff;
    }
  }
  return { width, height, pixel: (x, y) => [out[y * stride + x * channels]!, out[y * stride + x * channels + 1]!, out[y * stride + x * channels + 2]!] };
}

function countColor(png: Png, hex: string, tolerance = 10): number {
  const target = [1, 3, 5].map((i) => parseInt(hex.slice(i, i + 2), 16));
  let n = 0;
  for (let y = 0; y < png.height; y++) {
    for (let x = 0; x < png.width; x++) {
      const p = png.pixel(x, y);
      if (p.every((v, i) => Math.abs(v - target[i]!) <= tolerance)) n++;
    }
  }
  return n;
}

const CHROMIUM_FLAGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'];

describe('writeHandoffReport against a real Prometheus, rendered by headless Chromium', () => {
  let prometheus: RunningPrometheus | undefined;
  let plan: Plan;
  let work: string;
  let verdicts: WindowJudgement[];

  before(async () => {
    plan = await loadPlanFile(DEFAULT_PLAN_PATH);
    work = await mkdtemp(join(tmpdir(), 'deploywatch-report-'));
    const within = (fromH: number, toH: number) => (t: number) => t >= T0 + fromH * H && t < T0 + toH * H;
    const burst = within(10, 10.5);
    const cpuSpike = within(30, 32);
    const slow = within(20, 21);
    const history = genesisHistory({
      fromSec: T0 - H,
      toSec: T0 + 72 * H,
      stepSec: 60,
      errorRatio: (t) => (burst(t) ? 0.02 : 0),
      p95Seconds: (t) => (slow(t) ? 0.18 : 0.12 + 0.02 * Math.sin((2 * Math.PI * (t - T0)) / (24 * H))),
      passRatePercent: (t) => (within(42, 42.5)(t) ? 98.5 : 100),
      cpuBusy: (t) => (cpuSpike(t) ? 0.85 : 0.35 + 0.05 * Math.sin((2 * Math.PI * (t - T0)) / (24 * H))),
      memoryUsed: (t) => 0.45 + 0.03 * Math.sin((2 * Math.PI * (t - T0)) / (24 * H)),
      diskUsed: (t) => 0.5 + (0.01 * (t - T0)) / (24 * H),
      htdagMeanSeconds: () => 0.1155,
    });
    prometheus = await startPrometheus({ history: openMetrics(history) });
    // The real criteria over the same data: the burst fails the 48 h window, the extension passes.
    const evaluateCriteria = createCriteriaActivity();
    const judge = async (extension: number, fromH: number, toH: number): Promise<WindowJudgement> => {
      const criteria = await evaluateCriteria({
        criteria: plan.criteria,
        slos: plan.slos,
        prometheus: { ...plan.prometheus, url: prometheus!.url },
        from: iso(fromH * H),
        to: iso(toH * H),
        incidents: incidents(),
        rollback: null,
        testRuns: [],
      });
      return { extension, from: iso(fromH * H), to: iso(toH * H), passed: criteria.every((c) => c.passed), criteria };
    };
    verdicts = [await judge(0, 0, 48), await judge(1, 48, 72)];
  });
  after(async () => {
    await prometheus?.stop();
    await rm(work, { recursive: true, force: true });
  });

  const input = (overrides: Partial<HandoffReportInput> = {}): HandoffReportInput => ({
    deployment: DEPLOYMENT,
    planName: plan.name,
    reportDir: join(work, 'reports'),
    archiveCommand: { title: 'Archive deployment logs', argv: ['sh', '-c', 'echo "logs of $1" > "$0/deployment-logs.txt"', '{reportDir}', '{deploymentId}'], timeoutSeconds: 30, junit: false, env: {} },
    prometheus: { ...plan.prometheus, url: prometheus!.url },
    slos: plan.slos,
    criteria: plan.criteria,
    records: records(),
    incidents: incidents(),
    verdicts,
    rollback: null,
    knownFlakyTests: plan.knownFlakyTests,
    alerts: plan.alerts,
    runbookBaseUrl: plan.runbookBaseUrl,
    ...overrides,
  });

  it('fetches the charts at a coarse step (each point the worst window in it) and the window averages', { timeout: 3 * 60_000 }, async () => {
    const series = await fetchReportSeries(createPrometheusClient({ baseUrl: prometheus!.url }), {
      slos: plan.slos,
      criteria: plan.criteria,
      prometheus: plan.prometheus,
      from: iso(0),
      to: iso(72 * H),
    });
    assert.equal(series.stepSeconds, 900);
    assert.equal(chartStepSeconds(0, 48 * H * 1000, 300), 600);
    const errors = series.lines.find((l) => l.key === 'critical/error-rate')!;
    assert.equal(errors.points.length, 288);
    const peak = errors.points.reduce((p, q) => (q[1] > p[1] ? q : p));
    assert.ok(Math.abs(peak[1] - 0.02) < 0.001, `error peak ${peak[1]}`);
    assert.ok(peak[0] > iso(10 * H) && peak[0] <= iso(10.75 * H), `peak at ${peak[0]}`);
    assert.deepEqual(series.lines.map((l) => l.key), ['critical/test-pass-rate', 'critical/error-rate', 'critical/p95-latency', 'resources/cpu', 'resources/memory', 'resources/disk']);
    const htdag = series.averages.find((a) => a.id === 'htdag-decomposition');
    assert.ok(Math.abs(htdag!.average! - 0.1155) < 1e-6, `HTDAG average ${htdag?.average}`);
    assert.equal(htdag?.coverage, 1);
  });

  it('writes Markdown, HTML and JSON under <reportDir>/<deploymentId>/, archives the logs there, and returns a summary', { timeout: 3 * 60_000 }, async () => {
    const writeHandoffReport = createReportActivity({ now: () => Date.parse(iso(72 * H + 120)) });
    const written = await writeHandoffReport(input());
    const dir = join(work, 'reports', DEPLOYMENT.id);
    assert.equal(written.dir, dir);
    assert.deepEqual(written.paths, ['md', 'html', 'json'].map((ext) => join(dir, `handoff-report.${ext}`)));
    assert.equal(written.archive?.ok, true);
    assert.equal(await readFile(join(dir, 'deployment-logs.txt'), 'utf8'), `logs of ${DEPLOYMENT.id}\n`);
    const json = JSON.parse(await readFile(written.files.json, 'utf8')) as ReturnType<typeof buildReport>;
    assert.equal(json.generatedAt, iso(72 * H + 120));
    assert.equal(json.actionItems.find((a) => a.id === 'archive-logs')?.status, 'done');
    assert.equal(json.baselines.find((b) => b.id === 'htdag-decomposition')?.value !== null, true);
    assert.match(await readFile(written.files.markdown, 'utf8'), /^# Handoff report: genesis-orchestration v4.0.1/);
    assert.equal(written.allCriteriaPassed, true);
    assert.deepEqual(json.earlierJudgements, [{ extension: 0, from: iso(0), to: iso(48 * H), passed: false, failed: ['error-rate'] }]);
    assert.match(written.summary, /Report: .*handoff-report.html$/);
  });

  it('still writes the report when the archive command fails, and says so', { timeout: 3 * 60_000 }, async () => {
    const writeHandoffReport = createReportActivity();
    const written = await writeHandoffReport(
      input({ reportDir: join(work, 'failing'), archiveCommand: { title: 'Archive deployment logs', argv: ['sh', '-c', 'echo "disk full" >&2; exit 3'], timeoutSeconds: 30, junit: false, env: {} } }),
    );
    assert.equal(written.archive?.ok, false);
    const json = JSON.parse(await readFile(written.files.json, 'utf8')) as ReturnType<typeof buildReport>;
    const item = json.actionItems.find((a) => a.id === 'archive-logs');
    assert.equal(item?.status, 'failed');
    assert.match(item!.detail, /failed \(exit code 3\): disk full/);
  });

  it('renders its charts in headless Chromium (screenshot and DOM)', { timeout: 3 * 60_000 }, async () => {
    const chromium = chromiumPath();
    assert.ok(chromium, 'chromium is not installed: this test needs it (`npm test` installs it as root; else apt-get install chromium)');
    const writeHandoffReport = createReportActivity();
    const written = await writeHandoffReport(input({ reportDir: join(work, 'chromium'), archiveCommand: null }));
    const profile = await mkdtemp(join(tmpdir(), 'deploywatch-chromium-'));
    try {
      const url = `file://${written.files.html}`;
      const screenshot = join(work, 'handoff-report.png');
      const flags = [...CHROMIUM_FLAGS, `--user-data-dir=${profile}`];
      await run(chromium, [...flags, `--screenshot=${screenshot}`, '--window-size=1280,2000', url], { timeout: 120_000 });
      const dom = (await run(chromium, [...flags, '--dump-dom', url], { timeout: 120_000, maxBuffer: 32 * 1024 * 1024 })).stdout;

      // The DOM after parsing: every chart's SVG with a line of many points, and the incidents on the time axis.
      for (const [chart, series] of [['error-rate', ['critical/error-rate']], ['p95-latency', ['critical/p95-latency']], ['test-pass-rate', ['critical/test-pass-rate']], ['resources', ['resources/cpu', 'resources/memory', 'resources/disk']]] as const) {
        const svg = dom.match(new RegExp(`<svg[^>]*data-chart="${chart}"[\\s\\S]*?</svg>`))?.[0];
        assert.ok(svg, `no <svg> for the ${chart} chart in the rendered DOM`);
        for (const key of series) {
          const path = svg.match(new RegExp(`<path class="series" data-series="${key}"[^>]*d="([^"]+)"`));
          assert.ok(path, `${chart}: no line for ${key}`);
          const vertices = path[1]!.match(/[ML]-?\d/g)?.length ?? 0;
          assert.ok(vertices >= 250, `${chart}: ${key} has ${vertices} points`);
        }
        assert.equal((svg.match(/<g class="incident [a-z]+" data-incident="\d+"/g) ?? []).length, 2, `${chart}: both incidents marked`);
      }
      assert.equal((dom.match(/<circle class="run /g) ?? []).length, 11, 'the monitor’s test runs on the pass-rate chart');
      const timeline = dom.match(/<svg[^>]*data-chart="timeline"[\s\S]*?<\/svg>/)?.[0] ?? '';
      assert.equal((timeline.match(/class="incident-bar /g) ?? []).length, 2);
      assert.ok((timeline.match(/<rect class="health"/g) ?? []).length >= 3, 'health spans on the timeline');

      // The screenshot: the pixels of each line's colour are there, so the SVGs were drawn.
      const png = decodePng(await readFile(screenshot));
      assert.equal(png.width, 1280);
      for (const [what, color] of [['error rate', '#d62728'], ['P95', '#1f77b4'], ['pass rate', '#2ca02c'], ['CPU', '#9467bd'], ['memory', '#ff7f0e'], ['disk', '#8c564b']] as const) {
        const n = countColor(png, color);
        assert.ok(n >= 200, `${what} line (${color}): only ${n} pixels in the screenshot`);
      }
    } finally {
      await rm(profile, { recursive: true, force: true });
    }
  });
});
