// Starting and reading monitors from the outside (CLI, deploy pipelines, demo, tests).
import { Client, WorkflowExecutionAlreadyStartedError } from '@temporalio/client';
import type { Plan } from './plan/schema.js';
import { deploymentMonitor } from './workflows/deployment-monitor/index.js';
import { monitorWorkflowId, TASK_QUEUE } from './temporal/ids.js';
import type { Deployment } from './plan/records.js';
import type { MonitorInput } from './workflows/inputs.js';
import { deploymentIdKey, serviceKey } from './workflows/search-attributes.js';

export interface StartResult {
  workflowId: string;
  runId: string;
  /** True when a monitor for this deployment was already running and none was started. */
  alreadyRunning: boolean;
}

export async function startMonitor(
  client: Client,
  args: { deployment: Deployment; plan: Plan; clockBase?: MonitorInput['clockBase']; taskQueue?: string },
): Promise<StartResult> {
  const workflowId = monitorWorkflowId(args.deployment.id);
  try {
    const handle = await client.workflow.start(deploymentMonitor, {
      workflowId,
      taskQueue: args.taskQueue ?? TASK_QUEUE,
      args: [{ deployment: args.deployment, plan: args.plan, clockBase: args.clockBase ?? 'deployment' }],
      // A failed or terminated monitor may be started again; a completed one may not.
      workflowIdReusePolicy: 'ALLOW_DUPLICATE_FAILED_ONLY',
      workflowIdConflictPolicy: 'FAIL',
      typedSearchAttributes: [
        { key: deploymentIdKey, value: args.deployment.id },
        { key: serviceKey, value: args.deployment.service },
      ],
      staticSummary: `Monitor ${args.deployment.service} ${args.deployment.version} (${args.plan.name})`,
    });
    return { workflowId, runId: handle.firstExecutionRunId, alreadyRunning: false };
  } catch (err) {
    if (!(err instanceof WorkflowExecutionAlreadyStartedError)) throw err;
    const description = await client.workflow.getHandle(workflowId).describe();
    return { workflowId, runId: description.runId, alreadyRunning: true };
  }
}
