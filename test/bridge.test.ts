// The alert bridge against a real dev server, with a worker running the real workflows: every
// answer Alertmanager can get, and what each does (or does not do) to the monitors.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { Readable } from 'node:stream';
import { Client, Connection } from '@temporalio/client';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import pino from 'pino';
import { request } from 'undici';
import { createActivities } from '../src/activities/index.js';
import { toBridgedAlert, type WebhookAlert } from '../src/bridge/alertmanager-payload.js';
import { bridgeConfigFromEnv } from '../src/bridge/config.js';
import { withEmbeddedBridge } from '../src/bridge/main.js';
import { createBridge, type Bridge } from '../src/bridge/server.js';
import { startMonitor } from '../src/monitor-client.js';
import { DEFAULT_PLAN_PATH, loadPlanFile } from '../src/plan/load.js';
import type { Plan } from '../src/plan/schema.js';
import { incidentQuery, statusQuery } from '../src/workflows/messages.js';
import { monitorWorkflowId } from '../src/temporal/ids.js';
import type { IncidentSummary } from '../src/plan/records.js';
import { newToken, postAlerts, webhookAlert, webhookPayload, pagerDutyOnly } from './support/alerts.js';
import { withFixtureCommands } from './support/plans.js';
import { freePort } from './support/prometheus.js';
import { startPagerDutyReceiver, type PagerDutyReceiver } from './support/receivers.js';
import { devServerEnv } from './support/temporal.js';
import { fileWorker, waitFor } from './support/harness.js';

const TASK_QUEUE = 'bridge-test';
const silent = pino({ level: 'silent' });
const token = newToken();

let env: TestWorkflowEnvironment;
let worker: Awaited<ReturnType<typeof fileWorker>> | undefined;
let bridge: Bridge;
let url: string;
let plan: Plan;
let pagerduty: PagerDutyReceiver;

before(async () => {
  env = await devServerEnv();
  const base = pagerDutyOnly(withFixtureCommands(await loadPlanFile(DEFAULT_PLAN_PATH)));
  // Nothing listens there: checkpoints are blind, which opens nothing before two in a row.
  plan = { ...base, prometheus: { ...base.prometheus, url: `http://127.0.0.1:${await freePort()}` } };
  // The plan pages P0/P1 through PagerDuty: a loopback stand-in receives them.
  pagerduty = await startPagerDutyReceiver();
  worker = await fileWorker(env, {
    taskQueue: TASK_QUEUE,
    activities: createActivities({
      logger: silent,
      env: { [plan.channels.pagerdutyRoutingKeyEnv ?? 'PAGERDUTY_ROUTING_KEY']: 'R'.repeat(32) },
      pagerdutyUrl: pagerduty.url,
    }),
  });
  bridge = createBridge({ client: env.client, logger: silent, token });
  ({ url } = await bridge.listen(0));
}, { timeout: 3 * 60_000 });

after(async () => {
  await bridge?.close();
  await worker?.stop();
  await pagerduty?.close();
  await env?.teardown();
}, { timeout: 3 * 60_000 });

async function start(deploymentId: string, service = plan.service): Promise<string> {
  const deployment = { id: deploymentId, version: '4.0.0', service, deployedAt: new Date().toISOString() };
  const started = await startMonitor(env.client, { deployment, plan, taskQueue: TASK_QUEUE });
  return started.workflowId;
}

async function incidents(workflowId: string): Promise<IncidentSummary[]> {
  return (await env.client.workflow.getHandle(workflowId).query(statusQuery)).incidents;
}

/** Waits until visibility shows `count` running monitors of `service` (it trails the start). */
async function visible(service: string, count: number): Promise<void> {
  await waitFor(`${count} running monitors of ${service} in visibility`, async () => {
    const { count: n } = await env.client.workflow.count(`Service = '${service}' AND ExecutionStatus = 'Running'`);
    return n === count ? true : undefined;
  });
}

async function metric(name: string): Promise<number> {
  const res = await request(`${url}/metrics`);
  const text = await res.body.text();
  return text
    .split('\n')
    .filter((line) => line.startsWith(name))
    .reduce((sum, line) => sum + Number(line.split(' ').at(-1)), 0);
}

/** TestPassRateLow as the rendered rules label it, plus `labels` (which may rename the alert). */
const passRateLow = (labels: Record<string, string>, overrides: Partial<Omit<WebhookAlert, 'labels'>> = {}): WebhookAlert =>
  webhookAlert({ ...overrides, labels: { alertname: 'TestPassRateLow', priority: 'P1', plan: plan.name, ...labels } });

describe('the payload', () => {
  test('an alert becomes what the monitor dedups on: fingerprint, normalised startsAt, status; no end while firing', { timeout: 3 * 60_000 }, () => {
    const firing = webhookAlert({ labels: { alertname: 'HighErrorRate', service: 'genesis' }, annotations: { description: 'only a description' } });
    assert.deepEqual(toBridgedAlert(firing), {
      fingerprint: firing.fingerprint,
      alertname: 'HighErrorRate',
      status: 'firing',
      startsAt: '2025-10-20T10:00:00.123Z',
      endsAt: null,
      labels: { alertname: 'HighErrorRate', service: 'genesis' },
      summary: 'only a description',
    });
    const resolved = toBridgedAlert({ ...firing, status: 'resolved', startsAt: '2025-10-20T12:00:00.5+02:00', endsAt: '2025-10-20T10:05:00Z' });
    assert.deepEqual([resolved.startsAt, resolved.endsAt], ['2025-10-20T10:00:00.500Z', '2025-10-20T10:05:00.000Z']);
  });
});

describe('requests Alertmanager must not retry', () => {
  const valid = () => webhookPayload([passRateLow({ deployment_id: 'nobody' })]);

  test('no token, or a wrong one: 401, and nothing is looked up', { timeout: 3 * 60_000 }, async () => {
    const none = await postAlerts(url, null, valid());
    assert.equal(none.status, 401);
    const wrong = await postAlerts(url, `${token}x`, valid());
    assert.equal(wrong.status, 401);
    const otherScheme = await request(`${url}/alertmanager`, { method: 'POST', headers: { authorization: `Basic ${token}` }, body: JSON.stringify(valid()) });
    assert.equal(otherScheme.statusCode, 401);
    await otherScheme.body.dump();
  });

  test('a 10 MB body is refused with 413 without being read, declared or chunked', { timeout: 3 * 60_000 }, async () => {
    const tenMegabytes = Buffer.alloc(10 * 1024 * 1024, 0x20);
    const declared = await request(`${url}/alertmanager`, { method: 'POST', headers: { authorization: `Bearer ${token}` }, body: tenMegabytes });
    assert.equal(declared.statusCode, 413);
    assert.match(((await declared.body.json()) as { error: string }).error, /over the 1048576-byte limit/);

    const chunks = function* () {
      for (let i = 0; i < 160; i++) yield Buffer.alloc(64 * 1024, 0x20);
    };
    const chunked = await request(`${url}/alertmanager`, { method: 'POST', headers: { authorization: `Bearer ${token}` }, body: Readable.from(chunks()) });
    assert.equal(chunked.statusCode, 413);
    await chunked.body.dump();
  });

  test('malformed JSON, another payload version or a missing field: 400 naming the problem', { timeout: 3 * 60_000 }, async () => {
    const notJson = await postAlerts(url, token, '{"version": "4", "alerts": [');
    assert.equal(notJson.status, 400);
    assert.match(notJson.body.error ?? '', /^not JSON/);

    const v3 = await postAlerts(url, token, { ...valid(), version: '3' });
    assert.equal(v3.status, 400);
    assert.match(v3.body.error ?? '', /version: must be "4"/);

    const { fingerprint: _omitted, ...noFingerprint } = passRateLow({ deployment_id: 'nobody' });
    const missing = await postAlerts(url, token, webhookPayload([noFingerprint as never]));
    assert.equal(missing.status, 400);
    assert.match(missing.body.error ?? '', /alerts\[0\]\.fingerprint/);
  });

  test('an alert for no running monitor: 200, reported in the answer and the metric, nothing opened', { timeout: 3 * 60_000 }, async () => {
    const before = await metric('deploywatch_bridge_unknown_deployment_alerts_total');
    const answer = await postAlerts(
      url,
      token,
      webhookPayload([passRateLow({ deployment_id: 'never-deployed' }), passRateLow({ service: 'no-such-service' }), passRateLow({ alertname: 'Orphan' })]),
    );
    assert.equal(answer.status, 200);
    assert.deepEqual(answer.body.forwarded, []);
    assert.deepEqual(
      answer.body.unknown.map((u) => u.reason),
      ['no_running_monitor', 'no_running_monitor', 'no_routing_label'],
    );
    assert.match(answer.body.unknown[0]!.detail, /monitor-never-deployed is not running/);
    assert.equal(await metric('deploywatch_bridge_unknown_deployment_alerts_total'), before + 3);
    const monitors = await env.client.workflow.count(`WorkflowId = '${monitorWorkflowId('never-deployed')}'`);
    assert.equal(monitors.count, 0);
  });
});

describe('alerts for running monitors', () => {
  test('the same notification delivered twice (and once more concurrently) opens exactly one incident', { timeout: 3 * 60_000 }, async () => {
    const workflowId = await start('bridge-repeat');
    const payload = webhookPayload([passRateLow({ deployment_id: 'bridge-repeat' })]);

    const first = await postAlerts(url, token, payload);
    assert.equal(first.status, 200);
    assert.deepEqual(first.body.forwarded, [{ workflowId, alerts: 1 }]);
    const again = await Promise.all([postAlerts(url, token, payload), postAlerts(url, token, payload)]);
    assert.deepEqual(again.map((a) => a.status), [200, 200]);

    const opened = await waitFor('the incident', async () => {
      const list = await incidents(workflowId);
      return list.length > 0 ? list : undefined;
    });
    // The query runs after every signal the server accepted, so the repeats have been seen.
    assert.deepEqual(
      (await incidents(workflowId)).map((i) => i.alert),
      ['TestPassRateLow'],
    );
    assert.equal(opened[0]!.priority, 'P1');
    assert.equal(opened[0]!.startedAt, '2025-10-20T10:00:00.123Z');
    const paged = await waitFor('the page', async () => {
      const found = pagerduty.incidentsFor(opened[0]!.id);
      return found.length > 0 ? found : undefined;
    });
    assert.equal(paged.length, 1, 'one PagerDuty incident');
  });

  test('firing, then resolved: the incident records Alertmanager\'s resolution as evidence', { timeout: 3 * 60_000 }, async () => {
    const workflowId = await start('bridge-resolve');
    const firing = passRateLow({ deployment_id: 'bridge-resolve' }, { startsAt: '2025-10-20T11:00:00Z' });
    assert.equal((await postAlerts(url, token, webhookPayload([firing]))).status, 200);
    const [incident] = await waitFor('the incident', async () => {
      const list = await incidents(workflowId);
      return list.length > 0 ? list : undefined;
    });

    const resolved = { ...firing, status: 'resolved' as const, endsAt: '2025-10-20T11:04:30Z' };
    const answer = await postAlerts(url, token, webhookPayload([resolved]));
    assert.deepEqual(answer.body.forwarded, [{ workflowId, alerts: 1 }]);

    const timeline = await waitFor('resolution evidence', async () => {
      const summary = await env.client.workflow.getHandle(incident!.workflowId).query(incidentQuery);
      return summary.timeline.some((t) => t.event === 'clear') ? summary.timeline : undefined;
    });
    assert.ok(timeline.some((t) => t.event === 'clear' && t.detail === 'Alertmanager: resolved'));
    assert.equal((await incidents(workflowId)).length, 1, 'a resolution opens nothing');
  });

  test('by service label: the newest running monitor of that service, never a stopped one', { timeout: 3 * 60_000 }, async () => {
    const service = 'bridge-routing-svc';
    const older = await start('route-older', service);
    const newer = await start('route-newer', service);
    const stopped = await start('route-stopped', service);
    await env.client.workflow.getHandle(stopped).terminate('replaced');
    await visible(service, 2);

    const answer = await postAlerts(url, token, webhookPayload([passRateLow({ service }), passRateLow({ alertname: 'HighErrorRate', job: service })]));
    assert.equal(answer.status, 200);
    assert.deepEqual(answer.body.forwarded, [{ workflowId: newer, alerts: 2 }], 'one signal carries both alerts');

    const opened = await waitFor('both incidents', async () => {
      const list = await incidents(newer);
      return list.length === 2 ? list : undefined;
    });
    assert.deepEqual(opened.map((i) => i.alert).sort(), ['HighErrorRate', 'TestPassRateLow']);
    assert.deepEqual(await incidents(older), []);
  });
});

describe('service', () => {
  test('Temporal unreachable: 503, so Alertmanager retries', { timeout: 3 * 60_000 }, async () => {
    const connection = Connection.lazy({ address: `127.0.0.1:${await freePort()}` });
    const offline = createBridge({ client: new Client({ connection }), logger: silent, token, temporalTimeoutMs: 3_000 });
    const { url: offlineUrl } = await offline.listen(0);
    try {
      const answer = await postAlerts(offlineUrl, token, webhookPayload([passRateLow({ deployment_id: 'anything' })]));
      assert.equal(answer.status, 503);
      const byService = await postAlerts(offlineUrl, token, webhookPayload([passRateLow({ service: 'anything' })]));
      assert.equal(byService.status, 503);
      const metrics = await (await request(`${offlineUrl}/metrics`)).body.text();
      assert.match(metrics, /^deploywatch_bridge_temporal_reachable 0$/m);
      assert.match(metrics, /^deploywatch_bridge_requests_total\{outcome="unavailable"\} 2$/m);
    } finally {
      await offline.close();
      await connection.close();
    }
  });

  test("given a plan, alerts that are not the plan's are reported, not forwarded", { timeout: 3 * 60_000 }, async () => {
    const planned = createBridge({ client: env.client, logger: silent, token, plan });
    const { url: plannedUrl } = await planned.listen(0);
    try {
      const answer = await postAlerts(plannedUrl, token, webhookPayload([passRateLow({ alertname: 'DeploywatchWorkerDown', deployment_id: 'bridge-repeat' })]));
      assert.equal(answer.status, 200);
      assert.deepEqual(answer.body.forwarded, []);
      assert.deepEqual(answer.body.unknown.map((u) => u.reason), ['not_in_plan']);
    } finally {
      await planned.close();
    }
  });

  test('/healthz and /metrics answer without a token', { timeout: 3 * 60_000 }, async () => {
    const health = await request(`${url}/healthz`);
    assert.equal(health.statusCode, 200);
    await health.body.dump();
    const metrics = await (await request(`${url}/metrics`)).body.text();
    for (const name of [
      'deploywatch_bridge_up 1',
      'deploywatch_bridge_requests_total{outcome="unauthorized"}',
      'deploywatch_bridge_alerts_forwarded_total',
      'deploywatch_bridge_unknown_deployment_alerts_total',
      'deploywatch_bridge_signal_failures_total',
      'deploywatch_bridge_temporal_reachable 1',
      'deploywatch_bridge_monitors_running',
    ]) {
      assert.ok(metrics.includes(name), `${name} in /metrics`);
    }
    const wrongMethod = await request(`${url}/alertmanager`);
    assert.equal(wrongMethod.statusCode, 405);
    await wrongMethod.body.dump();
  });

  test('beside the worker: DEPLOYWATCH_BRIDGE_EMBED=1 serves while the worker runs and stops with it', { timeout: 3 * 60_000 }, async () => {
    const port = await freePort();
    const embedEnv = { DEPLOYWATCH_BRIDGE_EMBED: '1', DEPLOYWATCH_BRIDGE_TOKEN: token, DEPLOYWATCH_BRIDGE_PORT: String(port) };
    const saved = process.env.TEMPORAL_ADDRESS;
    process.env.TEMPORAL_ADDRESS = env.address;
    try {
      const answer = await withEmbeddedBridge(silent, async () => {
        const workflowId = await start('bridge-embedded');
        return { workflowId, posted: await postAlerts(`http://127.0.0.1:${port}`, token, webhookPayload([passRateLow({ deployment_id: 'bridge-embedded' })])) };
      }, embedEnv);
      assert.deepEqual(answer.posted.body.forwarded, [{ workflowId: answer.workflowId, alerts: 1 }]);
      await assert.rejects(request(`http://127.0.0.1:${port}/healthz`), /ECONNREFUSED/);
      assert.equal(await withEmbeddedBridge(silent, async () => 'no bridge', {}), 'no bridge');
    } finally {
      if (saved === undefined) delete process.env.TEMPORAL_ADDRESS;
      else process.env.TEMPORAL_ADDRESS = saved;
    }
  });

  test('start-up configuration fails fast with a message that says what to set', { timeout: 3 * 60_000 }, () => {
    assert.throws(() => bridgeConfigFromEnv({}), /DEPLOYWATCH_BRIDGE_TOKEN is not set/);
    assert.throws(() => bridgeConfigFromEnv({ DEPLOYWATCH_BRIDGE_TOKEN: 'short' }), /at least 16 characters/);
    assert.throws(() => bridgeConfigFromEnv({ DEPLOYWATCH_BRIDGE_TOKEN: token, DEPLOYWATCH_BRIDGE_PORT: 'http' }), /DEPLOYWATCH_BRIDGE_PORT="http"/);
    assert.deepEqual(bridgeConfigFromEnv({ DEPLOYWATCH_BRIDGE_TOKEN: token }), { token, port: 9095, host: '127.0.0.1', maxBodyBytes: 1024 * 1024 });
  });
});
