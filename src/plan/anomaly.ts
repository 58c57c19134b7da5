// Unusual patterns in a series over one interval (the Genesis monitoring plan's "spikes, drops, oscillations"), with
// simple robust statistics: median/MAD z-scores for spikes and drops, and the sign-change rate of
// first differences for oscillation. Pure: no I/O, no Temporal; samples as Prometheus returns them.
import type { Sample } from './breaches.js';
import type { Anomaly } from './results.js';

export interface AnomalyOptions {
  /**
   * The smallest deviation from the median that is unusual, in the series' unit. Keeps a flat
   * series (MAD 0) from flagging any wobble, and makes "how big is big" the plan's call.
   */
  minDeviation: number;
  /** Robust z-score a point must reach to be a spike or drop (default 5). */
  zThreshold?: number;
  /** Fewer finite points than this say nothing (default 8). */
  minPoints?: number;
  /**
   * Epoch seconds: only points from here on are judged; earlier samples are baseline, so a short
   * interval is compared with the hour before it rather than only with itself.
   */
  fromSeconds?: number;
  /** Sign changes between successive significant first differences needed for oscillation (default 4). */
  minReversals?: number;
  /** Share of significant first differences that reverse direction (default 0.8; white noise gives about 2/3). */
  oscillationRate?: number;
}

/** 1.4826 × MAD estimates the standard deviation of normal data. */
const MAD_TO_SIGMA = 1.4826;

export function median(values: readonly number[]): number {
  if (values.length === 0) return NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

/** Median and median absolute deviation. */
export function robustStats(values: readonly number[]): { median: number; mad: number } {
  const m = median(values);
  return { median: m, mad: median(values.map((v) => Math.abs(v - m))) };
}

const isoOfSeconds = (tsSeconds: number): string => new Date(tsSeconds * 1000).toISOString();
const round = (v: number): number => Math.round(v * 1e6) / 1e6;

function finite(samples: readonly Sample[]): Sample[] {
  return samples.filter(([, v]) => Number.isFinite(v));
}

/**
 * The most extreme spike (above the median) and drop (below it), if any reaches `zThreshold`.
 * Median and MAD come from every sample, baseline included. `at` is when the run of unusual
 * points around the extreme began (within the judged points), `value` the extreme itself.
 * The scale is max(1.4826·MAD, minDeviation / zThreshold), so a point is unusual only when it is
 * both far in robust terms and at least `minDeviation` away; the score stays finite when MAD is 0.
 */
export function findSpikesAndDrops(series: string, samples: readonly Sample[], options: AnomalyOptions): Anomaly[] {
  const points = finite(samples);
  const zThreshold = options.zThreshold ?? 5;
  if (points.length < (options.minPoints ?? 8) || !(options.minDeviation > 0)) return [];
  const { median: m, mad } = robustStats(points.map(([, v]) => v));
  const scale = Math.max(MAD_TO_SIGMA * mad, options.minDeviation / zThreshold);
  const z = (i: number): number => (points[i]![1] - m) / scale;
  let spike: number | undefined;
  let drop: number | undefined;
  points.forEach(([t], i) => {
    if (t < (options.fromSeconds ?? -Infinity)) return;
    if (z(i) >= zThreshold && (spike === undefined || z(i) > z(spike))) spike = i;
    if (-z(i) >= zThreshold && (drop === undefined || z(i) < z(drop))) drop = i;
  });
  const out: Anomaly[] = [];
  for (const [kind, index, sign] of [['spike', spike, 1], ['drop', drop, -1]] as const) {
    if (index === undefined) continue;
    // The run of unusual points around the extreme: from when it became unusual to the first
    // point back within the threshold (null while still unusual at the end).
    const from = options.fromSeconds ?? -Infinity;
    let start = index;
    while (start > 0 && points[start - 1]![0] >= from && sign * z(start - 1) >= zThreshold) start--;
    let end = index;
    while (end + 1 < points.length && sign * z(end + 1) >= zThreshold) end++;
    const endedAt = end + 1 < points.length ? isoOfSeconds(points[end + 1]![0]) : null;
    const value = points[index]![1];
    out.push({ series, kind, at: isoOfSeconds(points[start]![0]), endedAt, value: round(value), median: round(m), score: round(sign * z(index)) });
  }
  return out.sort((a, b) => a.at.localeCompare(b.at));
}

/**
 * Flapping: first differences smaller than half of `minDeviation` are flat and skipped; the rest
 * must change sign often (rate ≥ `oscillationRate`) and at least `minReversals` times. `value` is
 * the series' range, `score` the sign-change rate, `at` the first significant move; flapping has
 * no clear end, so `endedAt` is null.
 */
export function findOscillation(series: string, samples: readonly Sample[], options: AnomalyOptions): Anomaly | null {
  const points = finite(samples).filter(([t]) => t >= (options.fromSeconds ?? -Infinity));
  if (points.length < (options.minPoints ?? 8) || !(options.minDeviation > 0)) return null;
  const noise = options.minDeviation / 2;
  const moves: Array<{ at: number; sign: number }> = [];
  for (let i = 1; i < points.length; i++) {
    const d = points[i]![1] - points[i - 1]![1];
    if (Math.abs(d) >= noise) moves.push({ at: points[i - 1]![0], sign: Math.sign(d) });
  }
  if (moves.length < 2) return null;
  let reversals = 0;
  for (let i = 1; i < moves.length; i++) if (moves[i]!.sign !== moves[i - 1]!.sign) reversals++;
  const rate = reversals / (moves.length - 1);
  if (reversals < (options.minReversals ?? 4) || rate < (options.oscillationRate ?? 0.8)) return null;
  const values = points.map(([, v]) => v);
  return {
    series,
    kind: 'oscillation',
    at: isoOfSeconds(moves[0]!.at),
    endedAt: null,
    value: round(Math.max(...values) - Math.min(...values)),
    median: round(median(values)),
    score: round(rate),
  };
}

/** Spikes, drops and oscillation of one series, earliest first. */
export function findAnomalies(series: string, samples: readonly Sample[], options: AnomalyOptions): Anomaly[] {
  const oscillation = findOscillation(series, samples, options);
  return [...findSpikesAndDrops(series, samples, options), ...(oscillation ? [oscillation] : [])].sort((a, b) =>
    a.at.localeCompare(b.at),
  );
}
