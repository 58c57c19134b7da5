// All activities, built from their dependencies. Workflows import this module as a type only.
import type { Logger } from 'pino';
import { createCheckpointActivity } from './checkpoint.js';

export interface ActivityDeps {
  logger: Logger;
}

export function createActivities(deps: ActivityDeps) {
  return {
    runCheckpoint: createCheckpointActivity({ logger: deps.logger }),
  };
}
