// Backtest: the whole plan against history already in a Prometheus, on the time-skipping server.
// Checks evaluate at deployed-at + offset; the workflow's clock starts at its own start time.
import { setTimeout as sleep } from 'node:timers/promises';
import { TestWorkflowEnvironment } from '@temporalio/testing';
import { Worker, type ActivityInterceptorsFactory, type WorkflowBundle, type WorkflowBundleOption } from '@temporalio/worker';
import { temporal } from '@temporalio/proto';
import type { Logger } from 'pino';
import { createActivities } from './activities/index.js';
import type { Plan } from './plan/schema.js';
import { testServerPath } from './temporal/binaries.js';
import { cachedWorkflowBundle } from './temporal/workflow-bundle.js';
import { deploymentMonitor } from './workflows/deployment-monitor/index.js';
import { incidentQuery, statusQuery } from './workflows/messages.js';
import { monitorWorkflowId } from './temporal/ids.js';
import type { IncidentSummary } from './plan/records.js';
import type { Outcome } from './workflows/inputs.js';
import { SEARCH_ATTRIBUTES } from './workflows/search-attributes.js';

export interface BacktestOptions {
  prometheusUrl: string;
  deployedAt: string;
  plan: Plan;
  logger: Logger;
  /** A prebuilt workflow bundle (tests share one); otherwise bundled here. */
  workflowBundle?: WorkflowBundle;
}

export interface BacktestResult {
  outcome: Outcome;
  deployedAt: string;
  plan: string;
  checkpoints: Array<{ offsetHours: number; at: string; status: string }>;
  incidents: Array<{
    alert: string;
    priority: string;
    startedAt: string;
    detectedAt: string;
    resolvedAt: string | null;
    escalatedTo: string[];
  }>;
  rollbacks: Array<{ at: string; reason: string }>;
  criteria: Array<{ id: string; passed: boolean; value: number | null; threshold: string; worstAt: string | null; detail: string }>;
  /** Notifications are recorded, never sent: how many the live system would have sent. */
  wallSeconds: number;
}

const TASK_QUEUE = 'deploywatch-backtest';
const FIRST_STEP_EVENTS = /^(paged |notice|digest|resolved)/;

async function settledIncident(env: TestWorkflowEnvironment, reported: IncidentSummary): Promise<IncidentSummary> {
  const handle = env.client.workflow.getHandle(reported.workflowId);
  let latest = reported;
  // Bounded: a child that never answers leaves the monitor's copy in the result.
  for (let i = 0; i < 100; i++) {
    try {
      latest = await handle.query(incidentQuery);
    } catch {
      return latest;
    }
    if (latest.status === 'resolved' || latest.timeline.some((t) => FIRST_STEP_EVENTS.test(t.event))) return latest;
    await sleep(100);
  }
  return latest;
}

function firstCheckpointLog(logger: Logger): ActivityInterceptorsFactory {
  let seen = false;
  return (ctx) => {
    if (!seen && ctx.info.activityType === 'runCheckpoint') {
      seen = true;
      logger.info({ sinceProcessStartSeconds: Math.round(performance.now()) / 1000 }, 'backtest: first checkpoint');
    }
    return {};
  };
}

export async function runBacktest(options: BacktestOptions): Promise<BacktestResult> {
  const started = Date.now();
  const deployedAt = new Date(options.deployedAt).toISOString();
  const plan: Plan = { ...options.plan, prometheus: { ...options.plan.prometheus, url: options.prometheusUrl } };
  options.logger.info({ deployedAt, prometheus: options.prometheusUrl, plan: plan.name }, 'backtest: starting the time-skipping server');
  // The server starts while the bundle is read from the cache (or built, once per version of the sources).
  const bundle: Promise<WorkflowBundleOption> = options.workflowBundle ? Promise.resolve(options.workflowBundle) : cachedWorkflowBundle();
  // Awaited below; until then a failure must not count as an unhandled rejection.
  bundle.catch(() => undefined);
  const env = await TestWorkflowEnvironment.createTimeSkipping({
    server: { executable: { type: 'existing-path', path: testServerPath() } },
  });
  try {
    await env.connection.operatorService.addSearchAttributes({
      namespace: env.namespace ?? 'default',
      searchAttributes: Object.fromEntries(
        SEARCH_ATTRIBUTES.map((k) => [k.name, temporal.api.enums.v1.IndexedValueType.INDEXED_VALUE_TYPE_KEYWORD]),
      ),
    });
    const worker = await Worker.create({
      connection: env.nativeConnection,
      taskQueue: TASK_QUEUE,
      workflowBundle: await bundle,
      activities: createActivities({ logger: options.logger }),
      // Start-up ends when the first checkpoint starts: logged once, for whoever measures it.
      interceptors: { activity: [firstCheckpointLog(options.logger)] },
    });
    const deploymentId = `backtest-${deployedAt.replace(/[^0-9]/g, '').slice(0, 14)}`;
    const { outcome, status } = await worker.runUntil(async () => {
      const handle = await env.client.workflow.start(deploymentMonitor, {
        workflowId: monitorWorkflowId(deploymentId),
        taskQueue: TASK_QUEUE,
        args: [
          {
            deployment: { id: deploymentId, version: 'backtest', service: plan.service, deployedAt },
            plan,
            clockBase: 'workflow-start',
            dryRun: true,
          },
        ],
      });
      const outcome = await handle.result();
      // Incidents escalate in their own workflows: read each from its source, once its first
      // step (the page, notice or digest at detection) has run, not the monitor's last report.
      const incidents = await Promise.all(outcome.incidents.map((i) => settledIncident(env, i)));
      return { outcome: { ...outcome, incidents }, status: await handle.query(statusQuery) };
    });
    const verdict = outcome.verdicts.at(-1);
    return {
      outcome: outcome.outcome,
      deployedAt,
      plan: plan.name,
      checkpoints: status.checklist
        .filter((c) => c.finishedAt)
        .map((c) => ({ offsetHours: c.offsetSeconds / 3600, at: c.evaluationTime, status: c.status })),
      incidents: outcome.incidents.map((i) => ({
        alert: i.alert,
        priority: i.priority,
        startedAt: i.startedAt,
        detectedAt: i.detectedAt,
        resolvedAt: i.resolvedAt,
        escalatedTo: i.escalatedTo,
      })),
      rollbacks: outcome.rollback?.ok ? [{ at: outcome.rollback.at, reason: outcome.rollback.reason }] : [],
      criteria: (verdict?.criteria ?? []).map((c) => ({
        id: c.id,
        passed: c.passed,
        value: c.value,
        threshold: c.threshold,
        worstAt: c.worstAt,
        detail: c.detail,
      })),
      wallSeconds: (Date.now() - started) / 1000,
    };
  } finally {
    await env.teardown();
  }
}
