// The Genesis monitoring plan's "When to Escalate" and "Escalation Path" as data: who is told what, and when.
// Pure: the escalation workflow walks these steps on timers.
import { DEFAULT_SERVICE_DOWN_ALERT } from './defaults.js';
import type { Plan, Priority } from './schema.js';

export type StepKind =
  /** Page a role (PagerDuty + the priority's Slack channel). */
  | 'page'
  /** A message on the priority's channel, nobody paged. */
  | 'notice'
  /** The response window ended unacknowledged. */
  | 'reminder'
  /** Queued for the next-day review (email + the P4 channel). */
  | 'digest';

export interface EscalationStep {
  kind: StepKind;
  /** Minutes after the incident was detected. */
  atMinutes: number;
  role: string | null;
  /** Acknowledgement stops reminders, never the escalation deadlines. */
  stoppedByAck: boolean;
}

export interface EscalationOptions {
  /** The Genesis monitoring plan's manual-escalation triggers go straight to the incident commander. */
  straightToCommander?: boolean;
}

export const ROLES = {
  onCall: 'on-call',
  commander: 'incident-commander',
  lead: 'engineering-lead',
  cto: 'cto',
} as const;

type EscalationPolicy = Plan['escalation'];

function timedPath(policy: EscalationPolicy): Array<{ role: string; afterMinutes: number }> {
  // The CTO is reached through the system-wide-outage rule, never by a timer.
  return policy.path.filter((step) => step.role !== ROLES.cto);
}

/** The steps for an incident of this priority, in time order. */
export function escalationSteps(policy: EscalationPolicy, priority: Priority, options: EscalationOptions = {}): EscalationStep[] {
  if (priority === 'P4') return [{ kind: 'digest', atMinutes: 0, role: null, stoppedByAck: false }];

  if (priority === 'P2' || priority === 'P3') {
    const window = policy.responseMinutes[priority] ?? (priority === 'P2' ? 60 : 240);
    return [
      { kind: 'notice', atMinutes: 0, role: null, stoppedByAck: false },
      { kind: 'reminder', atMinutes: window, role: null, stoppedByAck: true },
      // A second missed window pages on-call.
      { kind: 'page', atMinutes: 2 * window, role: ROLES.onCall, stoppedByAck: true },
    ];
  }

  const path = timedPath(policy);
  // P0 (service down) and manual triggers activate the incident commander at once.
  const commanderNow = priority === 'P0' || options.straightToCommander === true;
  const steps = path.map((step) => ({
    kind: 'page' as const,
    atMinutes: commanderNow && step.role === ROLES.commander ? 0 : step.afterMinutes,
    role: step.role,
    stoppedByAck: false,
  }));
  return steps.sort((a, b) => a.atMinutes - b.atMinutes);
}

export interface OutageView {
  /** Minutes the service has been down in this incident (null when it is not a service-down incident). */
  serviceDownMinutes: number | null;
  openCriticalIncidents: number;
  /** Declared by a human, or by the monitor (several critical incidents at once). */
  declared: boolean;
}

/** The plan's definition of a system-wide outage, which brings in the CTO. */
export function isSystemWideOutage(policy: EscalationPolicy, view: OutageView): boolean {
  const rule = policy.systemWideOutage;
  return (
    view.declared ||
    (view.serviceDownMinutes !== null && view.serviceDownMinutes >= rule.serviceDownMinutes) ||
    view.openCriticalIncidents >= rule.openCriticalIncidents
  );
}

/**
 * The plan's service-down alert: it brings in the CTO once down past `serviceDownMinutes`, and fails
 * the all-services-up check. Monitors started before the field existed carry plans without it.
 */
export function serviceDownAlert(policy: EscalationPolicy): string {
  return (policy.systemWideOutage as Partial<EscalationPolicy['systemWideOutage']>).serviceDownAlert ?? DEFAULT_SERVICE_DOWN_ALERT;
}

export function isCritical(priority: Priority): boolean {
  return priority === 'P0' || priority === 'P1';
}

/**
 * How often an open incident's condition is re-checked between escalation steps: often at first,
 * less as it ages, so an incident open for days keeps a small history (and no path step is late:
 * each step still gets its own re-check).
 */
export function recheckMinutes(critical: boolean, openMinutes: number): number {
  if (openMinutes < 60) return critical ? 5 : 15;
  if (openMinutes < 6 * 60) return critical ? 15 : 30;
  return 60;
}
