// Backtest only: the live system hears of a Prometheus alert through Alertmanager and the bridge as
// soon as it fires (breach start + for + group_wait), not at the next checkpoint. History is
// already known, so look ahead over the coming interval and open incidents at those moments.
import { proxyActivities, sleep } from '@temporalio/workflow';
import type { Activities } from '../../activities/index.js';
import { parseDurationSeconds } from '../../plan/duration.js';
import type { Checkpoint } from '../../plan/schedule.js';
import { ACTIVITY_OPTIONS } from '../../temporal/activity-options.js';
import { actOnFindings } from './incidents.js';
import type { MonitorRun } from './state.js';

const { scanAlerts } = proxyActivities<Activities>(ACTIVITY_OPTIONS.window);

export async function replayAlertPath(run: MonitorRun, next: Checkpoint): Promise<void> {
  const { state } = run;
  const previous = state.records[next.index - 1];
  if (!previous) return;
  const { plan } = run.input;
  const from = previous.evaluationTime;
  const to = state.records[next.index]!.evaluationTime;
  const groupWaitMs = parseDurationSeconds(plan.alertmanager.groupWait) * 1000;
  const scanned = await scanAlerts({ prometheus: plan.prometheus, alerts: plan.alerts, from, to });
  const events = scanned
    .flatMap((a) => a.breaches.map((b) => ({ a, b, detectMs: Date.parse(b.firingAt) + groupWaitMs })))
    .filter(({ b, detectMs }) => Date.parse(b.firingAt) >= Date.parse(from) && detectMs < Date.parse(to))
    .sort((x, y) => x.detectMs - y.detectMs);
  for (const { a, b, detectMs } of events) {
    const waitMs = detectMs - run.deployedAtMs + run.clockBaseMs - Date.now();
    if (waitMs > 0) await sleep(waitMs, { summary: `replay: ${a.alert} reaches the bridge` });
    if (run.rolledBack()) return;
    const ended = b.endedAt !== null && Date.parse(b.endedAt) <= detectMs;
    await actOnFindings(
      run,
      [
        {
          alert: a.alert,
          priority: a.priority,
          kind: 'alert',
          summary: `${a.alert} fired at ${b.firingAt} (worst ${b.worst ?? 'n/a'}), via Alertmanager`,
          startedAt: b.startedAt,
          endedAt: ended ? b.endedAt : null,
          worst: b.worst,
          evidence: { source: 'alertmanager-replay', firingAt: b.firingAt },
          straightToCommander: false,
        },
      ],
      [],
    );
  }
}
