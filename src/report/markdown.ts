// The handoff report as Markdown, for the wiki or the change ticket. Charts are in the HTML page;
// here each series gets a one-line sparkline so the shape of the window still shows.
import { criterionState, formatCriterionValue, formatMinutes, formatOffset, formatTime, formatValue, signedPercent } from './format.js';
import type { HandoffReport, ReportChart } from './model.js';

const SPARKS = '▁▂▃▄▅▆▇█';
const SPARK_WIDTH = 48;

/** Table cells: a pipe or a line break would end the cell. */
function cell(text: string): string {
  return text.replace(/\\/g, '\\\\').replace(/\|/g, '\\|').replace(/\r?\n/g, ' ');
}

function row(cells: string[]): string {
  return `| ${cells.map(cell).join(' | ')} |`;
}

function table(head: string[], rows: string[][]): string[] {
  return [row(head), `|${head.map(() => '---').join('|')}|`, ...rows.map(row)];
}

/** The worst value of each stretch, as a block character scaled between the line's min and max. */
function sparkline(values: number[]): string {
  if (values.length === 0) return '';
  const buckets = Math.min(SPARK_WIDTH, values.length);
  const out: number[] = [];
  for (let b = 0; b < buckets; b++) {
    const slice = values.slice(Math.floor((b * values.length) / buckets), Math.floor(((b + 1) * values.length) / buckets));
    out.push(Math.max(...slice));
  }
  const lo = Math.min(...out);
  const hi = Math.max(...out);
  return out.map((v) => SPARKS[hi === lo ? 0 : Math.round(((v - lo) / (hi - lo)) * (SPARKS.length - 1))]).join('');
}

function chartLines(chart: ReportChart): string[] {
  if (chart.note && chart.lines.every((l) => l.points.length === 0)) return [`- **${chart.title}**: ${chart.note}`];
  return chart.lines.map((l) => {
    const values = l.points.map(([, v]) => v);
    const range = values.length ? `${formatValue(Math.min(...values), l.unit)} – ${formatValue(Math.max(...values), l.unit)}` : 'no data';
    return `- **${l.title}** \`${sparkline(values)}\` (${range}${chart.threshold ? `; ${chart.threshold.label}` : ''})`;
  });
}

export function renderMarkdown(report: HandoffReport): string {
  const d = report.deployment;
  const at = (iso: string | null): string => (iso ? `${formatTime(iso)} (${formatOffset(iso, d.deployedAt)})` : '–');
  const cp = report.checkpoints;
  const out: string[] = [];
  out.push(
    `# ${report.title}`,
    '',
    `Plan \`${report.planName}\` · deployed ${formatTime(d.deployedAt)} · generated ${formatTime(report.generatedAt)}`,
    '',
    `> ${report.allCriteriaPassed ? '✅' : '⚠️'} ${report.headline}`,
    '',
    '## 48-hour summary',
    '',
    `- **Window:** ${formatTime(report.window.from)} → ${formatTime(report.window.to)} (${Number(report.window.hours.toFixed(2))} h; planned ${Number(report.window.plannedHours.toFixed(2))} h)`,
    ...report.window.extensions.map((x) => `- **Extension ${x.extension}:** ${formatTime(x.from)} → ${formatTime(x.to)}: ${x.reason}`),
    `- **Checkpoints:** ${cp.run} of ${cp.planned} run: ${cp.passed} passed, ${cp.failed} failed, ${cp.inconclusive} inconclusive${cp.pending ? `, ${cp.pending} not run` : ''}`,
    `- **Incidents:** ${report.incidents.length} (${report.incidents.filter((i) => i.status !== 'resolved').length} unresolved)`,
    `- **Rollbacks:** ${report.rollback ? `1, at ${at(report.rollback.at)}: ${report.rollback.reason}` : '0'}`,
    `- **Success criteria:** ${report.criteria.filter((c) => c.passed).length} of ${report.criteria.length} met`,
    '',
    '### Health timeline',
    '',
    ...(report.healthTimeline.length
      ? table(['From', 'To', 'Health', 'Checkpoints'], report.healthTimeline.map((h) => [at(h.from), at(h.to), h.health, String(h.checkpoints)]))
      : ['No checkpoint results.']),
    '',
    '### The window in series (charts in handoff-report.html)',
    '',
    ...report.charts.flatMap(chartLines),
    '',
    '## Success criteria',
    '',
    `Judged over ${formatTime(report.window.criteriaFrom)} → ${formatTime(report.window.criteriaTo)}; sustained criteria hold in every measurement window, not on average.`,
    '',
    ...table(
      ['Criterion', 'Result', 'Value', 'Threshold', 'Worst at', 'Detail'],
      report.criteria.map((c) => [c.title, criterionState(c), formatCriterionValue(c.id, c.value), c.threshold, at(c.worstAt), c.detail]),
    ),
    '',
  );
  if (report.earlierJudgements.length) {
    out.push(
      '### Earlier judgements',
      '',
      ...table(
        ['Period', 'From', 'To', 'Result', 'Not met'],
        report.earlierJudgements.map((j) => [j.extension === 0 ? 'initial window' : `extension ${j.extension}`, at(j.from), at(j.to), j.passed ? 'passed' : 'failed', j.failed.join(', ') || '–']),
      ),
      '',
    );
  }

  out.push('## Incidents', '');
  if (report.incidents.length === 0) out.push('No incidents during the window.', '');
  for (const i of report.incidents) {
    out.push(
      `### #${i.number} ${i.alert} (${i.priority}, ${i.status})`,
      '',
      i.summary,
      '',
      `- **Started:** ${at(i.startedAt)}`,
      `- **Detected:** ${at(i.detectedAt)} (after ${formatMinutes(i.minutesToDetect)})`,
      `- **Resolved:** ${at(i.resolvedAt)}${i.resolvedBy ? ` by ${i.resolvedBy}` : ''}`,
      `- **Duration:** ${formatMinutes(i.durationMinutes)}`,
      `- **Escalated to:** ${i.escalatedTo.join(' → ') || '–'}${i.acknowledgedBy ? `; acknowledged by ${i.acknowledgedBy}` : ''}`,
      ...(i.runbook ? [`- **Runbook:** ${i.runbook}`] : []),
      `- **Resolution:** ${i.resolution}`,
      '',
      'Timeline:',
      '',
      ...i.timeline.map((t, n) => `${n + 1}. ${formatTime(t.at)} — ${t.event}${t.detail ? `: ${t.detail}` : ''}`),
      '',
    );
  }

  out.push(
    '## New baseline values',
    '',
    ...table(
      ['Metric', 'Previous baseline', 'New baseline', 'Change', 'Data coverage'],
      report.baselines.map((b) => [b.title, formatValue(b.previous, b.unit), formatValue(b.value, b.unit), signedPercent(b.changePercent), `${Math.round(b.coverage * 100)}%`]),
    ),
    '',
    '## Known issues',
    '',
    ...(report.knownIssues.length ? report.knownIssues.map((k) => `- **${k.title}** (${k.kind}${k.since ? `, since ${formatTime(k.since)}` : ''}): ${k.detail}`) : ['None.']),
    '',
    '## BAU action items',
    '',
    ...report.actionItems.map((a) => `- [${a.status === 'done' ? 'x' : ' '}] **${a.title}** (${a.group}, ${a.status}): ${a.detail}`),
    '',
    '## BAU monitoring schedule',
    '',
    ...table(['What', 'Cadence', 'Automated', 'Detail'], report.bauSchedule.map((b) => [b.title, b.cadence, b.automated ? 'yes' : 'no (reminder)', b.detail])),
    '',
  );
  if (report.reviews.length) {
    out.push('## Interim reviews', '', ...report.reviews.map((r) => `- **${r.label}** (${at(r.at)}): ${r.text}`), '');
  }
  const notPassed = cp.list.filter((c) => c.status !== 'passed');
  if (notPassed.length) {
    out.push(
      '## Checkpoints that did not pass',
      '',
      ...table(['Checkpoint', 'At', 'Status', 'Health', 'Notes'], notPassed.map((c) => [`${c.label} ${c.title}`, at(c.at), c.status, c.health ?? '–', c.notes.join('; ') || '–'])),
      '',
    );
  }
  out.push(
    '## Sign-off',
    '',
    `Required: ${report.signOff.required.map((r) => r.title).join(' + ')}.`,
    '',
    ...table(['Role', 'Signed by', 'At', 'Note'], report.signOff.required.map((r) => [r.title, r.signedBy ?? '', r.signedAt ? formatTime(r.signedAt) : '', r.note ?? ''])),
    '',
  );
  return out.join('\n');
}
