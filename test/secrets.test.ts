// Secrets never enter workflow history (issue 4): whole monitor windows on a dev server, one where
// every channel works and one where every channel fails (Slack and PagerDuty refuse with 4xx and 5xx
// and echo what they were sent, SMTP refuses the login), with secret webhook paths, a PagerDuty
// routing key and an SMTP password in the worker's environment. Every history of the monitor and of
// each incident it opened is exported, and no secret appears in any of them, nor in the workers' logs.
import { after, before, test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Client } from '@temporalio/client';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { DefaultLogger } from '@temporalio/worker';
import pino from 'pino';
import { createActivities } from '../src/activities/index.js';
import { startMonitor } from '../src/monitor-client.js';
import type { Plan } from '../src/plan/schema.js';
import type { deploymentMonitor } from '../src/workflows/deployment-monitor/index.js';
import { escalateSignal, type MonitorStatus, notificationsQuery, resolveSignal } from '../src/workflows/messages.js';
import type { MonitorOutcome } from '../src/workflows/inputs.js';
import { startLiveGenesis, type LiveGenesis } from './support/live-genesis.js';
import { finishWindow, statusOf, type MonitorHandle } from './support/monitors.js';
import { startPagerDutyReceiver, startSlackReceiver, startSmtpServer, type PagerDutyReceiver, type SlackReceiver, type SmtpReceiver } from './support/receivers.js';
import { shortPlan } from './support/short-plan.js';
import { devServerEnv, testRuntime } from './support/temporal.js';
import { fileWorker, waitFor } from './support/harness.js';

// The failing run's activity failures are expected; the SDK would log each one.
testRuntime({ logger: new DefaultLogger('ERROR'), telemetryOptions: { logging: { filter: { core: 'ERROR', other: 'ERROR' }, forward: {} } } });

let dir: string;
let env: TestWorkflowEnvironment;
let live: LiveGenesis;
let plan: Plan;
const cleanups: Array<() => Promise<unknown>> = [];

before(async () => {
  dir = await mkdtemp(join(tmpdir(), 'deploywatch-secrets-'));
  cleanups.push(() => rm(dir, { recursive: true, force: true }));
  live = await startLiveGenesis();
  cleanups.push(() => live.stop());
  env = await devServerEnv({ dbFilename: join(dir, 'temporal.db') });
  cleanups.push(() => env.teardown());
  plan = await shortPlan({ prometheusUrl: live.prometheus.url, reportDir: join(dir, 'reports') });
}, { timeout: 3 * 60_000 });

after(async () => {
  for (const cleanup of cleanups.reverse()) await cleanup().catch((err: unknown) => console.error('secrets cleanup:', err));
}, { timeout: 3 * 60_000 });

interface Channels {
  slack: SlackReceiver;
  pagerduty: PagerDutyReceiver;
  smtp: SmtpReceiver;
  /** The worker's environment: every notification secret, by the names the plan gives them. */
  env: Record<string, string>;
  /** Each secret, whole and in the parts that could leak on their own. */
  secrets: string[];
}

/** Receivers and secrets for one run; `tag` keeps one run's secrets apart from the other's. */
async function channels(tag: string, smtpLogin: 'right' | 'wrong'): Promise<Channels> {
  const [slack, pagerduty, smtp] = await Promise.all([startSlackReceiver(), startPagerDutyReceiver(), startSmtpServer({ user: `dw-${tag}`, pass: `Sm+tp/${tag} p@ss:w0rd%!` })]);
  cleanups.push(() => slack.close(), () => pagerduty.close(), () => smtp.close());
  const token = (name: string) => `${tag}${name}Xq7Vb2Kp9Lm4Zt8Wc3Rd6Yh1`;
  const hooks = {
    SLACK_WEBHOOK_GENESIS_ALERTS: slack.url(`/services/T0${tag.toUpperCase()}/B0ALERTS/${token('Alerts')}`),
    SLACK_WEBHOOK_GENESIS_MONITORING: slack.url(`/services/T0${tag.toUpperCase()}/B0MONITOR/${token('Monitoring')}`),
    SLACK_WEBHOOK_GENESIS_LOGS: slack.url(`/services/T0${tag.toUpperCase()}/B0LOGS/${token('Logs')}`),
  };
  const routingKey = `R${tag}`.toUpperCase().padEnd(32, 'K9').slice(0, 32);
  const password = smtpLogin === 'right' ? `Sm+tp/${tag} p@ss:w0rd%!` : `Wr0ng/${tag} p@ss:w0rd%?`;
  const smtpUrl = smtp.url(`dw-${tag}`, password);
  const secrets = [
    ...Object.values(hooks).flatMap((url) => [url, new URL(url).pathname, new URL(url).pathname.split('/').at(-1)!]),
    routingKey,
    smtpUrl,
    password,
  ];
  return {
    slack,
    pagerduty,
    smtp,
    env: { ...hooks, PAGERDUTY_ROUTING_KEY: routingKey, DEPLOYWATCH_SMTP_URL: smtpUrl },
    secrets,
  };
}

async function run(t: TestContext, id: string, ch: Channels, logLines: string[]): Promise<{ handle: MonitorHandle; outcome: MonitorOutcome; status: MonitorStatus }> {
  const taskQueue = `secrets-${id}`;
  const logger = pino({ level: 'debug' }, { write: (line: string) => void logLines.push(line) });
  const worker = await fileWorker(env, {
    taskQueue,
    activities: createActivities({ logger, env: ch.env, pagerdutyUrl: ch.pagerduty.url, client: () => env.client, taskQueue }),
  });
  cleanups.push(worker.stop);
  const deployment = { id, version: '4.0.0', service: plan.service, deployedAt: new Date().toISOString() };
  const { workflowId } = await startMonitor(env.client, { deployment, plan, taskQueue });
  const handle = env.client.workflow.getHandle<typeof deploymentMonitor>(workflowId);
  cleanups.push(() => handle.terminate('secrets test over').catch(() => undefined));

  // Every route: a P1 pages (Slack #genesis-alerts and PagerDuty), a P2 notices #genesis-monitoring,
  // a P4 goes to the digest (email and #genesis-logs).
  for (const [priority, reason] of [['P1', 'customers report errors'], ['P2', 'slow dashboards'], ['P4', 'a flaky test']] as const) {
    await handle.signal(escalateSignal, { priority, reason, actor: 'secrets-test' });
  }
  const manual = await waitFor(`${id}: three incidents`, async () => {
    const s = await statusOf(handle);
    return s && s.incidents.filter((i) => i.alert === 'ManualEscalation').length === 3 ? s.incidents.filter((i) => i.alert === 'ManualEscalation') : undefined;
  }, { timeoutMs: 60_000, everyMs: 250 });
  // Each notification tried to its end (delivered, or refused for good), then the P1 is resolved so the window can graduate.
  await waitFor(`${id}: every notification attempted`, async () => {
    // An escalation workflow may still be starting: not found yet is asked again.
    const records = await Promise.all(manual.map((i) => env.client.workflow.getHandle(i.workflowId).query(notificationsQuery))).catch(() => undefined);
    return records && records.flat().length >= 4 && records.flat().every((r) => r.delivered || r.error) ? true : undefined;
  }, { timeoutMs: 3 * 60_000, everyMs: 500 });
  for (const incident of manual) {
    await handle.signal(resolveSignal, { incident: incident.number, actor: 'secrets-test', note: 'test over' });
  }
  const outcome = await finishWindow(handle, id);
  const status = (await statusOf(handle))!;
  t.diagnostic(`${id}: ${outcome.outcome}; incidents ${status.incidents.map((i) => `${i.priority} ${i.alert}`).join(', ')}`);
  return { handle, outcome, status };
}

/** Every execution of the monitor and of its incidents (all runs), as the visibility store lists them. */
async function executions(client: Client, status: MonitorStatus, monitorId: string): Promise<Array<{ workflowId: string; runId: string }>> {
  const expected = new Set([monitorId, ...status.incidents.map((i) => i.workflowId)]);
  return await waitFor(`${monitorId}: its workflows in visibility`, async () => {
    const found: Array<{ workflowId: string; runId: string }> = [];
    for await (const wf of client.workflow.list()) {
      if (wf.workflowId === monitorId || wf.workflowId.startsWith(`${monitorId}/`)) found.push({ workflowId: wf.workflowId, runId: wf.runId });
    }
    const ids = new Set(found.map((f) => f.workflowId));
    return [...expected].every((id) => ids.has(id)) ? found : undefined;
  }, { timeoutMs: 60_000, everyMs: 500 });
}

/**
 * A proto message as plain data, every byte field (payloads, their metadata) decoded as UTF-8 text.
 * Not JSON.stringify on the message itself: its toJSON would hide payloads as base64.
 */
function plain(value: unknown): unknown {
  if (value instanceof Uint8Array) return Buffer.from(value).toString('utf8');
  if (typeof value === 'bigint') return String(value);
  if (Array.isArray(value)) return value.map(plain);
  if (value !== null && typeof value === 'object') return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, plain(v)]));
  return value;
}

/** History and description (what the Web UI shows) of each execution, as text. */
async function exported(client: Client, list: Array<{ workflowId: string; runId: string }>): Promise<Map<string, string>> {
  const out = new Map<string, string>();
  for (const { workflowId, runId } of list) {
    const handle = client.workflow.getHandle(workflowId, runId);
    const [history, description] = await Promise.all([handle.fetchHistory(), handle.describe()]);
    out.set(`${workflowId} (${runId})`, JSON.stringify(plain({ history, description: description.raw })));
  }
  return out;
}

function assertNoSecrets(where: string, text: string, secrets: string[]): void {
  for (const secret of secrets) {
    for (const form of new Set([secret, encodeURIComponent(secret)])) {
      assert.ok(!text.includes(form), `${where} contains a secret (${form.slice(0, 6)}…)`);
    }
  }
}

test('histories of whole windows, with working channels and with every channel failing, hold no secret', { timeout: 10 * 60_000 }, async (t: TestContext) => {
  const working = await channels('ok', 'right');
  const failing = await channels('bad', 'wrong');
  // Failing, and echoing what they were sent, as some proxies and gateways do.
  failing.slack.outage((n) => (n % 2 === 0 ? { status: 403, body: 'invalid_token' } : { status: 404, body: (path) => `no_service: ${failing.slack.origin}${path}` }));
  failing.pagerduty.failNext(2, { status: 503, body: `{"status":"unavailable","message":"retry later","errors":["routing_key ${failing.env.PAGERDUTY_ROUTING_KEY}"]}` });
  failing.pagerduty.outage(() => ({
    status: 400,
    body: `{"status":"invalid event","message":"Event object is invalid","errors":["routing_key ${failing.env.PAGERDUTY_ROUTING_KEY} is not a known integration"]}`,
  }));
  const logs = { ok: [] as string[], bad: [] as string[] };

  const [ok, bad] = await Promise.all([run(t, 'secrets-ok', working, logs.ok), run(t, 'secrets-bad', failing, logs.bad)]);

  // The runs did what they are here for: one delivered on every channel, the other failed on every one.
  assert.ok(working.slack.messages.length > 0 && working.pagerduty.incidents.length > 0 && working.smtp.messages.length > 0, 'the working run delivered everywhere');
  assert.ok(failing.slack.messages.length === 0 && failing.pagerduty.events.length === 0 && failing.smtp.messages.length === 0, 'the failing run delivered nowhere');
  assert.ok(failing.smtp.authFailures > 0, 'SMTP refused the login');
  const broken = bad.status.incidents.filter((i) => i.alert === 'NotificationChannelBroken').map((i) => i.summary.split(' ')[0]);
  assert.deepEqual([...new Set(broken)].sort(), ['email', 'pagerduty', 'slack'], 'every channel was found broken');
  for (const r of [ok, bad]) assert.ok(r.status.completed && r.outcome.outcome === 'graduated', `${r.handle.workflowId}: ${r.outcome.outcome}`);

  const secrets = [...working.secrets, ...failing.secrets];
  let checked = 0;
  for (const r of [ok, bad]) {
    const list = await executions(env.client, r.status, r.handle.workflowId);
    for (const [where, json] of await exported(env.client, list)) {
      assertNoSecrets(where, json, secrets);
      checked++;
    }
  }
  // The failures the UI shows are in there, scrubbed: the SMTP refusal and the echoed 4xx bodies.
  const badJson = [...(await exported(env.client, await executions(env.client, bad.status, bad.handle.workflowId))).values()].join('\n');
  assert.match(badJson, /SMTP: .*535/, 'the SMTP refusal is recorded');
  assert.ok(badJson.includes('SLACK_WEBHOOK_GENESIS_ALERTS'), 'payloads are read as text: activity inputs name the variables');
  assert.match(badJson, /no_service: .*\[redacted\]|routing_key \[redacted\]/, 'echoed secrets are recorded redacted');
  for (const [name, lines] of Object.entries(logs)) assertNoSecrets(`the ${name} worker's log`, lines.join(''), secrets);
  t.diagnostic(`${checked} workflow executions exported; ${secrets.length} secrets (and their URL-encoded forms) in none`);
});
