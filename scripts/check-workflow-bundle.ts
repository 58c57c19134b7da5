// Bundles the workflow code as the worker does: a non-deterministic or Node-only import fails here.
import { bundleWorkflowCode } from '@temporalio/worker';
import { WORKFLOWS_PATH } from '../src/worker.js';

const quiet = (): void => undefined;

bundleWorkflowCode({ workflowsPath: WORKFLOWS_PATH, logger: { log: quiet, trace: quiet, debug: quiet, info: quiet, warn: console.warn, error: console.error } }).then(
  (bundle) => console.error(`workflow bundle ok (${Math.round(bundle.code.length / 1024)} KiB)`),
  (err: unknown) => {
    console.error(`workflow bundle failed: ${(err as Error).message}`);
    process.exit(1);
  },
);
