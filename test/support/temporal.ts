// Real Temporal for tests: the project-built dev server and Java time-skipping server.
// Never a mock: if the binaries are missing, tests fail and say how to provision them.
import { TestWorkflowEnvironment } from '@temporalio/testing';
import { bundleWorkflowCode, DefaultLogger, Runtime, type WorkflowBundle } from '@temporalio/worker';
import { temporal } from '@temporalio/proto';
import { testServerPath, temporalCliPath } from '../../src/temporal/binaries.js';
import { WORKFLOWS_PATH } from '../../src/worker.js';
import { SEARCH_ATTRIBUTES } from '../../src/workflows/search-attributes.js';

let runtime: Runtime | undefined;
/**
 * The SDK runtime for this test file, installed once: by default it prints SDK warnings and errors
 * only (workflow info logs would drown the test report). A file that wants other options calls
 * this first.
 */
export function testRuntime(options: Parameters<typeof Runtime.install>[0] = { logger: new DefaultLogger('WARN') }): Runtime {
  runtime ??= Runtime.install(options);
  return runtime;
}

export async function timeSkippingEnv(): Promise<TestWorkflowEnvironment> {
  testRuntime();
  const env = await TestWorkflowEnvironment.createTimeSkipping({
    server: { executable: { type: 'existing-path', path: testServerPath() } },
  });
  // The test server starts with no custom search attributes; the monitor upserts them.
  await env.connection.operatorService.addSearchAttributes({
    namespace: env.namespace ?? 'default',
    searchAttributes: Object.fromEntries(
      SEARCH_ATTRIBUTES.map((k) => [k.name, temporal.api.enums.v1.IndexedValueType.INDEXED_VALUE_TYPE_KEYWORD]),
    ),
  });
  return env;
}

/** `dbFilename` keeps the server's state on disk; on the same `port`, a restarted server is the same server. */
export async function devServerEnv(options: { dbFilename?: string; port?: number } = {}): Promise<TestWorkflowEnvironment> {
  testRuntime();
  return await TestWorkflowEnvironment.createLocal({
    server: {
      executable: { type: 'existing-path', path: temporalCliPath() },
      searchAttributes: [...SEARCH_ATTRIBUTES],
      ...(options.dbFilename ? { dbFilename: options.dbFilename } : {}),
      ...(options.port ? { port: options.port } : {}),
    },
  });
}

const bundles = new Map<string, Promise<WorkflowBundle>>();
/** A workflow bundle (deploywatch's own by default), built once per test file. */
export function workflowBundle(workflowsPath = WORKFLOWS_PATH): Promise<WorkflowBundle> {
  let bundle = bundles.get(workflowsPath);
  if (!bundle) {
    bundle = bundleWorkflowCode({ workflowsPath, logger: quietBundlerLogger });
    bundles.set(workflowsPath, bundle);
  }
  return bundle;
}

const noop = (): void => undefined;
const quietBundlerLogger = { log: noop, trace: noop, debug: noop, info: noop, warn: noop, error: console.error };
