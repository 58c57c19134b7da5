// Alerts Prometheus fired between checkpoints, via Alertmanager and the bridge: acted on like a
// checkpoint's findings, once per alert occurrence and status.
import { evidenceSignal, type AlertNotification } from '../messages.js';
import { actOnFindings, openIncidentFor, tellIncident } from './incidents.js';
import type { MonitorRun } from './state.js';

/** How many notifications the monitor remembers to spot Alertmanager's repeats. */
const SEEN_ALERTS_KEPT = 500;

export async function onBridgedAlerts(run: MonitorRun, notification: AlertNotification): Promise<void> {
  const { state, input } = run;
  for (const alert of notification.alerts) {
    // Alertmanager repeats notifications; act once per alert occurrence and status.
    const key = `${alert.fingerprint}/${alert.startsAt}/${alert.status}`;
    if (state.seenAlerts.includes(key)) continue;
    state.seenAlerts.push(key);
    if (state.seenAlerts.length > SEEN_ALERTS_KEPT) state.seenAlerts.shift();
    const rule = input.plan.alerts.find((r) => r.name === alert.alertname);
    if (!rule) {
      run.reject('alertNotification', alert, new Error(`alert ${alert.alertname} is not in plan ${input.plan.name}`));
      continue;
    }
    const open = openIncidentFor(run, alert.alertname);
    if (alert.status === 'resolved') {
      // Resolution evidence: the incident still confirms with its own re-check before closing.
      if (open) await tellIncident(run, open, evidenceSignal, { firing: false, at: alert.endsAt ?? notification.receivedAt, detail: 'Alertmanager: resolved' });
      continue;
    }
    await actOnFindings(
      run,
      [
        {
          alert: alert.alertname,
          priority: rule.priority,
          kind: 'alert',
          summary: alert.summary || `${alert.alertname} firing (Prometheus)`,
          startedAt: alert.startsAt,
          endedAt: null,
          worst: null,
          evidence: { source: 'alertmanager', fingerprint: alert.fingerprint, ...alert.labels },
          straightToCommander: false,
        },
      ],
      [],
    );
  }
}
