// All activities, built from their dependencies. Workflows import this module as a type only.
import type { Logger } from 'pino';
import type { Dispatcher } from 'undici';
import { createCheckpointActivity } from './checkpoint.js';
import { createNotifyActivities, type NotifyDeps } from './notify.js';
import { createRecheckActivity } from './recheck.js';
import { createRollbackActivity } from './rollback.js';

export interface ActivityDeps {
  logger: Logger;
  /** Where notify activities read webhook URLs, routing keys and SMTP URLs (default process.env). */
  env?: NotifyDeps['env'];
  /** PagerDuty Events API v2 endpoint (default https://events.pagerduty.com/v2/enqueue). */
  pagerdutyUrl?: string;
  dispatcher?: Dispatcher;
}

export function createActivities(deps: ActivityDeps) {
  return {
    runCheckpoint: createCheckpointActivity({ logger: deps.logger }),
    recheckAlert: createRecheckActivity(),
    rollback: createRollbackActivity(),
    ...createNotifyActivities({
      logger: deps.logger,
      env: deps.env ?? process.env,
      pagerdutyUrl: deps.pagerdutyUrl,
      dispatcher: deps.dispatcher,
    }),
  };
}
