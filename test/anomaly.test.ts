import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { findAnomalies, findOscillation, findSpikesAndDrops, median, robustStats } from '../src/plan/anomaly.js';
import type { Sample } from '../src/plan/breaches.js';

const T0 = Date.UTC(2025, 9, 20) / 1000;
const STEP = 15;
const iso = (sec: number): string => new Date(sec * 1000).toISOString();

/** `n` samples every 15 s from T0, values from `fn(i)`. */
function series(n: number, fn: (i: number) => number): Sample[] {
  return Array.from({ length: n }, (_, i) => [T0 + i * STEP, fn(i)] as Sample);
}

/** Deterministic noise in [-1, 1]. */
function noise(i: number): number {
  const x = Math.sin(i * 12.9898) * 43758.5453;
  return 2 * (x - Math.floor(x)) - 1;
}

describe('robust statistics', () => {
  it('computes the median and MAD', { timeout: 60_000 }, () => {
    assert.equal(median([3, 1, 2]), 2);
    assert.equal(median([4, 1, 2, 3]), 2.5);
    assert.ok(Number.isNaN(median([])));
    assert.deepEqual(robustStats([1, 1, 2, 2, 4, 6, 9]), { median: 2, mad: 1 });
  });
});

describe('findSpikesAndDrops', () => {
  it('finds an error spike on a flat zero baseline, with when it began and ended', { timeout: 60_000 }, () => {
    const samples = series(60, (i) => (i >= 30 && i < 35 ? 0.02 : 0));

    const [spike, ...rest] = findSpikesAndDrops('error-rate', samples, { minDeviation: 0.0005 });

    assert.equal(rest.length, 0);
    assert.ok(spike);
    assert.equal(spike.kind, 'spike');
    assert.equal(spike.at, iso(T0 + 30 * STEP));
    assert.equal(spike.endedAt, iso(T0 + 35 * STEP));
    assert.equal(spike.value, 0.02);
    assert.equal(spike.median, 0);
    assert.ok(spike.score >= 5);
  });

  it('ignores wobbles smaller than minDeviation even when MAD is 0', { timeout: 60_000 }, () => {
    const samples = series(60, (i) => (i === 30 ? 0.0004 : 0));

    assert.deepEqual(findSpikesAndDrops('error-rate', samples, { minDeviation: 0.0005 }), []);
  });

  it('does not flag ordinary noise', { timeout: 60_000 }, () => {
    const samples = series(240, (i) => 7.6 + 0.3 * noise(i));

    assert.deepEqual(findAnomalies('throughput', samples, { minDeviation: 0.8 }), []);
  });

  it('finds a throughput drop that is still going on at the end', { timeout: 60_000 }, () => {
    const samples = series(120, (i) => (i >= 110 ? 2 : 7.6 + 0.1 * noise(i)));

    const [drop] = findSpikesAndDrops('throughput', samples, { minDeviation: 0.8 });

    assert.equal(drop?.kind, 'drop');
    assert.equal(drop?.at, iso(T0 + 110 * STEP));
    assert.equal(drop?.endedAt, null);
  });

  it('judges only points from fromSeconds, against a baseline that includes the hour before', { timeout: 60_000 }, () => {
    // The whole interval is elevated: on its own it has nothing unusual; against the baseline it does.
    const samples = series(300, (i) => (i >= 240 ? 0.3 : 0.15));
    const fromSeconds = T0 + 240 * STEP;

    assert.deepEqual(findSpikesAndDrops('p95-latency', samples.slice(240), { minDeviation: 0.1 }), []);
    const [spike] = findSpikesAndDrops('p95-latency', samples, { minDeviation: 0.1, fromSeconds });
    assert.equal(spike?.at, iso(fromSeconds));
    // A spike in the baseline alone is not reported.
    const early = series(300, (i) => (i === 10 ? 5 : 0.15));
    assert.deepEqual(findSpikesAndDrops('p95-latency', early, { minDeviation: 0.1, fromSeconds }), []);
  });

  it('says nothing with too few points, and skips NaN and Inf', { timeout: 60_000 }, () => {
    assert.deepEqual(findSpikesAndDrops('x', series(5, (i) => (i === 4 ? 100 : 0)), { minDeviation: 1 }), []);
    const samples = series(30, (i) => (i % 3 === 0 ? NaN : i === 20 ? 10 : i === 21 ? Infinity : 0));
    const found = findSpikesAndDrops('x', samples, { minDeviation: 1 });
    assert.equal(found.length, 1);
    assert.equal(found[0]!.value, 10);
  });
});

describe('findOscillation', () => {
  it('finds a flapping series by the sign-change rate of its first differences', { timeout: 60_000 }, () => {
    // Up for a minute, down for a minute: every significant move reverses the previous one.
    const samples = series(60, (i) => (Math.floor(i / 4) % 2 === 0 ? 100 : 60));

    const found = findOscillation('uptime-like', samples, { minDeviation: 10 });

    assert.ok(found);
    assert.equal(found.kind, 'oscillation');
    assert.equal(found.score, 1);
    assert.equal(found.value, 40);
    assert.equal(found.endedAt, null);
  });

  it('does not call a ramp, a step or small noise an oscillation', { timeout: 60_000 }, () => {
    assert.equal(findOscillation('ramp', series(60, (i) => i), { minDeviation: 0.5 }), null);
    assert.equal(findOscillation('step', series(60, (i) => (i < 30 ? 0 : 10)), { minDeviation: 1 }), null);
    assert.equal(findOscillation('noise', series(60, (i) => 50 + noise(i)), { minDeviation: 10 }), null);
  });

  it('needs enough reversals', { timeout: 60_000 }, () => {
    const twice = series(60, (i) => (i >= 20 && i < 40 ? 10 : 0));

    assert.equal(findOscillation('bump', twice, { minDeviation: 1 }), null);
  });
});
