// A robust linear trend (iteratively reweighted least squares with Tukey's bisquare), so one
// spike does not make a resource look as if it grows.
import { DAY_SECONDS } from '../duration.js';
import { MIN_TREND_POINTS } from './evidence.js';
import { median } from '../anomaly.js';

export interface Trend {
  /** Slope of the trend line (robust regression), in the value's unit per day. */
  slopePerDay: number;
  /** The trend line's level at the middle of the window. */
  level: number;
  /** Slope relative to that level, in percent per day. */
  growthPercentPerDay: number;
  /** The trend line at the first and last point. */
  fittedStart: number;
  fittedEnd: number;
  /** True when a daily cycle was fitted alongside the line (windows of a day or more). */
  dailyCycleRemoved: boolean;
}

/** Solves the square system a·x = b by Gaussian elimination with partial pivoting; null if singular. */
function solve(a: number[][], b: number[]): number[] | null {
  const n = b.length;
  const m = a.map((row, i) => [...row, b[i]!]);
  for (let col = 0; col < n; col++) {
    let pivot = col;
    for (let r = col + 1; r < n; r++) if (Math.abs(m[r]![col]!) > Math.abs(m[pivot]![col]!)) pivot = r;
    if (Math.abs(m[pivot]![col]!) < 1e-12) return null;
    [m[col], m[pivot]] = [m[pivot]!, m[col]!];
    for (let r = 0; r < n; r++) {
      if (r === col) continue;
      const f = m[r]![col]! / m[col]![col]!;
      for (let c = col; c <= n; c++) m[r]![c]! -= f * m[col]![c]!;
    }
  }
  return m.map((row, i) => row[n]! / row[i]!);
}

/** Weighted least squares of `ys` on the columns of `rows` (each row one point); null if degenerate. */
function leastSquares(rows: number[][], ys: number[], weights: number[]): number[] | null {
  const k = rows[0]!.length;
  const ata = Array.from({ length: k }, (_, i) => Array.from({ length: k }, (_, j) => rows.reduce((s, r, n) => s + weights[n]! * r[i]! * r[j]!, 0)));
  const aty = Array.from({ length: k }, (_, i) => rows.reduce((s, r, n) => s + weights[n]! * r[i]! * ys[n]!, 0));
  return solve(ata, aty);
}

/** Tukey's bisquare constant: 95% efficiency on normal noise. */
const BISQUARE = 4.685;

const ROBUST_ITERATIONS = 20;

/**
 * Robust regression (iteratively reweighted least squares, Tukey's bisquare): points far from
 * the fit (a two-hour spike) lose their weight, so they cannot tilt the line.
 */
function robustFit(rows: number[][], ys: number[]): number[] | null {
  let weights = ys.map(() => 1);
  let fit = leastSquares(rows, ys, weights);
  for (let iteration = 0; fit && iteration < ROBUST_ITERATIONS; iteration++) {
    const current = fit;
    const residuals = rows.map((r, n) => ys[n]! - r.reduce((s, x, i) => s + x * current[i]!, 0));
    const scale = median(residuals.map(Math.abs)) / 0.6745;
    // Most points on the fit exactly: the rest are outliers.
    const next = scale < 1e-9 ? residuals.map((r) => (Math.abs(r) < 1e-9 ? 1 : 0)) : residuals.map((r) => Math.max(0, 1 - (r / (BISQUARE * scale)) ** 2) ** 2);
    if (next.every((w, n) => Math.abs(w - weights[n]!) < 1e-6)) break;
    weights = next;
    fit = leastSquares(rows, ys, weights);
  }
  return fit;
}

/**
 * The trend of a resource over the window; null with fewer than MIN_TREND_POINTS. A robust line,
 * fitted together with a daily cycle over windows of a day or more, so neither traffic's daily
 * rhythm nor a short spike reads as a leak.
 */
export function trend(pts: ReadonlyArray<{ atMs: number; value: number }>): Trend | null {
  if (pts.length < MIN_TREND_POINTS) return null;
  const days = pts.map((p) => p.atMs / 1000 / DAY_SECONDS);
  const mid = (days[0]! + days[days.length - 1]!) / 2;
  const spanDays = days[days.length - 1]! - days[0]!;
  if (spanDays <= 0) return null;
  // The points tile the window, so they cover one step more than first-to-last.
  const coveredDays = (spanDays * pts.length) / (pts.length - 1);
  const daily = coveredDays >= 1 - 1e-9 && pts.length >= 6;
  const rows = days.map((d) => (daily ? [1, d - mid, Math.sin(2 * Math.PI * d), Math.cos(2 * Math.PI * d)] : [1, d - mid]));
  const fit = robustFit(
    rows,
    pts.map((p) => p.value),
  );
  if (!fit) return null;
  const [level, slopePerDay] = fit as [number, number];
  // Relative to the level, so 10%/day means the same for a 20% disk and a 70% memory.
  const growthPercentPerDay = level === 0 ? 0 : (slopePerDay / Math.abs(level)) * 100;
  return {
    slopePerDay,
    level,
    growthPercentPerDay,
    fittedStart: level + slopePerDay * (days[0]! - mid),
    fittedEnd: level + slopePerDay * (days[days.length - 1]! - mid),
    dailyCycleRemoved: daily,
  };
}
