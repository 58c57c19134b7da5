import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { evaluateBreaches, evaluationGrid, type BreachInput, type Sample, type SeriesSamples } from '../src/plan/breaches.js';

const STEP = 15;
const T0 = Date.UTC(2025, 9, 20, 0, 0, 0) / 1000;
const H = 3600;
const M = 60;

/** One sample per step over [from - 1h, to] (so the lookback prefix has data), from `fn(t)`. */
function series(fromSec: number, toSec: number, fn: (t: number) => number | undefined, labels: Record<string, string> = {}): SeriesSamples {
  const samples: Sample[] = [];
  for (let t = fromSec - H; t <= toSec; t += STEP) {
    const v = fn(t);
    if (v !== undefined) samples.push([t, v]);
  }
  return { labels, samples };
}

function input(overrides: Partial<BreachInput> & Pick<BreachInput, 'series'>): BreachInput {
  return {
    alert: 'HighLatencyP95',
    op: '>',
    threshold: 0.2,
    forSeconds: 5 * M,
    stepSeconds: STEP,
    fromMs: (T0 + 3 * H) * 1000,
    toMs: (T0 + 6 * H) * 1000,
    ...overrides,
  };
}

const iso = (sec: number): string => new Date(sec * 1000).toISOString();
const within = (from: number, to: number) => (t: number) => t >= from && t < to;

describe('evaluateBreaches', () => {
  it('reports a breach shorter than `for` as a blip, not firing', { timeout: 60_000 }, () => {
    const blip = within(T0 + 4 * H, T0 + 4 * H + 2 * M);
    const verdict = evaluateBreaches(input({ series: [series(T0 + 3 * H, T0 + 6 * H, (t) => (blip(t) ? 0.5 : 0.1))] }));

    assert.equal(verdict.state, 'ok');
    assert.equal(verdict.blips, 1);
    assert.deepEqual(verdict.breaches, []);
    assert.equal(verdict.worst, 0.5);
    assert.equal(verdict.coverage, 1);
  });

  it('fires when the breach lasts exactly `for`', { timeout: 60_000 }, () => {
    // Samples at start .. start + 5m inclusive: 5 minutes between first and last breaching sample.
    const start = T0 + 4 * H;
    const verdict = evaluateBreaches(input({ series: [series(T0 + 3 * H, T0 + 6 * H, (t) => (t >= start && t <= start + 5 * M ? 0.3 : 0.1))] }));

    assert.equal(verdict.state, 'firing');
    assert.equal(verdict.breaches.length, 1);
    assert.equal(verdict.breaches[0]!.firingAt, iso(start + 5 * M));
    assert.equal(verdict.breaches[0]!.durationSeconds, 5 * M);
  });

  it('does not fire one step short of `for`', { timeout: 60_000 }, () => {
    const start = T0 + 4 * H;
    const verdict = evaluateBreaches(input({ series: [series(T0 + 3 * H, T0 + 6 * H, (t) => (t >= start && t < start + 5 * M ? 0.3 : 0.1))] }));

    assert.equal(verdict.state, 'ok');
    assert.equal(verdict.blips, 1);
  });

  it('finds a 30-minute breach that starts and ends between two 3-hourly checks', { timeout: 60_000 }, () => {
    const start = T0 + 4 * H + 7 * M;
    const end = start + 30 * M;
    const verdict = evaluateBreaches(input({ series: [series(T0 + 3 * H, T0 + 6 * H, (t) => (within(start, end)(t) ? 0.45 : 0.12))] }));

    assert.equal(verdict.state, 'firing');
    assert.equal(verdict.stillFiring, false);
    const [breach] = verdict.breaches;
    assert.ok(breach);
    assert.equal(breach.startedAt, iso(start));
    assert.equal(breach.firingAt, iso(start + 5 * M));
    assert.equal(breach.endedAt, iso(end));
    assert.equal(breach.endReason, 'recovered');
    assert.equal(breach.worst, 0.45);
    assert.equal(breach.startObserved, true);
  });

  it('reports a breach still firing at the end of the interval', { timeout: 60_000 }, () => {
    const start = T0 + 5 * H;
    const verdict = evaluateBreaches(input({ series: [series(T0 + 3 * H, T0 + 6 * H, (t) => (t >= start ? 0.3 : 0.1))] }));

    assert.equal(verdict.state, 'firing');
    assert.equal(verdict.stillFiring, true);
    assert.equal(verdict.breaches[0]!.endedAt, null);
    assert.equal(verdict.breaches[0]!.endReason, null);
  });

  it('reports a breach not yet lasting `for` at the end as pending, not firing', { timeout: 60_000 }, () => {
    const start = T0 + 6 * H - 2 * M;
    const verdict = evaluateBreaches(input({ series: [series(T0 + 3 * H, T0 + 6 * H, (t) => (t >= start ? 0.3 : 0.1))] }));

    assert.equal(verdict.state, 'ok');
    assert.equal(verdict.pendingSince, iso(start));
    assert.equal(verdict.blips, 0);
  });

  it('counts a breach that began before the interval and fires inside it', { timeout: 60_000 }, () => {
    // Began 3 minutes before `from`, lasts 4 more: fires at from + 2m.
    const start = T0 + 3 * H - 3 * M;
    const verdict = evaluateBreaches(input({ series: [series(T0 + 3 * H, T0 + 6 * H, (t) => (within(start, start + 7 * M)(t) ? 0.3 : 0.1))] }));

    assert.equal(verdict.state, 'firing');
    assert.equal(verdict.breaches[0]!.firingAt, iso(start + 5 * M));
  });

  it('leaves a breach that ended at or before `from` to the previous interval', { timeout: 60_000 }, () => {
    const end = T0 + 3 * H;
    const verdict = evaluateBreaches(input({ series: [series(T0 + 3 * H, T0 + 6 * H, (t) => (within(end - 30 * M, end)(t) ? 0.3 : 0.1))] }));

    assert.equal(verdict.state, 'ok');
    assert.equal(verdict.blips, 0);
    assert.deepEqual(verdict.breaches, []);
  });

  it('is inconclusive, never ok, for an empty result', { timeout: 60_000 }, () => {
    const verdict = evaluateBreaches(input({ series: [] }));

    assert.equal(verdict.state, 'inconclusive');
    assert.equal(verdict.coverage, 0);
    assert.equal(verdict.worst, null);
    assert.match(verdict.reason ?? '', /no data/);
  });

  it('is inconclusive for an all-NaN result', { timeout: 60_000 }, () => {
    const verdict = evaluateBreaches(input({ series: [series(T0 + 3 * H, T0 + 6 * H, () => NaN)] }));

    assert.equal(verdict.state, 'inconclusive');
    assert.match(verdict.reason ?? '', /NaN/);
  });

  it('is inconclusive when a gap inside the interval could hide a breach lasting `for`', { timeout: 60_000 }, () => {
    const gap = within(T0 + 4 * H, T0 + 4 * H + 20 * M);
    const verdict = evaluateBreaches(input({ series: [series(T0 + 3 * H, T0 + 6 * H, (t) => (gap(t) ? undefined : 0.1))] }));

    assert.equal(verdict.state, 'inconclusive');
    assert.deepEqual(verdict.blindSpans, [{ from: iso(T0 + 4 * H), to: iso(T0 + 4 * H + 20 * M) }]);
    assert.ok(verdict.coverage < 1 && verdict.coverage > 0.85);
  });

  it('treats NaN inside the interval as unknown too', { timeout: 60_000 }, () => {
    const gap = within(T0 + 4 * H, T0 + 4 * H + 20 * M);
    const verdict = evaluateBreaches(input({ series: [series(T0 + 3 * H, T0 + 6 * H, (t) => (gap(t) ? NaN : 0.1))] }));

    assert.equal(verdict.state, 'inconclusive');
  });

  it('stays ok through a gap too short to hide a breach lasting `for`', { timeout: 60_000 }, () => {
    const gap = within(T0 + 4 * H, T0 + 4 * H + 2 * M);
    const verdict = evaluateBreaches(input({ series: [series(T0 + 3 * H, T0 + 6 * H, (t) => (gap(t) ? undefined : 0.1))] }));

    assert.equal(verdict.state, 'ok');
    assert.ok(verdict.coverage < 1);
  });

  it('breaks a breach at a missing sample, and reports what may hide there', { timeout: 60_000 }, () => {
    // 3m breaching, one sample missing, 3m breaching: neither half lasts 5m, together they might.
    const start = T0 + 4 * H;
    const verdict = evaluateBreaches(
      input({
        series: [series(T0 + 3 * H, T0 + 6 * H, (t) => (t === start + 3 * M ? undefined : within(start, start + 6 * M)(t) ? 0.3 : 0.1))],
      }),
    );

    assert.equal(verdict.state, 'inconclusive');
    assert.equal(verdict.blips, 2);
    assert.deepEqual(verdict.breaches, []);
  });

  it('reports a firing breach ended by missing data as such', { timeout: 60_000 }, () => {
    const start = T0 + 4 * H;
    const verdict = evaluateBreaches(
      input({ series: [series(T0 + 3 * H, T0 + 6 * H, (t) => (t >= start + 10 * M ? undefined : t >= start ? 0.3 : 0.1))] }),
    );

    assert.equal(verdict.state, 'firing');
    assert.equal(verdict.breaches[0]!.endReason, 'no-data');
    assert.equal(verdict.breaches[0]!.endedAt, iso(start + 10 * M));
    assert.equal(verdict.stillFiring, false);
  });

  it('supports `<` (a pass rate below target)', { timeout: 60_000 }, () => {
    const dip = within(T0 + 5 * H, T0 + 5 * H + 6 * M);
    const verdict = evaluateBreaches(
      input({
        alert: 'TestPassRateLow',
        op: '<',
        threshold: 98,
        series: [series(T0 + 3 * H, T0 + 6 * H, (t) => (dip(t) ? 96.5 : 99.6))],
      }),
    );

    assert.equal(verdict.state, 'firing');
    assert.equal(verdict.worst, 96.5);
    assert.equal(verdict.breaches[0]!.startedAt, iso(T0 + 5 * H));
  });

  it('supports `==` (service down) and fires after `for`', { timeout: 60_000 }, () => {
    const down = within(T0 + 4 * H, T0 + 4 * H + 2 * M);
    const verdict = evaluateBreaches(
      input({
        alert: 'GenesisServiceDown',
        op: '==',
        threshold: 0,
        forSeconds: 60,
        series: [series(T0 + 3 * H, T0 + 6 * H, (t) => (down(t) ? 0 : 1))],
      }),
    );

    assert.equal(verdict.state, 'firing');
    assert.equal(verdict.worst, 0);
    assert.equal(verdict.breaches[0]!.firingAt, iso(T0 + 4 * H + 60));
    assert.equal(verdict.breaches[0]!.endedAt, iso(T0 + 4 * H + 2 * M));
  });

  it('evaluates each series apart and merges them, worst across', { timeout: 60_000 }, () => {
    const a = series(T0 + 3 * H, T0 + 6 * H, () => 0.1, { instance: 'a' });
    const b = series(T0 + 3 * H, T0 + 6 * H, (t) => (within(T0 + 4 * H, T0 + 4 * H + 10 * M)(t) ? 0.9 : 0.15), { instance: 'b' });
    const verdict = evaluateBreaches(input({ series: [a, b] }));

    assert.equal(verdict.state, 'firing');
    assert.equal(verdict.worst, 0.9);
    assert.deepEqual(verdict.breaches.map((x) => x.labels), [{ instance: 'b' }]);
  });

  it('does not treat a series that stopped existing while others report as unknown', { timeout: 60_000 }, () => {
    const a = series(T0 + 3 * H, T0 + 6 * H, () => 0.1, { instance: 'a' });
    const b = series(T0 + 3 * H, T0 + 6 * H, (t) => (t < T0 + 4 * H ? 0.1 : undefined), { instance: 'b' });
    const verdict = evaluateBreaches(input({ series: [a, b] }));

    assert.equal(verdict.state, 'ok');
    assert.equal(verdict.coverage, 1);
  });

  it('caps the breaches it lists but counts them all', { timeout: 60_000 }, () => {
    // Breaching 6 of every 10 minutes for 3 hours: 18 firing breaches.
    const flapping = (t: number) => (Math.floor(t / 60) % 10 < 6 ? 0.3 : 0.1);
    const verdict = evaluateBreaches(input({ maxBreaches: 5, series: [series(T0 + 3 * H, T0 + 6 * H, flapping)] }));

    assert.equal(verdict.breaches.length, 5);
    assert.equal(verdict.breachCount, 18);
  });
});

describe('evaluationGrid', () => {
  it('aligns to the step and starts `for` before the interval', { timeout: 60_000 }, () => {
    const grid = evaluationGrid((T0 + 3 * H + 7) * 1000, (T0 + 6 * H + 7) * 1000, 300, 15);

    assert.deepEqual(grid, { startMs: (T0 + 3 * H - 300) * 1000, endMs: (T0 + 6 * H) * 1000 });
  });
});
