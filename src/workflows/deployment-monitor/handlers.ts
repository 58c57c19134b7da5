// The monitor's signal, update and query handlers. Signal handlers never throw: a bad payload is
// recorded and logged, and the monitor carries on; updates reject it through their validators.
import { setHandler } from '@temporalio/workflow';
import {
  acknowledgeSignal,
  acknowledgeUpdate,
  alertNotificationSignal,
  channelBrokenSignal,
  escalateSignal,
  incidentReportSignal,
  resolveSignal,
  resolveUpdate,
  rollbackSignal,
  rollbackUpdate,
  signOffSignal,
  signOffUpdate,
  statusQuery,
} from '../messages.js';
import {
  validateAcknowledge,
  validateAlertNotification,
  validateEscalation,
  validateResolve,
  validateRollback,
  validateSignOff,
} from '../validate.js';
import { onBridgedAlerts } from './bridged-alerts.js';
import { requireSomethingToSign, signOff } from './end-of-window.js';
import { acknowledge, findIncident, manualEscalation, onChannelBroken, onIncidentReport, resolve } from './incidents.js';
import { status } from './presentation.js';
import { rollback } from './rollback.js';
import type { MonitorRun } from './state.js';

export function registerHandlers(run: MonitorRun): void {
  const guard = (message: string, payload: unknown, fn: () => unknown): void => {
    try {
      const result = fn();
      if (result instanceof Promise) result.catch((err: unknown) => run.reject(message, payload, err));
    } catch (err) {
      run.reject(message, payload, err);
    }
  };
  setHandler(statusQuery, () => status(run));
  setHandler(escalateSignal, (req) => guard('escalate', req, () => manualEscalation(run, validateEscalation(req))));
  setHandler(rollbackSignal, (req) => guard('rollback', req, () => rollback(run, validateRollback(req))));
  setHandler(acknowledgeSignal, (req) => guard('acknowledge', req, () => acknowledge(run, validateAcknowledge(req))));
  setHandler(resolveSignal, (req) => guard('resolve', req, () => resolve(run, validateResolve(req))));
  setHandler(signOffSignal, (req) => guard('signOff', req, () => signOff(run, validateSignOff(req))));
  setHandler(signOffUpdate, (req) => signOff(run, req), {
    validator: (req) => requireSomethingToSign(run, validateSignOff(req)),
  });
  setHandler(rollbackUpdate, (req) => rollback(run, req), { validator: (req) => void validateRollback(req) });
  setHandler(acknowledgeUpdate, (req) => acknowledge(run, req), {
    validator: (req) => void findIncident(run, validateAcknowledge(req).incident),
  });
  setHandler(resolveUpdate, (req) => resolve(run, req), {
    validator: (req) => void findIncident(run, validateResolve(req).incident),
  });
  setHandler(incidentReportSignal, ({ incident }) => guard('incidentReport', incident, () => onIncidentReport(run, incident)));
  setHandler(alertNotificationSignal, (n) => guard('alertNotification', n, () => onBridgedAlerts(run, validateAlertNotification(n))));
  setHandler(channelBrokenSignal, (broken) => guard('channelBroken', broken, () => onChannelBroken(run, broken)));
}
