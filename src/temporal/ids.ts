// Business IDs: what an operator reads in the Temporal UI, and how the CLI and the bridge find a monitor.
export const TASK_QUEUE = 'deploywatch';

export function monitorWorkflowId(deploymentId: string): string {
  return `monitor-${deploymentId}`;
}

export function incidentWorkflowId(deploymentId: string, n: number): string {
  return `${monitorWorkflowId(deploymentId)}/incident-${n}`;
}
