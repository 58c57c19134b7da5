// The report's charts: each SLO over the window, with its limits and the incidents marked.
import { formatDuration } from '../plan/duration.js';
import { formatValue } from './format.js';
import type { ReportChart, ReportInput, ChartMarker, SeriesLine } from './model.js';

function niceFloor(value: number): number {
  return Math.max(0, Math.floor(value));
}

export function chartsOf(input: ReportInput): ReportChart[] {
  const { criteria, series } = input;
  const line = (key: string): SeriesLine[] => series.lines.filter((l) => l.key === key);
  const note = (lines: SeriesLine[]): string | null => {
    if (lines.length === 0) return 'not measured: the plan has no such SLO';
    if (lines.every((l) => l.points.length === 0)) return lines.map((l) => l.error ?? 'no data in the window').join('; ');
    return null;
  };
  const runs: ChartMarker[] = input.records.flatMap((r) =>
    (r.result?.commands ?? [])
      .filter((c) => c.tests && c.tests.passRate !== null)
      .map((c) => ({ at: r.evaluationTime, value: c.tests!.passRate!, label: `${c.id} at ${r.label}: ${c.tests!.passRate}%`, ok: c.tests!.passRate! >= criteria.testPassRatePercent })),
  );
  const passLines = line('critical/test-pass-rate');
  const passValues = [...passLines.flatMap((l) => l.points.map(([, v]) => v)), ...runs.map((r) => r.value), criteria.testPassRatePercent];
  const resources = series.lines.filter((l) => l.key.startsWith('resources/'));
  const worstOf = `worst ${criteria.measurementWindow} window in each ${formatDuration(series.stepSeconds)}`;
  // A critical SLO against its limit, from zero up.
  const limitChart = (id: 'error-rate' | 'p95-latency', title: string, unit: 'ratio' | 'seconds', limit: number): ReportChart => {
    const lines = line(`critical/${id}`);
    return { id, title: `${title} (${worstOf})`, unit, lines, threshold: { value: limit, label: `limit ${formatValue(limit, unit)}` }, yMin: 0, yMax: null, markers: [], note: note(lines) };
  };
  return [
    limitChart('error-rate', 'Error rate', 'ratio', criteria.errorRateRatio),
    limitChart('p95-latency', 'P95 latency', 'seconds', criteria.p95LatencySeconds),
    {
      id: 'test-pass-rate',
      title: `Test pass rate (${worstOf}; dots: the monitor’s own test runs)`,
      unit: 'percent',
      lines: passLines,
      threshold: { value: criteria.testPassRatePercent, label: `limit ${criteria.testPassRatePercent}%` },
      yMin: niceFloor(Math.min(...passValues) - 1),
      yMax: 100,
      markers: runs,
      note: runs.length ? null : note(passLines),
    },
    {
      id: 'resources',
      title: 'Resources: CPU, memory, disk (busiest host or fullest filesystem)',
      unit: 'percent',
      lines: resources,
      threshold: null,
      yMin: 0,
      yMax: 100,
      markers: [],
      note: note(resources),
    },
  ];
}
