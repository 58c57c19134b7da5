// All activities, built from their dependencies. Workflows import this module as a type only.
import type { Logger } from 'pino';
import type { Dispatcher } from 'undici';
import type { Client } from '@temporalio/client';
import { ApplicationFailure } from '@temporalio/common';
import { Context } from '@temporalio/activity';
import { createBauActivity } from './bau.js';
import { createCriteriaActivity } from './criteria.js';
import { createReportActivity } from './report.js';
import { createCheckpointActivity } from './checkpoint.js';
import { createNotifyActivities, type NotifyDeps } from './notify.js';
import { createRecheckActivity } from './recheck.js';
import { createRollbackActivity } from './rollback.js';
import { createScanActivity } from './scan.js';
import { createTriageActivity } from './triage.js';

export interface ActivityDeps {
  logger: Logger;
  /** Where notify activities read webhook URLs, routing keys and SMTP URLs (default process.env). */
  env?: NotifyDeps['env'];
  /** PagerDuty Events API v2 endpoint (default https://events.pagerduty.com/v2/enqueue). */
  pagerdutyUrl?: string;
  dispatcher?: Dispatcher;
  /** A Temporal client for the BAU Schedules (created lazily: most activities never need it). */
  client?: () => Client;
  /** Queue the BAU workflows run on. */
  taskQueue?: string;
}

function missingClient(): Client {
  throw ApplicationFailure.nonRetryable('this worker was built without a Temporal client; BAU schedules need one (ActivityDeps.client)', 'ConfigurationError');
}

export function createActivities(deps: ActivityDeps) {
  return {
    runCheckpoint: createCheckpointActivity({ logger: deps.logger }),
    recheckAlert: createRecheckActivity(),
    rollback: createRollbackActivity(),
    scanAlerts: createScanActivity(),
    evaluateCriteria: createCriteriaActivity({ logger: deps.logger }),
    writeHandoffReport: createReportActivity({ logger: deps.logger }),
    triage: createTriageActivity(),
    ensureBauSchedules: createBauActivity({ client: deps.client ?? missingClient, taskQueue: deps.taskQueue ?? 'deploywatch' }),
    ...countNotifications(
      createNotifyActivities({
        logger: deps.logger,
        env: deps.env ?? process.env,
        pagerdutyUrl: deps.pagerdutyUrl,
        dispatcher: deps.dispatcher,
      }),
    ),
  };
}

/** deploywatch_notifications_total{channel, outcome}: every notification attempt, sent or failed. */
function countNotifications<T extends Record<string, (input: never) => Promise<unknown>>>(activities: T): T {
  const counted = Object.entries(activities).map(([name, fn]) => {
    const channel = name.replace(/^notify/, '').toLowerCase();
    const wrapped = async (input: never) => {
      const counter = Context.current().metricMeter.createCounter('deploywatch_notifications_total', 'notifications', 'Notification attempts');
      try {
        const result = await fn(input);
        counter.add(1, { channel, outcome: 'sent' });
        return result;
      } catch (err) {
        counter.add(1, { channel, outcome: 'failed' });
        throw err;
      }
    };
    // Activity names come from the object keys; keep the function names for logs and stack traces.
    Object.defineProperty(wrapped, 'name', { value: name });
    return [name, wrapped];
  });
  return Object.fromEntries(counted) as T;
}
