// The whole detection path, real at every hop: a scrape target the test controls → Prometheus with
// the plan's rendered rules → Alertmanager with the plan's rendered routes → the bridge → a monitor
// on a dev server. Used by the end-to-end test and by the detection-latency benchmark.
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import type { WorkflowHandle } from '@temporalio/client';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import pino from 'pino';
import { request } from 'undici';
import { createActivities } from '../../src/activities/index.js';
import { createBridge, type Bridge } from '../../src/bridge/server.js';
import { startMonitor } from '../../src/monitor-client.js';
import { parseDurationSeconds } from '../../src/plan/duration.js';
import { DEFAULT_PLAN_PATH, loadPlanFile } from '../../src/plan/load.js';
import type { Plan } from '../../src/plan/schema.js';
import { renderAlertmanagerConfig, renderPrometheusRules } from '../../src/render/index.js';
import { type MonitorStatus, statusQuery } from '../../src/workflows/messages.js';
import type { deploymentMonitor } from '../../src/workflows/deployment-monitor/index.js';
import { newToken, pagerDutyOnly } from './alerts.js';
import { withFixtureCommands } from './plans.js';
import {
  startAlertmanager,
  startMetricsTarget,
  startPrometheus,
  type MetricsTarget,
  type RunningAlertmanager,
  type RunningPrometheus,
} from './prometheus.js';
import { startPagerDutyReceiver, type PagerDutyReceiver } from './receivers.js';
import { devServerEnv } from './temporal.js';
import { fileWorker, waitFor } from './harness.js';

const TASK_QUEUE = 'alert-pipeline';
export const PASS_RATE = 'genesis_test_pass_rate';
export const ALERT = 'TestPassRateLow';

export interface PipelineOptions {
  /** Alertmanager's group_wait for the plan's route (the plan's own value by default). */
  groupWait?: string;
  /** The `for` of every Prometheus alert of the plan (seconds-scale so a test runs in a minute). */
  alertFor?: string;
}

export interface Detection {
  deploymentId: string;
  /** Epoch ms: Prometheus's activeAt + `for`, the first instant the rule could fire. */
  firingAt: number;
  /** Epoch ms: the bridge received Alertmanager's post that it signalled the monitor with (from its log). */
  forwardedAt: number;
  /** Epoch ms: the incident's detectedAt, in the monitor's workflow time. */
  openedAt: number;
  status: MonitorStatus;
}

export interface AlertPipeline {
  plan: Plan;
  env: TestWorkflowEnvironment;
  groupWaitMs: number;
  start(deploymentId: string): Promise<WorkflowHandle<typeof deploymentMonitor>>;
  /**
   * Breaches the plan's TestPassRateLow on the target and waits for the monitor to open the
   * incident. With `labelDeployment`, the series carries `deployment_id` (routing by id and its own
   * Alertmanager group); without, the bridge routes by the rules' `service` label.
   */
  breachAndDetect(deploymentId: string, options?: { labelDeployment?: boolean; timeoutMs?: number }): Promise<Detection>;
  stop(): Promise<void>;
}

interface PromAlert {
  labels: Record<string, string>;
  state: 'pending' | 'firing' | 'inactive';
  activeAt: string;
}

/** The default plan with seconds-scale timings, local commands, and pages only through PagerDuty. */
export async function pipelinePlan(options: PipelineOptions = {}): Promise<Plan> {
  const base = pagerDutyOnly(withFixtureCommands(await loadPlanFile(DEFAULT_PLAN_PATH)));
  return {
    ...base,
    prometheus: { ...base.prometheus, scrapeInterval: '1s' },
    alerts: base.alerts.map((a) => (a.source === 'prometheus' ? { ...a, for: options.alertFor ?? '2s' } : a)),
    alertmanager: { groupWait: options.groupWait ?? base.alertmanager.groupWait, groupInterval: '1s', repeatInterval: '1m' },
  };
}

export async function startAlertPipeline(options: PipelineOptions = {}): Promise<AlertPipeline> {
  const cleanups: Array<() => Promise<void>> = [];
  const stop = async (): Promise<void> => {
    for (const cleanup of cleanups.reverse()) await cleanup().catch(() => undefined);
  };
  try {
    const dir = await mkdtemp(join(tmpdir(), 'deploywatch-pipeline-'));
    cleanups.push(() => rm(dir, { recursive: true, force: true }));
    const env = await devServerEnv();
    cleanups.push(() => env.teardown());

    // The bridge logs each delivery; the benchmark reads the times from the log, as an operator would.
    const forwarded: Array<{ at: number; workflowIds: string[] }> = [];
    const logSink = new Writable({
      write(chunk: Buffer, _encoding, done) {
        for (const line of chunk.toString('utf8').split('\n').filter(Boolean)) {
          const entry = JSON.parse(line) as { msg: string; receivedAt?: string; forwarded?: Array<{ workflowId: string }> };
          if (entry.msg === 'alerts forwarded' && entry.receivedAt) {
            forwarded.push({ at: Date.parse(entry.receivedAt), workflowIds: (entry.forwarded ?? []).map((f) => f.workflowId) });
          }
        }
        done();
      },
    });
    const token = newToken();
    const bridge: Bridge = createBridge({ client: env.client, logger: pino({ level: 'info' }, logSink), token });
    const { url: bridgeUrl } = await bridge.listen(0);
    cleanups.push(() => bridge.close());

    const pagerduty: PagerDutyReceiver = await startPagerDutyReceiver();
    cleanups.push(() => pagerduty.close());

    const target: MetricsTarget = await startMetricsTarget({ [PASS_RATE]: 100 });
    cleanups.push(() => target.stop());

    const secrets = join(dir, 'secrets');
    await mkdir(secrets);
    await writeFile(join(secrets, 'bridge_token'), token);
    await writeFile(join(secrets, 'pagerduty_routing_key'), 'R'.repeat(32));
    await writeFile(join(secrets, 'slack_sre_webhook_url'), `${pagerduty.origin}/slack-not-used`);

    let plan = await pipelinePlan(options);
    const alertmanager: RunningAlertmanager = await startAlertmanager(
      renderAlertmanagerConfig(plan, { bridgeUrl: `${bridgeUrl}/alertmanager`, tokenFile: join(secrets, 'bridge_token') }),
    );
    cleanups.push(() => alertmanager.stop());

    const prometheus: RunningPrometheus = await startPrometheus({
      scrapeIntervalSeconds: parseDurationSeconds(plan.prometheus.scrapeInterval),
      scrapeJobs: [{ job: plan.prometheus.serviceJob, targets: [target.target] }],
      rules: [renderPrometheusRules(plan)],
      alertmanagers: [alertmanager.target],
    });
    cleanups.push(() => prometheus.stop());
    plan = { ...plan, prometheus: { ...plan.prometheus, url: prometheus.url } };

    const worker = await fileWorker(env, {
      taskQueue: TASK_QUEUE,
      activities: createActivities({
        logger: pino({ level: 'silent' }),
        env: { [plan.channels.pagerdutyRoutingKeyEnv ?? 'PAGERDUTY_ROUTING_KEY']: 'R'.repeat(32) },
        pagerdutyUrl: pagerduty.url,
      }),
    });
    cleanups.push(worker.stop);

    const forSeconds = parseDurationSeconds(plan.alerts.find((a) => a.name === ALERT)!.for);

    async function activeAlerts(): Promise<PromAlert[]> {
      const res = await request(`${prometheus.url}/api/v1/alerts`);
      const { data } = (await res.body.json()) as { data: { alerts: PromAlert[] } };
      return data.alerts.filter((a) => a.labels.alertname === ALERT);
    }

    async function firingAt(deploymentId: string | null): Promise<number> {
      const alert = await waitFor(
        `${ALERT} firing in Prometheus`,
        async () => (await activeAlerts()).find((a) => a.state === 'firing' && (deploymentId === null || a.labels.deployment_id === deploymentId)),
        { timeoutMs: 60_000 },
      );
      return Date.parse(alert.activeAt) + forSeconds * 1000;
    }

    return {
      plan,
      env,
      groupWaitMs: parseDurationSeconds(plan.alertmanager.groupWait) * 1000,
      async start(deploymentId) {
        const deployment = { id: deploymentId, version: '4.0.0', service: plan.service, deployedAt: new Date().toISOString() };
        const { workflowId } = await startMonitor(env.client, { deployment, plan, taskQueue: TASK_QUEUE });
        const handle = env.client.workflow.getHandle<typeof deploymentMonitor>(workflowId);
        await waitFor(`${workflowId} in visibility`, async () => {
          const { count } = await env.client.workflow.count(`WorkflowId = '${workflowId}' AND ExecutionStatus = 'Running'`);
          return count === 1 ? true : undefined;
        });
        // T+0 runs at once; once it is done, the next checkpoint is the plan's first interval away.
        await waitFor(`${workflowId} T+0 checkpoint`, async () => ((await handle.query(statusQuery)).checklist[0]?.finishedAt ? true : undefined), { timeoutMs: 60_000 });
        return handle;
      },
      async breachAndDetect(deploymentId, { labelDeployment = false, timeoutMs = 120_000 } = {}) {
        const handle = env.client.workflow.getHandle(`monitor-${deploymentId}`);
        const series = labelDeployment ? `${PASS_RATE}{deployment_id="${deploymentId}"}` : PASS_RATE;
        target.set(series, 90);
        try {
          const fired = await firingAt(labelDeployment ? deploymentId : null);
          const status = await waitFor(
            `the ${ALERT} incident on monitor-${deploymentId}`,
            async () => {
              const s = await handle.query(statusQuery);
              return s.incidents.some((i) => i.alert === ALERT) ? s : undefined;
            },
            { timeoutMs },
          );
          const incident = status.incidents.find((i) => i.alert === ALERT)!;
          const delivery = forwarded.find((f) => f.workflowIds.includes(handle.workflowId));
          return {
            deploymentId,
            firingAt: fired,
            forwardedAt: delivery?.at ?? Number.NaN,
            openedAt: Date.parse(incident.detectedAt),
            status,
          };
        } finally {
          if (labelDeployment) target.remove(series);
          else target.set(series, 100);
        }
      },
      stop,
    };
  } catch (err) {
    await stop();
    throw err;
  }
}
