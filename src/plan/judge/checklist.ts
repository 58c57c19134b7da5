// The checklist's assertions at this checkpoint (all services up, no critical alerts, reviews, …).
import { isCritical, serviceDownAlert } from '../escalation.js';
import type { LevelSlo } from '../schema.js';
import type { AssertionResult, Health, SloReading } from '../results.js';
import { levelStatus, targetFor } from '../slos.js';
import { fmt, HEALTH_CHECK_COMMAND, Judgement, names } from './judgement.js';
import type { RunSummary } from './history.js';

function assertion(assert: string, passed: boolean, detail: string): AssertionResult {
  return { assert, passed, detail };
}

function readingText(r: SloReading | undefined, unit = ''): string {
  if (!r) return 'no such SLO';
  const worst = r.intervalWorst !== undefined ? `, worst ${fmt(r.intervalWorst, unit)} over the interval` : '';
  return `${r.id} ${fmt(r.value, unit)} (${r.status}${r.reason ? `: ${r.reason}` : ''}${worst})`;
}

function levelOk(row: LevelSlo, r: SloReading | undefined): boolean {
  if (!r || r.status !== 'ok') return false;
  return r.intervalWorst === undefined || r.intervalWorst === null || levelStatus(row, r.intervalWorst) === 'ok';
}

function summaryText(label: string, s: RunSummary): string {
  return (
    `${label} before this checkpoint: ${s.checkpoints} checkpoint${s.checkpoints === 1 ? '' : 's'} since ${s.since ?? 'the start'} ` +
    `(${s.healthy} healthy, ${s.degraded} degraded, ${s.critical} critical, ${s.blind} blind); ` +
    `findings: ${names(s.alerts)}; failed commands: ${s.failedCommands}`
  );
}

export function checklistAssertions(j: Judgement, health: () => Health): AssertionResult[] {
  const { checkpoint } = j.input;
  const { roles } = j;
  const results: AssertionResult[] = [];
  const hc = j.command(HEALTH_CHECK_COMMAND);
  const hcText = hc ? (hc.ok ? 'health check passed' : `health check failed (${hc.error ?? `exit ${hc.exitCode}`})`) : 'health check not run';
  const liveCritical = j.live().filter((f) => isCritical(f.priority));

  for (const assert of checkpoint.asserts) {
    switch (assert) {
      case 'all-services-up': {
        const up = j.reading(roles.uptime?.id);
        const downAlert = serviceDownAlert(j.input.plan.escalation);
        const down = j.alert(downAlert);
        const allUp = up?.value !== null && up?.value !== undefined && up.value >= 100;
        const hcOk = !checkpoint.commands.includes(HEALTH_CHECK_COMMAND) || hc?.ok === true;
        const passed = allUp && hcOk && down?.stillFiring !== true;
        results.push(assertion(assert, passed, `${readingText(up, '%')}; ${hcText}${down?.stillFiring ? `; ${downAlert} firing` : ''}`));
        break;
      }
      case 'health-check-pass': {
        if (checkpoint.commands.includes(HEALTH_CHECK_COMMAND)) {
          results.push(assertion(assert, hc?.ok === true, hcText));
          break;
        }
        // Not run here (a backtest runs no commands): the service's own availability is the evidence.
        const up = j.reading(roles.uptime?.id);
        results.push(assertion(assert, up?.status === 'ok', `health check not run here; availability ${readingText(up, '%')}`));
        break;
      }
      case 'no-critical-alerts': {
        const unjudged = j.observation.alerts.filter((a) => a.state === 'inconclusive' && isCritical(a.priority)).map((a) => a.alert);
        const passed = liveCritical.length === 0 && unjudged.length === 0;
        const detail = liveCritical.length > 0 ? `live: ${names(liveCritical.map((f) => `${f.priority} ${f.alert}`))}` : 'no live P0/P1 findings';
        results.push(assertion(assert, passed, unjudged.length > 0 ? `${detail}; cannot judge ${names(unjudged)}` : detail));
        break;
      }
      case 'resource-usage-stable': {
        const rows = j.plan.slos.resources;
        const bad = rows.filter((row) => !levelOk(row, j.reading(row.id)));
        const anomalies = j.observation.anomalies.filter((a) => rows.some((r) => r.id === a.series));
        const detail = rows.map((row) => readingText(j.reading(row.id), '%')).join('; ');
        const extra = anomalies.length > 0 ? `; unusual: ${names(anomalies.map((a) => `${a.series} ${a.kind}`))}` : '';
        results.push(assertion(assert, rows.length > 0 && bad.length === 0 && anomalies.length === 0, `${detail}${extra}`));
        break;
      }
      case 'performance-within-slo': {
        const rows = j.plan.slos.performance;
        const bad = rows.filter((row) => j.reading(row.id)?.status !== 'ok');
        results.push(assertion(assert, rows.length > 0 && bad.length === 0, rows.map((row) => readingText(j.reading(row.id))).join('; ')));
        break;
      }
      case 'no-test-regressions':
        results.push(noTestRegressions(j));
        break;
      case 'stable-under-load': {
        const throughput = j.reading(roles.throughput?.id);
        const latency = j.reading(roles.latency?.id);
        const errors = j.reading(roles.errorRate?.id);
        const passed = [throughput, latency, errors].every((r) => r?.status === 'ok');
        results.push(assertion(assert, passed, [readingText(throughput, ' ops/s'), readingText(latency, ' s'), readingText(errors)].join('; ')));
        break;
      }
      case 'phase-summary':
      case 'review': {
        const s = assert === 'review' ? j.history.window : j.history.phase;
        const label = assert === 'review' ? `${checkpoint.review ?? 'review'} of the window` : `${checkpoint.phaseId} phase`;
        const now = health();
        const passed = s.critical === 0 && s.blind === 0 && now !== 'critical' && now !== 'blind';
        results.push(assertion(assert, passed, `${summaryText(label, s)}; this checkpoint: ${now}`));
        break;
      }
    }
  }

  const uptimeSlo = roles.uptime;
  const phaseTarget = uptimeSlo?.phaseTargets[checkpoint.phaseId];
  if (uptimeSlo && phaseTarget !== undefined) {
    const up = j.reading(uptimeSlo.id);
    const target = targetFor(uptimeSlo, checkpoint.phaseId);
    const values = [up?.value, up?.intervalWorst].filter((v): v is number => typeof v === 'number');
    const passed = up?.value !== null && up?.value !== undefined && values.every((v) => v >= target) && up.intervalWorst !== null;
    results.push(assertion('phase-availability', passed, `${checkpoint.phaseId} phase demands ${target}% availability: ${readingText(up, '%')}`));
  }
  return results;
}

/** Failing now but not failing in the baseline (the first results, T+0's production tests). */
function noTestRegressions(j: Judgement): AssertionResult {
  const baseline = j.history.testBaseline;
  if (!baseline && !j.input.checkpoint.commands.some((id) => j.input.plan.commands[id]?.junit)) {
    // No test runs of our own (a backtest runs no commands): the pass rate Prometheus holds is the evidence.
    const passRate = j.reading(j.roles.passRate?.id);
    return assertion('no-test-regressions', passRate?.status === 'ok', `no test runs here; pass rate ${readingText(passRate, '%')}`);
  }
  if (!baseline) return assertion('no-test-regressions', false, 'no baseline: no test results since the deployment');
  const runs = j.junitRuns().map(({ command, tests }) => ({ command: command.id, failing: tests.failing, passRate: tests.passRate }));
  const latest =
    runs.length > 0
      ? runs
      : Object.entries(j.history.suites)
          .filter(([, s]) => s.lastResultsAt !== null)
          .map(([command, s]) => ({ command, failing: s.lastFailing, passRate: s.lastPassRate }));
  if (latest.length === 0) return assertion('no-test-regressions', false, 'no test results to compare with the baseline');
  const known = new Set(baseline.failing);
  const regressions = [...new Set(latest.flatMap((r) => r.failing.filter((t) => !known.has(t))))];
  const rates = latest.map((r) => `${r.command} ${fmt(r.passRate, '%')}`).join(', ');
  const base = `baseline ${baseline.command} at ${baseline.at}: ${fmt(baseline.passRate, '%')}`;
  return assertion(
    'no-test-regressions',
    regressions.length === 0,
    regressions.length === 0 ? `no new failures (${rates}; ${base})` : `new failures: ${names(regressions)} (${rates}; ${base})`,
  );
}
