// An alert's verdict over a whole interval, judged from range-query samples the way Prometheus's
// `for` works, so a breach that starts and ends between two checkpoints is still found.
// Pure: no I/O, no Temporal. Inputs are epoch ms (samples: Prometheus's epoch seconds); every
// time in a verdict is an ISO-8601 string, as elsewhere in workflow history.
import { iso } from './duration.js';
import type { Comparator } from './schema.js';

/** [epoch seconds, value], as Prometheus returns them (values already parsed; NaN allowed). */
export type Sample = [tsSeconds: number, value: number];

export interface SeriesSamples {
  labels: Record<string, string>;
  samples: Sample[];
}

export type AlertState = 'firing' | 'ok' | 'inconclusive';

export interface Breach {
  /** The breaching series' labels (empty for an aggregate without labels). */
  labels: Record<string, string>;
  /** First breaching sample. */
  startedAt: string;
  /** False when the breach was already under way at the first sample queried. */
  startObserved: boolean;
  /** When Prometheus would have fired it: the first sample at least `for` after the start. */
  firingAt: string;
  lastBreachAt: string;
  /** First sample that no longer breaches (or is missing); null while still breaching at the end. */
  endedAt: string | null;
  endReason: 'recovered' | 'no-data' | null;
  durationSeconds: number;
  /** Null when only a coarse breached/not flag was queried. */
  worst: number | null;
}

export interface BlindSpan {
  from: string;
  to: string;
}

export interface AlertVerdict {
  alert: string;
  state: AlertState;
  from: string;
  to: string;
  stepSeconds: number;
  /** Breaches that were firing at some time in [from, to], earliest first (at most `maxBreaches`). */
  breaches: Breach[];
  breachCount: number;
  /** Breaches that ended in the interval without lasting `for`. */
  blips: number;
  /** Start of a breach still shorter than `for` at the interval's end (the next interval decides it). */
  pendingSince: string | null;
  stillFiring: boolean;
  /** Most alarming value in [from, to] in the comparator's direction; null without data. */
  worst: number | null;
  /** Fraction of the interval's expected samples that are present (and not NaN). */
  coverage: number;
  /** Stretches without data long enough to hide a breach lasting `for`. */
  blindSpans: BlindSpan[];
  /** Why the verdict is inconclusive, in plain English. */
  reason?: string;
}

export interface BreachInput {
  alert: string;
  op: Comparator;
  threshold: number;
  forSeconds: number;
  stepSeconds: number;
  fromMs: number;
  toMs: number;
  series: SeriesSamples[];
  maxBreaches?: number;
  maxBlindSpans?: number;
}

const DEFAULT_MAX_BREACHES = 20;
const DEFAULT_MAX_BLIND_SPANS = 5;

/**
 * The step grid to query for an interval: aligned to multiples of the step (so consecutive
 * intervals share samples) and starting `for` early, so a breach that began before `from` and
 * fires inside the interval is seen whole enough to judge.
 */
export function evaluationGrid(fromMs: number, toMs: number, forSeconds: number, stepSeconds: number): { startMs: number; endMs: number } {
  const stepMs = stepSeconds * 1000;
  const endMs = Math.floor(toMs / stepMs) * stepMs;
  const startMs = Math.min(Math.floor((fromMs - forSeconds * 1000) / stepMs) * stepMs, endMs);
  return { startMs, endMs };
}

export function isBreaching(value: number, op: Comparator, threshold: number): boolean {
  switch (op) {
    case '>':
      return value > threshold;
    case '>=':
      return value >= threshold;
    case '<':
      return value < threshold;
    case '<=':
      return value <= threshold;
    case '==':
      return value === threshold;
    case '!=':
      return value !== threshold;
  }
}

/** The more alarming of two values for this comparator. */
function worse(a: number, b: number, op: Comparator, threshold: number): number {
  switch (op) {
    case '>':
    case '>=':
      return Math.max(a, b);
    case '<':
    case '<=':
      return Math.min(a, b);
    case '==':
      if (a === threshold || b === threshold) return threshold;
      return Math.abs(a - threshold) <= Math.abs(b - threshold) ? a : b;
    case '!=':
      return Math.abs(a - threshold) >= Math.abs(b - threshold) ? a : b;
  }
}

type Status = 'breach' | 'ok' | 'unknown';


/** A verdict that says nothing was learnt, e.g. when the query itself failed. */
export function inconclusiveVerdict(input: Pick<BreachInput, 'alert' | 'fromMs' | 'toMs' | 'stepSeconds'>, reason: string): AlertVerdict {
  return {
    alert: input.alert,
    state: 'inconclusive',
    from: iso(input.fromMs),
    to: iso(input.toMs),
    stepSeconds: input.stepSeconds,
    breaches: [],
    breachCount: 0,
    blips: 0,
    pendingSince: null,
    stillFiring: false,
    worst: null,
    coverage: 0,
    blindSpans: [],
    reason,
  };
}

export function evaluateBreaches(input: BreachInput): AlertVerdict {
  const { op, threshold, fromMs, toMs } = input;
  if (!(input.stepSeconds > 0) || !(input.forSeconds >= 0) || !(toMs >= fromMs)) {
    throw new RangeError(`invalid interval or step for ${input.alert}: from ${fromMs}, to ${toMs}, step ${input.stepSeconds}s, for ${input.forSeconds}s`);
  }
  const stepMs = input.stepSeconds * 1000;
  const forMs = input.forSeconds * 1000;
  // Steps a breach must span to fire: Prometheus fires at the first evaluation >= start + for.
  const forSteps = Math.ceil(forMs / stepMs - 1e-9);
  const { startMs, endMs } = evaluationGrid(fromMs, toMs, input.forSeconds, input.stepSeconds);
  const n = Math.round((endMs - startMs) / stepMs) + 1;
  const at = (i: number): number => startMs + i * stepMs;
  // First grid index inside [from, to]; a shorter interval than a step judges its last sample.
  const first = Math.min(Math.max(0, Math.ceil((fromMs - startMs) / stepMs - 1e-9)), n - 1);

  const grids = input.series.map((s) => {
    const values = new Array<number | undefined>(n).fill(undefined);
    let firstSeen = -1;
    let lastSeen = -1;
    for (const [ts, value] of s.samples) {
      const i = Math.round((ts * 1000 - startMs) / stepMs);
      if (i < 0 || i >= n) continue;
      values[i] = value;
      if (firstSeen < 0) firstSeen = i;
      lastSeen = Math.max(lastSeen, i);
    }
    return { labels: s.labels, values, firstSeen, lastSeen };
  });
  const present = (v: number | undefined): v is number => v !== undefined && !Number.isNaN(v);
  const anyPresent = Array.from({ length: n }, (_, i) => grids.some((g) => present(g.values[i])));

  let covered = 0;
  for (let i = first; i < n; i++) if (anyPresent[i]) covered++;
  const coverage = covered / (n - first);

  if (covered === 0) {
    const what = input.series.length === 0 ? 'no data' : 'only NaN';
    return inconclusiveVerdict(input, `the query returned ${what} for the interval`);
  }

  const found: Breach[] = [];
  const blind = new Map<string, BlindSpan>();
  let blips = 0;
  let pendingSince: number | null = null;
  let stillFiring = false;
  let worst: number | null = null;

  for (const g of grids) {
    // Missing inside a series' lifetime, or when no series answers at all, is unknown: never ok.
    const status: Status[] = g.values.map((v, i) => {
      if (present(v)) return isBreaching(v, op, threshold) ? 'breach' : 'ok';
      if (!anyPresent[i] || (i >= g.firstSeen && i <= g.lastSeen)) return 'unknown';
      return 'ok';
    });
    for (let i = first; i < n; i++) {
      const v = g.values[i];
      if (present(v)) worst = worst === null ? v : worse(worst, v, op, threshold);
    }

    for (let i = 0; i < n; ) {
      if (status[i] !== 'breach') {
        i++;
        continue;
      }
      let j = i;
      let runWorst = g.values[i]!;
      while (j + 1 < n && status[j + 1] === 'breach') {
        j++;
        runWorst = worse(runWorst, g.values[j]!, op, threshold);
      }
      const ongoing = j === n - 1;
      const endedAt = ongoing ? null : at(j + 1);
      const fired = j - i >= forSteps;
      if (fired && (endedAt === null || endedAt > fromMs)) {
        found.push({
          labels: g.labels,
          startedAt: iso(at(i)),
          startObserved: i > 0,
          firingAt: iso(at(i + forSteps)),
          lastBreachAt: iso(at(j)),
          endedAt: endedAt === null ? null : iso(endedAt),
          endReason: ongoing ? null : status[j + 1] === 'unknown' ? 'no-data' : 'recovered',
          durationSeconds: ((j - i) * stepMs) / 1000,
          worst: runWorst,
        });
        if (ongoing) stillFiring = true;
      } else if (!fired && ongoing) {
        pendingSince = pendingSince === null ? at(i) : Math.min(pendingSince, at(i));
      } else if (!fired && endedAt !== null && endedAt > fromMs) {
        blips++;
      }
      i = j + 1;
    }

    // Could a firing breach hide in the unknowns? Only stretches with at least one unknown matter.
    for (let i = 0; i < n; ) {
      if (status[i] === 'ok') {
        i++;
        continue;
      }
      let j = i;
      let unknowns = status[i] === 'unknown' ? 1 : 0;
      while (j + 1 < n && status[j + 1] !== 'ok') {
        j++;
        if (status[j] === 'unknown') unknowns++;
      }
      const reachesInterval = j === n - 1 || at(j + 1) > fromMs;
      if (unknowns > 0 && j - i >= forSteps && reachesInterval) {
        const span = { from: iso(at(i)), to: iso(j === n - 1 ? at(j) : at(j + 1)) };
        blind.set(`${span.from}/${span.to}`, span);
      }
      i = j + 1;
    }
  }

  found.sort((a, b) => a.startedAt.localeCompare(b.startedAt));
  const blindSpans = [...blind.values()].sort((a, b) => a.from.localeCompare(b.from));
  const state: AlertState = found.length > 0 ? 'firing' : blindSpans.length > 0 ? 'inconclusive' : 'ok';
  const verdict: AlertVerdict = {
    alert: input.alert,
    state,
    from: iso(fromMs),
    to: iso(toMs),
    stepSeconds: input.stepSeconds,
    breaches: found.slice(0, input.maxBreaches ?? DEFAULT_MAX_BREACHES),
    breachCount: found.length,
    blips,
    pendingSince: pendingSince === null ? null : iso(pendingSince),
    stillFiring,
    worst,
    coverage,
    blindSpans: blindSpans.slice(0, input.maxBlindSpans ?? DEFAULT_MAX_BLIND_SPANS),
  };
  if (state === 'inconclusive') {
    const span = blindSpans[0]!;
    verdict.reason = `no data from ${span.from} to ${span.to}, long enough to hide a breach lasting ${input.forSeconds}s`;
  }
  return verdict;
}
