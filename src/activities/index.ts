// All activities, built from their dependencies. Workflows import this module as a type only.
import type { Logger } from 'pino';
import type { Dispatcher } from 'undici';
import type { Client } from '@temporalio/client';
import { ApplicationFailure } from '@temporalio/common';
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
    ...createNotifyActivities({
      logger: deps.logger,
      env: deps.env ?? process.env,
      pagerdutyUrl: deps.pagerdutyUrl,
      dispatcher: deps.dispatcher,
    }),
  };
}
