// The Genesis monitoring plan's manual-escalation triggers, as thresholds: several P1s at once, the
// pass rate, error rate or availability past a limit. They go straight to the incident commander.
import { isBreaching } from '../breaches.js';
import type { Comparator } from '../schema.js';
import type { Finding } from '../results.js';
import { keySeries } from '../slos.js';
import { fmt, Judgement, MONITOR_HEALTH_ALERTS, names, trigger } from './judgement.js';

interface Extreme {
  value: number;
  source: string;
  /** Measured at the evaluation time (still going on), or only seen earlier in the interval. */
  current: boolean;
  startedAt: string | null;
  endedAt: string | null;
}

function beyond(value: number, op: Comparator, threshold: number): boolean {
  return isBreaching(value, op, threshold);
}

/** The most alarming value among current readings and an alert's interval verdict. */
function extreme(j: Judgement, current: Array<{ value: number | null; source: string }>, verdictName: string | null, op: Comparator, threshold: number): Extreme | null {
  for (const c of current) {
    if (c.value !== null && beyond(c.value, op, threshold)) return { value: c.value, source: c.source, current: true, startedAt: null, endedAt: null };
  }
  const verdict = verdictName ? j.alert(verdictName) : undefined;
  if (!verdict || verdict.worst === null || !beyond(verdict.worst, op, threshold)) return null;
  const breach = verdict.breaches.find((b) => b.worst !== null && beyond(b.worst, op, threshold));
  if (breach) {
    return { value: verdict.worst, source: `${verdictName} over the interval`, current: breach.endedAt === null, startedAt: breach.startedAt, endedAt: breach.endedAt };
  }
  // A blip shorter than the alert's `for`: over by the evaluation time, exact times unknown.
  return { value: verdict.worst, source: `${verdictName} over the interval (a blip)`, current: false, startedAt: null, endedAt: j.at };
}

function triggerFrom(name: string, what: string, x: Extreme, limit: string): Finding {
  return trigger(name, `${what} ${fmt(x.value)} (${x.source}) is beyond the incident commander's threshold ${limit}`, {
    startedAt: x.startedAt,
    endedAt: x.current ? null : x.endedAt,
    worst: x.value,
    evidence: { value: x.value, source: x.source, threshold: limit },
  });
}

/** The Genesis monitoring plan's "escalate to the incident commander if …", computed: P1, straight to the commander. */
export function manualTriggers(j: Judgement): void {
  const { manualTriggers: mt } = j.plan;
  const { observation, roles } = j;

  // Multiple P1 alerts within the window: distinct service alerts seen live or ended within it.
  const windowMs = mt.multipleP1WithinMinutes * 60_000;
  const seen = new Map(j.history.recentP1.map((p) => [p.alert, p.at]));
  for (const f of j.findings) {
    if (f.priority !== 'P1' || f.kind !== 'alert' || MONITOR_HEALTH_ALERTS.has(f.alert)) continue;
    seen.set(f.alert, f.endedAt ?? j.at);
  }
  j.history.recentP1 = [...seen]
    .filter(([, at]) => Date.parse(at) > j.evalMs - windowMs)
    .map(([alert, at]) => ({ alert, at }))
    .sort((a, b) => a.alert.localeCompare(b.alert));
  if (j.history.recentP1.length >= 2) {
    const list = j.history.recentP1.map((p) => p.alert);
    j.findings.push(
      trigger('MultipleP1Alerts', `${list.length} P1 alerts within ${mt.multipleP1WithinMinutes} minutes: ${names(list)}`, {
        worst: list.length,
        evidence: { alerts: names(list, 20), withinMinutes: mt.multipleP1WithinMinutes },
      }),
    );
  } else {
    j.judgedOk.add('MultipleP1Alerts');
  }

  const judge = (name: string, x: Extreme | null, build: (x: Extreme) => Finding, evaluable: boolean): void => {
    if (x) j.findings.push(build(x));
    else if (evaluable) j.judgedOk.add(name);
  };

  const passReading = j.reading(roles.passRate?.id);
  const passCurrent = [
    ...j.junitRuns().map(({ command, tests }) => ({ value: tests.passRate, source: `${command.id} JUnit run` })),
    { value: passReading?.value ?? null, source: 'test pass rate SLO' },
  ];
  const passName = `PassRateBelow${String(mt.passRateBelowPercent).replace('.', '_')}`;
  judge(
    passName,
    extreme(j, passCurrent, 'TestPassRateLow', '<', mt.passRateBelowPercent),
    (x) => triggerFrom(passName, 'test pass rate', x, `${mt.passRateBelowPercent}%`),
    passCurrent.some((c) => c.value !== null),
  );

  const errorReading = j.reading(roles.errorRate?.id);
  const errorName = `ErrorRateAbove${String(mt.errorRateAbove * 100).replace('.', '_')}Percent`;
  judge(
    errorName,
    extreme(j, [{ value: errorReading?.value ?? null, source: 'error rate SLO' }], 'HighErrorRate', '>', mt.errorRateAbove),
    (x) => triggerFrom(errorName, 'error ratio', x, `${mt.errorRateAbove * 100}%`),
    errorReading?.value !== null && errorReading !== undefined,
  );

  const uptime = j.reading(roles.uptime?.id);
  const availabilityName = `AvailabilityBelow${String(mt.availabilityBelowPercent).replace('.', '_')}`;
  judge(
    availabilityName,
    extreme(j, [{ value: uptime?.value ?? null, source: 'service uptime SLO' }], null, '<', mt.availabilityBelowPercent),
    (x) => triggerFrom(availabilityName, 'availability', x, `${mt.availabilityBelowPercent}%`),
    uptime?.value !== null && uptime !== undefined,
  );

  // Unusual patterns: oscillation anywhere, spikes and drops in the direction that hurts.
  const worse = new Map(keySeries(j.plan.slos).map((k) => [k.id, k.worse]));
  const unusual = observation.anomalies.filter(
    (a) => a.kind === 'oscillation' || (a.kind === 'spike' && worse.get(a.series) === 'above') || (a.kind === 'drop' && worse.get(a.series) === 'below'),
  );
  if (unusual.length === 0) {
    if (!observation.prometheusError) j.judgedOk.add('UnusualMetricPattern');
    return;
  }
  const described = unusual.map((a) => `${a.series} ${a.kind} at ${a.at} (${fmt(a.value)} vs median ${fmt(a.median)})`);
  // Over when every pattern returned to normal inside the interval: the commander gets a notice.
  const ends = unusual.map((a) => a.endedAt ?? null);
  const endedAt = ends.every((e) => e !== null) ? ends.reduce((a, b) => (a! > b! ? a : b)) : null;
  j.findings.push(
    trigger('UnusualMetricPattern', `unusual patterns in metrics: ${names(described, 3)}`, {
      startedAt: unusual[0]!.at,
      endedAt,
      worst: Math.max(...unusual.map((a) => a.score)),
      evidence: { patterns: names(described, 8).slice(0, 1000) },
    }),
  );
}
