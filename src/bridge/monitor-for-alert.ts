// Which running monitor an alert belongs to: its `deployment_id` label names the monitor; without
// one, the newest running monitor of its `service` (or `job`) label, found through the Service
// search attribute.
import type { Client } from '@temporalio/client';
import type { BridgedAlert } from '../workflows/messages.js';
import { monitorWorkflowId } from '../temporal/ids.js';

/** The monitor workflow's type name, so escalation children (which inherit attributes) never match. */
const MONITOR_WORKFLOW_TYPE = 'deploymentMonitor';

/** Label values that can go into a visibility query literal without escaping. */
const SAFE_VALUE = /^[\w.:/@+-]{1,200}$/;

export type AlertTarget =
  | { kind: 'monitor'; workflowId: string; by: 'deployment_id' | 'service' }
  | { kind: 'unknown'; reason: UnknownReason; detail: string };

export type UnknownReason = 'no_routing_label' | 'no_running_monitor' | 'bad_label' | 'not_in_plan';

export interface UnknownAlert {
  alertname: string;
  fingerprint: string;
  status: BridgedAlert['status'];
  reason: UnknownReason;
  detail: string;
}

export function runningMonitorsQuery(service?: string): string {
  const running = `WorkflowType = '${MONITOR_WORKFLOW_TYPE}' AND ExecutionStatus = 'Running'`;
  return service === undefined ? running : `${running} AND Service = '${service}'`;
}

/** The newest running monitor of `service`, or null. Errors (Temporal unreachable) propagate. */
export async function newestRunningMonitor(client: Client, service: string): Promise<string | null> {
  let newest: { workflowId: string; startMs: number } | null = null;
  for await (const wf of client.workflow.list({ query: runningMonitorsQuery(service) })) {
    const startMs = wf.startTime.getTime();
    if (!newest || startMs > newest.startMs) newest = { workflowId: wf.workflowId, startMs };
  }
  return newest?.workflowId ?? null;
}

/**
 * Routes every alert of one request; each distinct service is looked up once. A `deployment_id`
 * is authoritative: an alert for a finished deployment is not handed to a newer monitor of the
 * same service. Whether that monitor is still running is the signal's to find out.
 */
export async function monitorsForAlerts(client: Client, alerts: BridgedAlert[]): Promise<AlertTarget[]> {
  const byService = new Map<string, Promise<string | null>>();
  return await Promise.all(
    alerts.map(async (alert): Promise<AlertTarget> => {
      const deploymentId = alert.labels.deployment_id;
      if (deploymentId !== undefined && deploymentId !== '') {
        if (!SAFE_VALUE.test(deploymentId)) return { kind: 'unknown', reason: 'bad_label', detail: `deployment_id "${deploymentId.slice(0, 60)}" is not a deployment id` };
        return { kind: 'monitor', workflowId: monitorWorkflowId(deploymentId), by: 'deployment_id' };
      }
      const service = alert.labels.service || alert.labels.job;
      if (!service) return { kind: 'unknown', reason: 'no_routing_label', detail: 'the alert has no deployment_id, service or job label' };
      if (!SAFE_VALUE.test(service)) return { kind: 'unknown', reason: 'bad_label', detail: `service "${service.slice(0, 60)}" cannot be looked up` };
      let lookup = byService.get(service);
      if (!lookup) {
        lookup = newestRunningMonitor(client, service);
        byService.set(service, lookup);
      }
      const workflowId = await lookup;
      return workflowId
        ? { kind: 'monitor', workflowId, by: 'service' }
        : { kind: 'unknown', reason: 'no_running_monitor', detail: `no running monitor for service ${service}` };
    }),
  );
}
