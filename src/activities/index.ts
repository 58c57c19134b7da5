// All activities, built from their dependencies. Workflows import this module as a type only.
import type { Logger } from 'pino';
import type { Dispatcher } from 'undici';
import type { Client } from '@temporalio/client';
import type { CommandRunner } from '../command-runner/command-runner.js';
import { ApplicationFailure } from '@temporalio/common';
import { Context } from '@temporalio/activity';
import { createBauActivity } from './bau.js';
import { createCriteriaActivity } from './criteria.js';
import { createReportActivity } from './report.js';
import { createCheckpointActivity } from './checkpoint.js';
import { createNotifyActivities, type NotifyDeps } from './notify/index.js';
import { createRecheckActivity } from './recheck.js';
import { createRollbackActivity } from './rollback.js';
import { createScanActivity } from './scan.js';
import { createTriageActivity } from './triage.js';
import { prometheusClientFactory } from './prometheus.js';
import { ERROR_TYPES } from '../temporal/activity-options.js';
import { TASK_QUEUE } from '../temporal/ids.js';

export interface ActivityDeps {
  logger: Logger;
  /** Where activities read secrets: webhook URLs, routing keys, SMTP URLs, the rollback token (default process.env). */
  env?: NotifyDeps['env'];
  /** PagerDuty Events API v2 endpoint (default https://events.pagerduty.com/v2/enqueue). */
  pagerdutyUrl?: string;
  /** HTTP dispatcher for the notification channels. */
  dispatcher?: Dispatcher;
  /** A Temporal client for the BAU Schedules (created lazily: most activities never need it). */
  client?: () => Client;
  /** Queue the BAU workflows run on. */
  taskQueue?: string;
  /** Where commands run: a small process forked once (default: this process's shared runner). */
  runner?: CommandRunner;
}

function missingClient(): Client {
  throw ApplicationFailure.nonRetryable('this worker was built without a Temporal client; BAU schedules need one (ActivityDeps.client)', ERROR_TYPES.configuration);
}

/** The one wiring point: every activity gets its dependencies here, and only here. */
export function createActivities(deps: ActivityDeps) {
  const { logger, runner } = deps;
  const env = deps.env ?? process.env;
  // The criteria and the report throw when Prometheus is down, and Temporal's retry policy
  // retries them: their client tries once, rather than three times per attempt. The others
  // report Prometheus being down in their result, so the client's own retries are their only ones.
  const prometheusClient = prometheusClientFactory({ logger });
  const retriedByTemporal = prometheusClientFactory({ logger, attempts: 1 });
  return {
    runCheckpoint: createCheckpointActivity({ logger, prometheusClient, runner }),
    recheckAlert: createRecheckActivity({ prometheusClient }),
    rollback: createRollbackActivity({ env, runner }),
    scanAlerts: createScanActivity({ prometheusClient }),
    evaluateCriteria: createCriteriaActivity({ logger, prometheusClient: retriedByTemporal }),
    writeHandoffReport: createReportActivity({ logger, prometheusClient: retriedByTemporal, runner }),
    triage: createTriageActivity({ prometheusClient, runner }),
    ensureBauSchedules: createBauActivity({ client: deps.client ?? missingClient, taskQueue: deps.taskQueue ?? TASK_QUEUE }),
    ...countNotifications(createNotifyActivities({ logger, env, pagerdutyUrl: deps.pagerdutyUrl, dispatcher: deps.dispatcher })),
  };
}

/** What workflows call, as a type only (`proxyActivities<Activities>`). */
export type Activities = ReturnType<typeof createActivities>;

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
