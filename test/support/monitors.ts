// Driving whole monitor windows from a test: read the status through restarts, and run a window to
// its end with both leads signing off the handoff.
import type { WorkflowHandle } from '@temporalio/client';
import type { deploymentMonitor } from '../../src/workflows/deployment-monitor/index.js';
import { type MonitorStatus, signOffSignal, statusQuery } from '../../src/workflows/messages.js';
import type { MonitorOutcome } from '../../src/workflows/inputs.js';
import { resultOf, waitFor } from './harness.js';

export type MonitorHandle = WorkflowHandle<typeof deploymentMonitor>;

/** The status, or undefined while the server or the worker cannot answer (one may be restarting). */
export async function statusOf(handle: MonitorHandle): Promise<MonitorStatus | undefined> {
  try {
    return await handle.query(statusQuery);
  } catch {
    return undefined;
  }
}

/** Runs the window out: both leads sign off once the handoff is written; returns the outcome. */
export async function finishWindow(handle: MonitorHandle, what: string, timeoutMs = 6 * 60_000): Promise<MonitorOutcome> {
  let signed = false;
  await waitFor(
    `${what} to complete`,
    async () => {
      const status = await statusOf(handle);
      if (status?.handoff && !signed) {
        await handle.signal(signOffSignal, { role: 'engineering-lead', actor: 'erin' });
        await handle.signal(signOffSignal, { role: 'sre-lead', actor: 'sam' });
        signed = true;
      }
      return status?.completed ? true : undefined;
    },
    { timeoutMs, everyMs: 1000 },
  );
  return await resultOf(handle, `${what} to return its outcome`, { timeoutMs: 60_000 });
}
