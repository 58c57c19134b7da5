// One query's samples over the window, collapsed to one value per grid step (the worst of the
// series), and the runs and spans a criterion's detail names.
import type { Sample, SeriesSamples } from '../breaches.js';
import { iso } from '../duration.js';
import { type WindowData, windowGrid, type WindowGrid } from './evidence.js';

export type Worse = 'above' | 'below';

export interface Point {
  atMs: number;
  value: number;
}

export interface Collapsed {
  /** One slot per grid point: the worst present value across series, or undefined. */
  values: Array<number | undefined>;
  grid: WindowGrid;
  present: number;
}


/** `keepInfinite`: a +Inf P95 (beyond the largest bucket) is a breach, not missing data; averages drop it. */
export function collapse(data: WindowData & { series: SeriesSamples[] }, from: string, to: string, worse: Worse, keepInfinite = false): Collapsed {
  const grid = windowGrid(Date.parse(from), Date.parse(to), data.stepSeconds);
  const stepMs = data.stepSeconds * 1000;
  const values = new Array<number | undefined>(grid.count).fill(undefined);
  for (const s of data.series) {
    for (const [ts, v] of s.samples as Sample[]) {
      if (Number.isNaN(v) || (!keepInfinite && !Number.isFinite(v))) continue;
      // Ten significant digits: PromQL's float noise (0.15000000000003) is not a value.
      const value = Number.isFinite(v) ? Number(v.toPrecision(10)) : v;
      const i = Math.round((ts * 1000 - grid.startMs) / stepMs);
      if (i < 0 || i >= grid.count) continue;
      const seen = values[i];
      values[i] = seen === undefined ? value : worse === 'above' ? Math.max(seen, value) : Math.min(seen, value);
    }
  }
  return { values, grid, present: values.filter((v) => v !== undefined).length };
}

export function timeAt(grid: WindowGrid, i: number): number {
  return grid.startMs + i * grid.stepSeconds * 1000;
}

export function points(c: Collapsed): Point[] {
  const out: Point[] = [];
  c.values.forEach((v, i) => {
    if (v !== undefined) out.push({ atMs: timeAt(c.grid, i), value: v });
  });
  return out;
}

/** Runs of consecutive grid indices for which `test` holds, as [first, last]. */
export function runs(c: Collapsed, test: (v: number | undefined) => boolean): Array<[number, number]> {
  const out: Array<[number, number]> = [];
  c.values.forEach((v, i) => {
    if (!test(v)) return;
    const last = out[out.length - 1];
    if (last && last[1] === i - 1) last[1] = i;
    else out.push([i, i]);
  });
  return out;
}

/** A run as the wall-clock span its windows cover: (start of the first window, end of the last]. */
export function span(c: Collapsed, [first, last]: [number, number]): string {
  return `${iso(timeAt(c.grid, first) - c.grid.stepSeconds * 1000)} to ${iso(timeAt(c.grid, last))}`;
}

export function spansText(c: Collapsed, list: Array<[number, number]>, max = 3): string {
  const shown = list.slice(0, max).map((r) => span(c, r));
  return list.length > max ? `${shown.join('; ')}; and ${list.length - max} more` : shown.join('; ');
}
