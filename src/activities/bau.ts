// Business-as-usual monitoring as Temporal Schedules, created or updated idempotently on graduation.
import { Client, ScheduleAlreadyRunning, type ScheduleOptions } from '@temporalio/client';
import { ApplicationFailure } from '@temporalio/common';
import type { Plan } from '../plan/schema.js';
import { ERROR_TYPES } from '../temporal/activity-options.js';
import type { Deployment } from '../plan/records.js';
import type { BauInput } from '../plan/bau.js';

export interface BauSchedulesInput {
  deployment: Deployment;
  plan: Pick<Plan, 'name' | 'service' | 'channels' | 'commands'>;
}

type Spec = ScheduleOptions['spec'];
const SCHEDULES: Array<{ kind: BauInput['kind']; spec: Spec }> = [
  { kind: 'daily-health-check', spec: { calendars: [{ hour: 6, minute: 0 }] } },
  { kind: 'weekly-performance-review', spec: { calendars: [{ dayOfWeek: 'MONDAY', hour: 9 }] } },
  { kind: 'monthly-capacity-planning', spec: { calendars: [{ dayOfMonth: 1, hour: 9 }] } },
  { kind: 'quarterly-optimization', spec: { calendars: [{ month: ['JANUARY', 'APRIL', 'JULY', 'OCTOBER'], dayOfMonth: 1, hour: 9 }] } },
];

const GRPC_UNIMPLEMENTED = 12;

function grpcCode(err: unknown): number | undefined {
  const cause = (err as { cause?: { code?: unknown } } | undefined)?.cause;
  return typeof cause?.code === 'number' ? cause.code : undefined;
}

export function bauScheduleId(service: string, kind: BauInput['kind']): string {
  return `bau-${service}-${kind}`;
}

export function createBauActivity(deps: { client: () => Client; taskQueue: string }) {
  return async function ensureBauSchedules(input: BauSchedulesInput): Promise<string[]> {
    const client = deps.client();
    const ids: string[] = [];
    for (const { kind, spec } of SCHEDULES) {
      const scheduleId = bauScheduleId(input.plan.service, kind);
      const args: BauInput = {
        kind,
        deploymentId: input.deployment.id,
        service: input.plan.service,
        channels: input.plan.channels,
        healthCheck: input.plan.commands['health-check'] ?? null,
      };
      const action = { type: 'startWorkflow' as const, workflowType: 'bauTask', taskQueue: deps.taskQueue, args: [args], workflowId: `${scheduleId}-run` };
      const memo = { deployment: input.deployment.id, version: input.deployment.version, plan: input.plan.name };
      try {
        await client.schedule.create({ scheduleId, spec, action, memo, state: { note: `BAU for ${input.plan.service} since ${input.deployment.version}` } });
      } catch (err) {
        if (grpcCode(err) === GRPC_UNIMPLEMENTED) {
          // A server without Schedules (the time-skipping test server): retrying cannot help.
          throw ApplicationFailure.nonRetryable('this Temporal server does not support Schedules', ERROR_TYPES.schedulesUnsupported);
        }
        if (!(err instanceof ScheduleAlreadyRunning)) throw err;
        // A later graduation of the same service takes over the schedule with its own settings.
        await client.schedule.getHandle(scheduleId).update((previous) => ({ ...previous, spec, action }));
      }
      ids.push(scheduleId);
    }
    return ids;
  };
}
