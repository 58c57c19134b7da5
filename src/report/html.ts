// The handoff report as one self-contained HTML page: inline CSS and inline SVG charts, no scripts
// and no external assets, so it opens the same from a mail attachment, a file share or an archive.
import type { Health } from '../plan/results.js';
import {
  criterionState,
  formatCriterionValue,
  formatHours,
  formatMinutes,
  formatOffset,
  formatTime,
  formatValue,
  signedPercent,
  type Unit,
} from './format.js';
import type { HandoffReport, ReportChart, ReportIncident } from './model.js';

const WIDTH = 1120;
const HEIGHT = 220;
const PAD = { left: 72, right: 110, top: 16, bottom: 40 };
/** Per series key: the chart colours a reader learns once (the legend repeats them). */
const SERIES_COLORS: Record<string, string> = {
  'critical/error-rate': '#d62728',
  'critical/p95-latency': '#1f77b4',
  'critical/test-pass-rate': '#2ca02c',
  'resources/cpu': '#9467bd',
  'resources/memory': '#ff7f0e',
  'resources/disk': '#8c564b',
};
const PALETTE = ['#1f77b4', '#ff7f0e', '#2ca02c', '#d62728', '#9467bd', '#8c564b', '#e377c2', '#17becf'];
const HEALTH_COLORS: Record<Health, string> = { healthy: '#4caf50', degraded: '#ffb300', critical: '#e53935', blind: '#9e9e9e' };

export function escapeHtml(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;').replace(/'/g, '&#39;');
}
const e = escapeHtml;

function colorOf(key: string, index: number): string {
  return SERIES_COLORS[key] ?? PALETTE[index % PALETTE.length]!;
}

/** Only http(s) and file links become anchors; anything else stays text (no javascript: URLs). */
function link(url: string | null, text: string): string {
  if (!url || !/^(https?|file):/i.test(url)) return e(text);
  return `<a href="${e(url)}">${e(text)}</a>`;
}

/** Axis values in the unit a reader thinks in: percent for ratios, milliseconds for seconds. */
function display(unit: Unit): { factor: number; suffix: string } {
  if (unit === 'ratio') return { factor: 100, suffix: '%' };
  if (unit === 'seconds') return { factor: 1000, suffix: ' ms' };
  if (unit === 'percent') return { factor: 1, suffix: '%' };
  if (unit === 'ops-per-second') return { factor: 1, suffix: ' ops/s' };
  return { factor: 1, suffix: '' };
}

function niceStep(range: number, ticks: number): number {
  const raw = range / ticks;
  const power = 10 ** Math.floor(Math.log10(raw));
  const scaled = raw / power;
  const nice = scaled <= 1 ? 1 : scaled <= 2 ? 2 : scaled <= 5 ? 5 : 10;
  return nice * power;
}

function trimTick(v: number): string {
  return String(Number(v.toPrecision(6)));
}

interface Frame {
  fromMs: number;
  toMs: number;
  deployedMs: number;
  x: (ms: number) => number;
  plotLeft: number;
  plotRight: number;
}

function frame(report: HandoffReport): Frame {
  const fromMs = Date.parse(report.window.from);
  const toMs = Math.max(Date.parse(report.window.to), fromMs + 1);
  const plotLeft = PAD.left;
  const plotRight = WIDTH - PAD.right;
  return {
    fromMs,
    toMs,
    deployedMs: Date.parse(report.deployment.deployedAt),
    plotLeft,
    plotRight,
    x: (ms) => plotLeft + ((Math.min(Math.max(ms, fromMs), toMs) - fromMs) / (toMs - fromMs)) * (plotRight - plotLeft),
  };
}

const px = (n: number): string => n.toFixed(1);

/** Time ticks every 6 h (12 h or a day for long windows), labelled as offsets from T+0. */
function timeAxis(f: Frame, top: number, bottom: number): string {
  const spanHours = (f.toMs - f.fromMs) / 3_600_000;
  const every = (spanHours <= 72 ? 6 : spanHours <= 144 ? 12 : 24) * 3_600_000;
  const first = f.deployedMs + Math.ceil((f.fromMs - f.deployedMs) / every) * every;
  const out: string[] = [];
  for (let t = first; t <= f.toMs; t += every) {
    const x = px(f.x(t));
    const hours = Math.round((t - f.deployedMs) / 3_600_000);
    const date = new Date(t).toISOString();
    out.push(
      `<line class="grid" x1="${x}" x2="${x}" y1="${top}" y2="${bottom}"/>`,
      `<text class="tick" x="${x}" y="${bottom + 14}" text-anchor="middle">T+${hours}h</text>`,
      `<text class="tick sub" x="${x}" y="${bottom + 27}" text-anchor="middle">${date.slice(5, 10)} ${date.slice(11, 16)}</text>`,
    );
  }
  return out.join('');
}

function incidentClass(i: ReportIncident): string {
  if (i.priority === 'P0' || i.priority === 'P1') return 'critical';
  if (i.priority === 'P4') return 'info';
  return 'warning';
}

function incidentBands(report: HandoffReport, f: Frame, top: number, bottom: number): string {
  return report.incidents
    .map((i) => {
      const x1 = f.x(Date.parse(i.startedAt));
      const x2 = Math.max(f.x(Date.parse(i.resolvedAt ?? report.window.to)), x1 + 2);
      const title = `#${i.number} ${i.alert} (${i.priority}) ${formatTime(i.startedAt)} – ${i.resolvedAt ? formatTime(i.resolvedAt) : 'unresolved'}`;
      return (
        `<g class="incident ${incidentClass(i)}" data-incident="${i.number}"><title>${e(title)}</title>` +
        `<rect x="${px(x1)}" y="${top}" width="${px(x2 - x1)}" height="${bottom - top}"/>` +
        `<text x="${px(x1 + 2)}" y="${top + 11}">#${i.number}</text></g>`
      );
    })
    .join('');
}

function extensionLines(report: HandoffReport, f: Frame, top: number, bottom: number): string {
  return report.window.extensions
    .map((x) => {
      const at = px(f.x(Date.parse(x.from)));
      return `<g class="extension"><line x1="${at}" x2="${at}" y1="${top}" y2="${bottom}"/><text x="${at}" y="${top - 4}" text-anchor="middle">extension ${x.extension}</text></g>`;
    })
    .join('');
}

function chartSvg(report: HandoffReport, chart: ReportChart, f: Frame): string {
  const top = PAD.top;
  const bottom = HEIGHT - PAD.bottom;
  const { factor, suffix } = display(chart.unit);
  const values = chart.lines.flatMap((l) => l.points.map(([, v]) => v * factor));
  const markerValues = chart.markers.map((m) => m.value * factor);
  const thresholdValue = chart.threshold ? chart.threshold.value * factor : null;
  const all = [...values, ...markerValues, ...(thresholdValue === null ? [] : [thresholdValue])];
  let lo = chart.yMin === null ? Math.min(0, ...all) : chart.yMin * factor;
  let hi = chart.yMax === null ? Math.max(...all, lo + 1e-9) * 1.1 : chart.yMax * factor;
  if (!(hi > lo)) hi = lo + 1;
  const step = niceStep(hi - lo, 5);
  lo = Math.floor(lo / step) * step;
  hi = Math.ceil(hi / step) * step;
  const y = (v: number): number => bottom - ((Math.min(Math.max(v, lo), hi) - lo) / (hi - lo)) * (bottom - top);

  const parts: string[] = [];
  for (let v = lo; v <= hi + step / 2; v += step) {
    parts.push(
      `<line class="grid" x1="${f.plotLeft}" x2="${f.plotRight}" y1="${px(y(v))}" y2="${px(y(v))}"/>`,
      `<text class="tick" x="${f.plotLeft - 6}" y="${px(y(v) + 4)}" text-anchor="end">${trimTick(v)}${suffix}</text>`,
    );
  }
  parts.push(timeAxis(f, top, bottom));
  parts.push(incidentBands(report, f, top, bottom));
  parts.push(extensionLines(report, f, top, bottom));
  if (thresholdValue !== null && chart.threshold) {
    const ty = px(y(thresholdValue));
    parts.push(
      `<line class="threshold" x1="${f.plotLeft}" x2="${f.plotRight}" y1="${ty}" y2="${ty}"/>`,
      `<text class="threshold-label" x="${f.plotRight + 6}" y="${px(y(thresholdValue) + 4)}">${e(chart.threshold.label)}</text>`,
    );
  }
  const gapMs = report.chartStepSeconds * 1000 * 1.5;
  chart.lines.forEach((line, index) => {
    const color = colorOf(line.key, index);
    const coords = line.points.map(([at, v]) => ({ t: Date.parse(at), x: f.x(Date.parse(at)), y: y(v * factor) }));
    if (coords.length === 0) return;
    const d = coords.map((c, i) => `${i === 0 || c.t - coords[i - 1]!.t > gapMs ? 'M' : 'L'}${px(c.x)},${px(c.y)}`).join(' ');
    parts.push(`<path class="series" data-series="${e(line.key)}" data-points="${coords.length}" stroke="${color}" d="${d}"/>`);
    // A lone point draws nothing as a path: give it a dot.
    if (coords.length === 1) parts.push(`<circle class="dot" cx="${px(coords[0]!.x)}" cy="${px(coords[0]!.y)}" r="3" fill="${color}"/>`);
  });
  for (const m of chart.markers) {
    parts.push(
      `<circle class="run ${m.ok ? 'ok' : 'bad'}" cx="${px(f.x(Date.parse(m.at)))}" cy="${px(y(m.value * factor))}" r="4"><title>${e(m.label)}</title></circle>`,
    );
  }
  parts.push(`<rect class="frame" x="${f.plotLeft}" y="${top}" width="${f.plotRight - f.plotLeft}" height="${bottom - top}"/>`);
  if (chart.note) {
    parts.push(`<text class="no-data" x="${(f.plotLeft + f.plotRight) / 2}" y="${(top + bottom) / 2}" text-anchor="middle">${e(chart.note)}</text>`);
  }
  const label = `${chart.title}: ${chart.note ?? `${chart.lines.length} series`}`;
  return `<svg class="chart" data-chart="${e(chart.id)}" viewBox="0 0 ${WIDTH} ${HEIGHT}" width="100%" role="img" aria-label="${e(label)}" xmlns="http://www.w3.org/2000/svg">${parts.join('')}</svg>`;
}

/** Health per checkpoint interval and every incident as a bar: the window at a glance. */
function timelineSvg(report: HandoffReport, f: Frame): string {
  const rowHeight = 22;
  const top = 22;
  const rows = report.incidents.length;
  const bottom = top + rowHeight * (rows + 1) + 6;
  const height = bottom + PAD.bottom;
  const parts: string[] = [timeAxis(f, top, bottom)];
  parts.push(`<text class="row-label" x="${f.plotLeft - 6}" y="${top + 15}" text-anchor="end">health</text>`);
  for (const span of report.healthTimeline) {
    const x1 = f.x(Date.parse(span.from));
    const x2 = Math.max(f.x(Date.parse(span.to)), x1 + 1);
    parts.push(
      `<rect class="health" data-health="${span.health}" x="${px(x1)}" y="${top + 3}" width="${px(x2 - x1)}" height="${rowHeight - 6}" fill="${HEALTH_COLORS[span.health]}"><title>${e(`${span.health}: ${formatTime(span.from)} – ${formatTime(span.to)} (${span.checkpoints} checkpoint${span.checkpoints === 1 ? '' : 's'})`)}</title></rect>`,
    );
  }
  report.incidents.forEach((i, n) => {
    const rowTop = top + rowHeight * (n + 1);
    const x1 = f.x(Date.parse(i.startedAt));
    const x2 = Math.max(f.x(Date.parse(i.resolvedAt ?? report.window.to)), x1 + 3);
    parts.push(
      `<g class="incident-bar ${incidentClass(i)}" data-incident="${i.number}"><title>${e(`#${i.number} ${i.alert} (${i.priority}): ${i.resolution}`)}</title>` +
        `<rect x="${px(x1)}" y="${rowTop + 3}" width="${px(x2 - x1)}" height="${rowHeight - 6}"/>` +
        `<path class="marker" d="M${px(x1)},${rowTop + 2} l-5,-0 l5,9 l5,-9 z"/>` +
        `<text class="row-label" x="${f.plotLeft - 6}" y="${rowTop + 15}" text-anchor="end">#${i.number} ${e(i.priority)}</text>` +
        `<text class="bar-label" x="${px(Math.min(x2 + 6, f.plotRight - 4))}" y="${rowTop + 15}" text-anchor="${x2 + 6 > f.plotRight - 120 ? 'end' : 'start'}">${e(i.alert)}</text></g>`,
    );
  });
  parts.push(extensionLines(report, f, top, bottom));
  parts.push(`<rect class="frame" x="${f.plotLeft}" y="${top}" width="${f.plotRight - f.plotLeft}" height="${bottom - top}"/>`);
  return `<svg class="chart timeline" data-chart="timeline" viewBox="0 0 ${WIDTH} ${height}" width="100%" role="img" aria-label="Health and incidents over the window" xmlns="http://www.w3.org/2000/svg">${parts.join('')}</svg>`;
}

function legend(chart: ReportChart): string {
  const items = chart.lines.map((l, i) => `<span><i style="background:${colorOf(l.key, i)}"></i>${e(l.title)}</span>`);
  if (chart.threshold) items.push(`<span><i class="dash"></i>${e(chart.threshold.label)}</span>`);
  if (chart.markers.length) items.push(`<span><i class="round"></i>monitor test run</span>`);
  return `<div class="legend">${items.join('')}</div>`;
}

const badge = (state: string): string => `<span class="badge ${e(state)}">${e(state)}</span>`;

function table(head: string[], rows: string[][], cls = ''): string {
  const th = head.map((h) => `<th>${h}</th>`).join('');
  const body = rows.map((r) => `<tr>${r.map((c) => `<td>${c}</td>`).join('')}</tr>`).join('');
  return `<table${cls ? ` class="${cls}"` : ''}><thead><tr>${th}</tr></thead><tbody>${body}</tbody></table>`;
}

const CSS = `
:root{--fg:#1d2430;--muted:#5c6675;--line:#d8dde5;--bg:#fff;--soft:#f5f7fa;--ok:#2e7d32;--bad:#c62828;--warn:#b26a00}
*{box-sizing:border-box}body{margin:0;font:14px/1.45 -apple-system,"Segoe UI",Roboto,"Helvetica Neue",Arial,sans-serif;color:var(--fg);background:var(--bg)}
main{max-width:1180px;margin:0 auto;padding:24px 28px 48px}
h1{font-size:24px;margin:0 0 4px}h2{font-size:18px;margin:32px 0 10px;padding-bottom:4px;border-bottom:1px solid var(--line)}h3{font-size:15px;margin:18px 0 6px}
.meta{color:var(--muted);margin:0 0 14px}.headline{font-size:16px;padding:12px 16px;border-radius:6px;margin:12px 0 16px}
.headline.pass{background:#e8f5e9;border-left:5px solid var(--ok)}.headline.fail{background:#fdecea;border-left:5px solid var(--bad)}
.cards{display:grid;grid-template-columns:repeat(auto-fit,minmax(160px,1fr));gap:10px}.card{background:var(--soft);border-radius:6px;padding:10px 12px}
.card b{display:block;font-size:20px}.card span{color:var(--muted);font-size:12px}
table{border-collapse:collapse;width:100%;margin:6px 0 10px}th,td{border-bottom:1px solid var(--line);padding:5px 8px;text-align:left;vertical-align:top}
th{background:var(--soft);font-weight:600}td.num{white-space:nowrap}.detail{color:var(--muted);font-size:12.5px}
.badge{display:inline-block;border-radius:10px;padding:1px 8px;font-size:12px;font-weight:600;color:#fff;white-space:nowrap}
.badge.passed,.badge.done{background:var(--ok)}.badge.failed{background:var(--bad)}.badge.inconclusive,.badge.recommended{background:var(--warn)}.badge.todo{background:#546e7a}
figure{margin:8px 0 12px}figcaption{font-weight:600;margin-bottom:2px}
svg.chart{display:block;background:#fff;font-size:11px}
svg .grid{stroke:#eceff3;stroke-width:1}svg .frame{fill:none;stroke:#b8c0cc}svg .tick{fill:#5c6675}svg .tick.sub{fill:#8a93a0;font-size:10px}
svg .series{fill:none;stroke-width:2;stroke-linejoin:round;stroke-linecap:round}
svg .threshold{stroke:#444;stroke-width:1.2;stroke-dasharray:6 4}svg .threshold-label{fill:#444}
svg .incident rect{fill:#e53935;fill-opacity:.13}svg .incident.warning rect{fill:#fb8c00}svg .incident.info rect{fill:#78909c}svg .incident text{fill:#b71c1c;font-size:10px}
svg .incident-bar rect{fill:#e53935}svg .incident-bar.warning rect{fill:#fb8c00}svg .incident-bar.info rect{fill:#78909c}svg .incident-bar .marker{fill:#333}
svg .row-label,svg .bar-label{fill:#333}svg .extension line{stroke:#6a1b9a;stroke-width:1.5;stroke-dasharray:3 3}svg .extension text{fill:#6a1b9a}
svg .run{stroke:#fff;stroke-width:1}svg .run.ok{fill:#1b5e20}svg .run.bad{fill:#b71c1c}svg .no-data{fill:#8a93a0;font-size:14px}
.legend{display:flex;flex-wrap:wrap;gap:14px;color:var(--muted);font-size:12px;margin:2px 0 0 72px}.legend i{display:inline-block;width:18px;height:4px;margin-right:5px;vertical-align:middle}
.legend i.dash{border-top:2px dashed #444;height:0}.legend i.round{width:8px;height:8px;border-radius:50%;background:#1b5e20}
.incident-card{border:1px solid var(--line);border-radius:6px;padding:10px 14px;margin:10px 0}.incident-card h3{margin:0 0 6px}
ol.timeline{margin:6px 0 0;padding-left:20px;color:var(--muted);font-size:12.5px}ul{margin:6px 0;padding-left:20px}
.signoff td{height:34px}@media print{main{padding:0}h2{break-after:avoid}figure,.incident-card{break-inside:avoid}}
`;

export function renderHtml(report: HandoffReport): string {
  const f = frame(report);
  const d = report.deployment;
  const cp = report.checkpoints;
  const unresolved = report.incidents.filter((i) => i.status !== 'resolved').length;
  const passedCount = report.criteria.filter((c) => c.passed).length;
  const cards = [
    [`${formatHours(report.window.hours)}`, `window${report.window.extensions.length ? ` (${report.window.extensions.length} extension${report.window.extensions.length === 1 ? '' : 's'})` : ''}`],
    [`${passedCount}/${report.criteria.length}`, 'success criteria met'],
    [`${cp.run}/${cp.planned}`, `checkpoints run: ${cp.passed} passed, ${cp.failed} failed, ${cp.inconclusive} inconclusive`],
    [`${report.incidents.length}`, `incidents (${unresolved} unresolved)`],
    [`${report.rollback ? 1 : 0}`, 'rollbacks'],
    [`${report.knownIssues.length}`, 'known issues'],
  ];
  const offset = (at: string | null): string => (at ? `${e(formatTime(at))} <span class="detail">${e(formatOffset(at, d.deployedAt))}</span>` : '–');

  const sections: string[] = [];
  sections.push(
    `<h1>${e(report.title)}</h1>`,
    `<p class="meta">Plan ${e(report.planName)} · deployed ${e(formatTime(d.deployedAt))} · window ${e(formatTime(report.window.from))} → ${e(formatTime(report.window.to))} · generated ${e(formatTime(report.generatedAt))}</p>`,
    `<div class="headline ${report.allCriteriaPassed ? 'pass' : 'fail'}">${e(report.headline)}</div>`,
    `<div class="cards">${cards.map(([b, s]) => `<div class="card"><b>${e(b!)}</b><span>${e(s!)}</span></div>`).join('')}</div>`,
  );

  sections.push(`<h2>The window at a glance</h2>`, `<figure><figcaption>Health and incidents</figcaption>${timelineSvg(report, f)}</figure>`);
  for (const chart of report.charts) {
    sections.push(`<figure><figcaption>${e(chart.title)}</figcaption>${chartSvg(report, chart, f)}${legend(chart)}</figure>`);
  }

  sections.push(
    `<h2>Success criteria</h2>`,
    `<p class="detail">Judged over ${e(formatTime(report.window.criteriaFrom))} → ${e(formatTime(report.window.criteriaTo))}. "Sustained" criteria hold in every measurement window, not on average.</p>`,
    table(
      ['Criterion', 'Result', 'Value', 'Threshold', 'Worst at', 'Detail'],
      report.criteria.map((c) => [
        e(c.title),
        badge(criterionState(c)),
        `<span class="num">${e(formatCriterionValue(c.id, c.value))}</span>`,
        e(c.threshold),
        offset(c.worstAt),
        `<span class="detail">${e(c.detail)}</span>`,
      ]),
      'criteria',
    ),
  );
  if (report.earlierJudgements.length) {
    sections.push(
      `<h3>Earlier judgements</h3>`,
      table(
        ['Period', 'From', 'To', 'Result', 'Not met'],
        report.earlierJudgements.map((j) => [j.extension === 0 ? 'initial window' : `extension ${j.extension}`, offset(j.from), offset(j.to), badge(j.passed ? 'passed' : 'failed'), e(j.failed.join(', ') || '–')]),
      ),
    );
  }

  sections.push(`<h2>Incidents</h2>`);
  if (report.incidents.length === 0) sections.push('<p>No incidents during the window.</p>');
  for (const i of report.incidents) {
    sections.push(
      `<div class="incident-card" id="incident-${i.number}"><h3>#${i.number} ${e(i.alert)} · ${e(i.priority)} · <span class="badge ${i.status === 'resolved' ? 'done' : 'failed'}">${e(i.status)}</span></h3>`,
      `<p>${e(i.summary)}</p>`,
      table(
        ['Started', 'Detected', 'Resolved', 'Duration', 'Escalated to', 'Runbook'],
        [[offset(i.startedAt), `${offset(i.detectedAt)} <span class="detail">(+${e(formatMinutes(i.minutesToDetect))})</span>`, offset(i.resolvedAt), e(formatMinutes(i.durationMinutes)), e(i.escalatedTo.join(' → ') || '–'), link(i.runbook, 'runbook')]],
      ),
      `<p><b>Resolution:</b> ${e(i.resolution)}</p>`,
      `<ol class="timeline">${i.timeline.map((t) => `<li>${e(formatTime(t.at))} — ${e(t.event)}${t.detail ? `: ${e(t.detail)}` : ''}</li>`).join('')}</ol></div>`,
    );
  }
  if (report.rollback) {
    const r = report.rollback;
    sections.push(`<p><b>Rollback</b> at ${offset(r.at)} by ${e(r.actor)}: ${e(r.reason)} (${r.inProgress ? 'in progress' : r.ok ? 'completed' : 'failed'}; ${e(r.detail)})</p>`);
  }

  sections.push(
    `<h2>New baseline values</h2>`,
    `<p class="detail">Window averages over the measurement windows with data.</p>`,
    table(
      ['Metric', 'Previous baseline', 'New baseline', 'Change', 'Data coverage'],
      report.baselines.map((b) => [e(b.title), e(formatValue(b.previous, b.unit)), `<b>${e(formatValue(b.value, b.unit))}</b>`, e(signedPercent(b.changePercent)), `${Math.round(b.coverage * 100)}%`]),
    ),
  );

  sections.push(`<h2>Known issues</h2>`);
  sections.push(
    report.knownIssues.length
      ? table(['Issue', 'Kind', 'Since', 'Detail'], report.knownIssues.map((k) => [e(k.title), e(k.kind), offset(k.since), `<span class="detail">${e(k.detail)}</span>`]))
      : '<p>None.</p>',
  );

  sections.push(
    `<h2>BAU action items</h2>`,
    table(['Item', 'Group', 'Status', 'Detail'], report.actionItems.map((a) => [e(a.title), e(a.group), badge(a.status), `<span class="detail">${e(a.detail)}</span>`])),
    `<h2>BAU monitoring schedule</h2>`,
    table(['What', 'Cadence', 'Automated', 'Detail'], report.bauSchedule.map((b) => [e(b.title), e(b.cadence), b.automated ? 'yes' : 'no (reminder)', e(b.detail)])),
  );

  if (report.reviews.length) {
    sections.push(`<h2>Interim reviews</h2>`, table(['At', 'Review', 'Summary'], report.reviews.map((r) => [offset(r.at), e(r.label), e(r.text)])));
  }

  const notPassed = cp.list.filter((c) => c.status !== 'passed');
  sections.push(
    `<h2>Checkpoints</h2>`,
    `<p>${cp.run} of ${cp.planned} run: ${cp.passed} passed, ${cp.failed} failed, ${cp.inconclusive} inconclusive${cp.pending ? `, ${cp.pending} not run` : ''}.</p>`,
    notPassed.length
      ? table(['Checkpoint', 'At', 'Status', 'Health', 'Notes'], notPassed.map((c) => [`${e(c.label)} ${e(c.title)}`, offset(c.at), badge(c.status === 'pending' ? 'todo' : c.status), e(c.health ?? '–'), `<span class="detail">${e(c.notes.join('; ') || '–')}</span>`]))
      : '',
  );

  sections.push(
    `<h2>Sign-off</h2>`,
    `<p>Required before the deployment leaves the monitoring window: ${report.signOff.required.map((r) => e(r.title)).join(' + ')}.</p>`,
    table(['Role', 'Signed by', 'At', 'Note'], report.signOff.required.map((r) => [e(r.title), e(r.signedBy ?? ''), r.signedAt ? offset(r.signedAt) : '', e(r.note ?? '')]), 'signoff'),
  );

  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${e(report.title)}</title>
<style>${CSS}</style>
</head>
<body>
<main>
${sections.join('\n')}
</main>
</body>
</html>
`;
}
