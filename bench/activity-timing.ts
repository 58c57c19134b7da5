// A worker-side activity interceptor that times every activity, and for a checkpoint, how late it
// started against its planned time. With clockBase 'deployment' (every live monitor), a checkpoint's
// planned start is its evaluation time: deployment time + offset.
import type { ActivityInterceptorsFactory } from '@temporalio/worker';
import type { CheckpointInput } from '../src/activities/checkpoint.js';

export interface ActivitySample {
  type: string;
  workflowId: string;
  /** Epoch ms: when the server scheduled this attempt (the workflow task that asked for it completed). */
  scheduledMs: number;
  startedMs: number;
  endedMs: number;
  ok: boolean;
  /** runCheckpoint only: the checkpoint's index and planned start. */
  checkpoint?: { index: number; plannedMs: number };
}

export function activityTiming(record: (sample: ActivitySample) => void): ActivityInterceptorsFactory {
  return (ctx) => ({
    inbound: {
      async execute(input, next) {
        const startedMs = Date.now();
        const { info } = ctx;
        const sample: ActivitySample = {
          type: info.activityType,
          workflowId: info.workflowExecution?.workflowId ?? '',
          scheduledMs: info.currentAttemptScheduledTimestampMs,
          startedMs,
          endedMs: startedMs,
          ok: false,
        };
        if (info.activityType === 'runCheckpoint') {
          const checkpoint = input.args[0] as CheckpointInput;
          sample.checkpoint = { index: checkpoint.checkpoint.index, plannedMs: Date.parse(checkpoint.evaluationTime) };
        }
        try {
          const result = await next(input);
          sample.ok = true;
          return result;
        } finally {
          sample.endedMs = Date.now();
          record(sample);
        }
      },
    },
  });
}

/** Activity type → { count, total and mean ms }. */
export function summariseByType(samples: ActivitySample[]): Record<string, { count: number; totalMs: number; meanMs: number }> {
  const out: Record<string, { count: number; totalMs: number; meanMs: number }> = {};
  for (const s of samples) {
    const entry = (out[s.type] ??= { count: 0, totalMs: 0, meanMs: 0 });
    entry.count += 1;
    entry.totalMs += s.endedMs - s.startedMs;
  }
  for (const entry of Object.values(out)) {
    entry.meanMs = Math.round((entry.totalMs / entry.count) * 10) / 10;
    entry.totalMs = Math.round(entry.totalMs);
  }
  return out;
}
