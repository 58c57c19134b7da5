// Findings from Prometheus's verdicts, plan errors, the health check, the log review, and the
// monitor's own sight (MonitoringBlind).
import { isBreaching } from '../breaches.js';
import { isCritical } from '../escalation.js';
import type { Priority } from '../schema.js';
import { alertFinding, fmt, HEALTH_CHECK_COMMAND, Judgement, names, ruleFor } from './judgement.js';

/** Prometheus verdicts: one finding per breach that fired; an ongoing one has endedAt null. */
export function prometheusAlerts(j: Judgement): void {
  for (const a of j.observation.alerts) {
    if (a.state === 'inconclusive') {
      j.inconclusive.add(a.alert);
      continue;
    }
    if (a.state === 'ok') {
      // Clear means nothing breached in the whole interval: a blip or a pending breach is not clear.
      if (a.blips === 0 && a.pendingSince === undefined) j.judgedOk.add(a.alert);
      else j.notClear.add(a.alert);
      continue;
    }
    const more = a.breachCount !== undefined ? ` (${a.breachCount} breaches in the interval, ${a.breaches.length} kept)` : '';
    for (const b of a.breaches) {
      j.findings.push(
        alertFinding({
          alert: a.alert,
          priority: a.priority,
          summary: `${a.alert} ${b.endedAt ? `breached from ${b.startedAt} to ${b.endedAt}` : `firing since ${b.startedAt}`} (worst ${fmt(b.worst)})${more}`,
          startedAt: b.startedAt,
          endedAt: b.endedAt,
          worst: b.worst,
          evidence: { source: 'prometheus', firingAt: b.firingAt, worst: b.worst, intervalWorst: a.worst, blips: a.blips },
        }),
      );
    }
  }
}

/** A query Prometheus rejects is a plan error: raised at once, never waited out as blindness. */
export function planErrors(j: Judgement): void {
  const alerts = j.observation.alerts.filter((a) => a.planError);
  const slos = j.observation.slos.filter((s) => s.planError);
  if (alerts.length === 0 && slos.length === 0) {
    j.judgedOk.add('PlanQueryError');
    return;
  }
  const rule = ruleFor(j.plan, 'PlanQueryError');
  const seesCritical = alerts.some((a) => isCritical(a.priority)) || slos.some((s) => s.group === 'critical');
  // Blind to a P0/P1 alert or a critical SLO: as urgent as MonitoringBlind. Otherwise P2.
  const priority: Priority = j.plan.alerts.some((a) => a.name === 'PlanQueryError') ? rule.priority : seesCritical ? 'P1' : 'P2';
  const affected = [...alerts.map((a) => a.alert), ...slos.map((s) => `slo ${s.id}`)];
  const reason = alerts[0]?.reason ?? slos[0]?.reason ?? null;
  j.findings.push(
    alertFinding({
      alert: 'PlanQueryError',
      priority,
      summary: `Prometheus rejects the plan's query for ${names(affected)}: ${reason ?? 'no reason given'}`,
      evidence: { affected: names(affected, 20), reason },
    }),
  );
}

/** A failing health check is the service's problem; one that could not run is the monitor's blindness. */
export function healthCheck(j: Judgement): void {
  const c = j.command(HEALTH_CHECK_COMMAND);
  if (!c) return;
  if (c.error !== undefined) {
    j.inconclusive.add('HealthCheckFailed');
    j.blindReasons.push(`health check could not run: ${c.error}`);
    j.criticalBlind = true;
    return;
  }
  if (c.ok) {
    j.judgedOk.add('HealthCheckFailed');
    return;
  }
  j.findRule('HealthCheckFailed', {
    summary: `health check exited with ${c.exitCode}: ${c.outputTail.trim().split('\n').slice(-1)[0]?.slice(0, 200) ?? ''}`,
    startedAt: j.at,
    worst: c.exitCode,
    evidence: { command: c.id, exitCode: c.exitCode, outputTail: c.outputTail.slice(-300) },
  });
}

/** The log review's error and warning counts against logReview.maxErrors / maxWarnings. */
export function logReview(j: Judgement): void {
  const review = j.plan.logReview;
  const c = review ? j.command(review.command) : undefined;
  if (!review || !c?.logCounts) return;
  const { errors, warnings } = c.logCounts;
  if (errors <= review.maxErrors && warnings <= review.maxWarnings) {
    j.judgedOk.add('LogErrors');
    return;
  }
  j.findRule('LogErrors', {
    summary: `log review since ${j.input.intervalStart ?? j.at}: ${errors} errors (max ${review.maxErrors}), ${warnings} warnings (max ${review.maxWarnings})`,
    startedAt: j.input.intervalStart ?? null,
    worst: errors,
    evidence: { command: c.id, errors, warnings, maxErrors: review.maxErrors, maxWarnings: review.maxWarnings },
  });
}

/** MonitoringBlind: consecutive checkpoints that could not see everything, at the rule's threshold. */
export function monitoringBlind(j: Judgement): void {
  const { observation } = j;
  const inconclusive = observation.alerts.filter((a) => a.state === 'inconclusive' && !a.planError);
  if (observation.prometheusError) j.blindReasons.unshift(`Prometheus unavailable: ${observation.prometheusError}`);
  if (inconclusive.length > 0) j.blindReasons.push(`inconclusive: ${names(inconclusive.map((a) => a.alert))}`);
  if (observation.prometheusError || inconclusive.some((a) => isCritical(a.priority))) j.criticalBlind = true;

  const h = j.history;
  const blindNow = j.blindReasons.length > 0;
  h.inconclusiveStreak = blindNow ? h.inconclusiveStreak + 1 : 0;
  h.blindSince = blindNow ? (h.blindSince ?? j.at) : null;
  const rule = ruleFor(j.plan, 'MonitoringBlind');
  if (!blindNow) {
    j.judgedOk.add(rule.name);
    return;
  }
  if (!isBreaching(h.inconclusiveStreak, rule.op, rule.threshold)) return;
  j.findings.push(
    alertFinding({
      alert: rule.name,
      priority: rule.priority,
      summary: `${h.inconclusiveStreak} checkpoints in a row could not see everything: ${j.blindReasons.join('; ').slice(0, 300)}`,
      startedAt: h.blindSince,
      worst: h.inconclusiveStreak,
      evidence: {
        consecutive: h.inconclusiveStreak,
        prometheusError: observation.prometheusError,
        inconclusive: names(inconclusive.map((a) => a.alert), 20),
      },
    }),
  );
}
