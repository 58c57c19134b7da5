// Faults a monitor must ride out, against a real dev server that keeps its state on disk
// (--db-filename): the worker SIGKILLed and restarted, the dev server restarted, Prometheus down for
// a stretch, Slack and PagerDuty failing. Each runs the short plan (the seed's three phases in a
// 162-second window) against a live Genesis service, and the four run side by side.
//
// Moments and failure kinds are random: the seed is printed, and DEPLOYWATCH_TEST_SEED=<seed>
// replays a run's choices.
import { after, before, describe, test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { Client, Connection } from '@temporalio/client';
import { defaultPayloadConverter } from '@temporalio/common';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { DefaultLogger, NativeConnection } from '@temporalio/worker';
import pino from 'pino';
import { createActivities } from '../src/activities/index.js';
import { startMonitor } from '../src/monitor-client.js';
import type { Plan } from '../src/plan/schema.js';
import type { deploymentMonitor } from '../src/workflows/deployment-monitor/index.js';
import { escalateSignal, type MonitorStatus, notificationsQuery, resolveSignal, statusQuery } from '../src/workflows/messages.js';
import type { NotificationRecord, WindowVerdict } from '../src/plan/records.js';
import { startLiveGenesis, type LiveGenesis } from './support/live-genesis.js';
import { finishWindow, statusOf, type MonitorHandle } from './support/monitors.js';
import { freePort } from './support/prometheus.js';
import { random, testSeed } from './support/random.js';
import { startPagerDutyReceiver, startSlackReceiver, type PagerDutyReceiver, type ScriptedReply, type SlackReceiver } from './support/receivers.js';
import { checkpointCount, shortPlan } from './support/short-plan.js';
import { devServerEnv, testRuntime, workflowBundle } from './support/temporal.js';
import { fileWorker, waitFor } from './support/harness.js';

// Expected failures (5xx, refused connections while a server restarts) would drown the report.
testRuntime({ logger: new DefaultLogger('ERROR'), telemetryOptions: { logging: { filter: { core: 'ERROR', other: 'ERROR' }, forward: {} } } });

const SEED = testSeed();
const REPO = resolve(__dirname, '..');
const WORKER_PROCESS = join(__dirname, 'fixtures', 'worker-process.ts');
const ROUTING_KEY = 'F4ULTSF4ULTSF4ULTSF4ULTSF4ULTS00'; // 32 characters, as PagerDuty requires
const silent = pino({ level: 'silent' });
const MINUTE = 60_000;

let dir: string;
let env: TestWorkflowEnvironment;
let live: LiveGenesis;
let plan: Plan;
let bundlePath: string;
let slack: SlackReceiver;
let pagerduty: PagerDutyReceiver;
const cleanups: Array<() => Promise<unknown>> = [];

/** Notification secrets by the names the plan gives them, pointing at `slackReceiver`. */
function channelEnv(slackReceiver: SlackReceiver): Record<string, string> {
  return {
    SLACK_WEBHOOK_GENESIS_ALERTS: slackReceiver.url('/services/T0FAULTS/B0ALERTS/alertsToken'),
    SLACK_WEBHOOK_GENESIS_MONITORING: slackReceiver.url('/services/T0FAULTS/B0MONITOR/monitoringToken'),
    SLACK_WEBHOOK_GENESIS_LOGS: slackReceiver.url('/services/T0FAULTS/B0LOGS/logsToken'),
    PAGERDUTY_ROUTING_KEY: ROUTING_KEY,
  };
}

before(async () => {
  console.log(`faults: seed ${SEED} (DEPLOYWATCH_TEST_SEED=${SEED} replays this run's choices)`);
  dir = await mkdtemp(join(tmpdir(), 'deploywatch-faults-'));
  cleanups.push(() => rm(dir, { recursive: true, force: true }));
  [slack, pagerduty] = await Promise.all([startSlackReceiver(), startPagerDutyReceiver()]);
  cleanups.push(() => slack.close(), () => pagerduty.close());
  live = await startLiveGenesis();
  cleanups.push(() => live.stop());
  env = await devServerEnv({ dbFilename: join(dir, 'temporal.db') });
  cleanups.push(() => env.teardown());
  plan = await shortPlan({ prometheusUrl: live.prometheus.url, reportDir: join(dir, 'reports') });
  // The worker processes load the bundle this file builds, instead of bundling at each restart.
  bundlePath = join(dir, 'workflows.js');
  await writeFile(bundlePath, (await workflowBundle()).code);
}, { timeout: 3 * 60_000 });

after(async () => {
  for (const cleanup of cleanups.reverse()) await cleanup().catch((err: unknown) => console.error('faults cleanup:', err));
}, { timeout: 3 * 60_000 });

async function inProcessWorker(connection: NativeConnection, taskQueue: string, notifyEnv: Record<string, string>, client: () => Client): Promise<() => Promise<void>> {
  const { stop } = await fileWorker(
    { nativeConnection: connection },
    { taskQueue, activities: createActivities({ logger: silent, env: notifyEnv, pagerdutyUrl: pagerduty.url, client, taskQueue }) },
  );
  cleanups.push(stop);
  return stop;
}

async function startShort(client: Client, id: string, taskQueue: string, deployedAt: string, monitorPlan = plan): Promise<MonitorHandle> {
  const deployment = { id, version: '4.0.0', service: monitorPlan.service, deployedAt };
  const { workflowId } = await startMonitor(client, { deployment, plan: monitorPlan, taskQueue });
  const handle = client.workflow.getHandle<typeof deploymentMonitor>(workflowId);
  cleanups.push(() => handle.terminate('faults test over').catch(() => undefined));
  return handle;
}

const finished = (status: MonitorStatus) => status.checklist.filter((c) => c.finishedAt !== null).length;

function verdictShape(verdicts: WindowVerdict[]) {
  return verdicts.map((v) => ({ extension: v.extension, passed: v.passed, criteria: v.criteria.map((c) => [c.id, c.passed]) }));
}

/** Every checkpoint of the window has exactly one result, in schedule order. */
function assertOneResultEach(status: MonitorStatus, expected: number, what: string): void {
  assert.equal(status.checklist.length, expected, `${what}: ${expected} checkpoints in the window`);
  status.checklist.forEach((c, i) => {
    assert.equal(c.index, i, `${what}: checkpoint ${i} is in its place`);
    assert.ok(c.startedAt && c.finishedAt && c.result, `${what}: ${c.label} (#${i}) has a result`);
    assert.ok(['passed', 'failed', 'inconclusive'].includes(c.status), `${what}: ${c.label} (#${i}) was judged: ${c.status}`);
  });
}

/** runCheckpoint as the history records it: which checkpoints were scheduled, completed, and how many attempts each took. */
async function checkpointActivities(handle: MonitorHandle): Promise<{ scheduled: number[]; completed: number; retried: number }> {
  const history = await handle.fetchHistory();
  const scheduledIds = new Map<string, number>();
  const scheduled: number[] = [];
  let completed = 0;
  let retried = 0;
  for (const event of history.events ?? []) {
    const s = event.activityTaskScheduledEventAttributes;
    if (s?.activityType?.name === 'runCheckpoint') {
      const input = defaultPayloadConverter.fromPayload<{ checkpoint: { index: number } }>(s.input!.payloads![0]!);
      scheduledIds.set(String(event.eventId), input.checkpoint.index);
      scheduled.push(input.checkpoint.index);
    }
    const started = event.activityTaskStartedEventAttributes;
    if (started && scheduledIds.has(String(started.scheduledEventId)) && (started.attempt ?? 1) > 1) retried++;
    const done = event.activityTaskCompletedEventAttributes;
    if (done && scheduledIds.has(String(done.scheduledEventId))) completed++;
  }
  return { scheduled, completed, retried };
}

interface WorkerProcess {
  start(): Promise<void>;
  kill(): Promise<void>;
}

/** The worker as a child process (test/fixtures/worker-process.ts), to be SIGKILLed. */
function workerProcess(childEnv: Record<string, string>): WorkerProcess {
  let child: ChildProcess | undefined;
  const exited = (c: ChildProcess) =>
    new Promise<void>((done) => {
      if (c.exitCode !== null || c.signalCode !== null) done();
      else c.once('exit', () => done());
    });
  const kill = async (): Promise<void> => {
    if (!child) return;
    const c = child;
    child = undefined;
    c.kill('SIGKILL');
    await exited(c);
  };
  cleanups.push(kill);
  return {
    kill,
    start: async () => {
      const c = spawn(process.execPath, ['--import', 'tsx', WORKER_PROCESS], { cwd: REPO, env: { ...process.env, ...childEnv }, stdio: ['ignore', 'pipe', 'pipe'] });
      child = c;
      let output = '';
      await new Promise<void>((ready, fail) => {
        const timer = setTimeout(() => fail(new Error(`worker process not ready within 90 s:\n${output}`)), 90_000);
        const onData = (chunk: Buffer): void => {
          output = (output + chunk.toString('utf8')).slice(-4000);
          if (output.includes('worker ready')) {
            clearTimeout(timer);
            ready();
          }
        };
        c.stdout!.on('data', onData);
        c.stderr!.on('data', onData);
        c.once('exit', (code, signal) => {
          clearTimeout(timer);
          fail(new Error(`worker process exited (${code ?? signal}) before it was ready:\n${output}`));
        });
      });
    },
  };
}

/** Every notification an incident's escalation workflow has made, and whether each was delivered. */
async function notificationsOf(client: Client, workflowIds: string[]): Promise<Array<NotificationRecord & { incident: string }>> {
  const all = await Promise.all(
    workflowIds.map(async (id) => (await client.workflow.getHandle(id).query(notificationsQuery)).map((n) => ({ ...n, incident: id }))),
  );
  return all.flat();
}

describe('faults', { concurrency: true }, () => {
  test('the worker SIGKILLed 5 times at random moments: one result per checkpoint, and the verdict of an undisturbed run', { timeout: 15 * 60_000 }, async (t: TestContext) => {
    const rng = random(SEED ^ 0x4b1);
    const notifyEnv = channelEnv(slack);
    await inProcessWorker(env.nativeConnection, 'faults-calm', notifyEnv, () => env.client);
    const worker = workerProcess({
      ...notifyEnv,
      TEMPORAL_ADDRESS: env.address,
      DEPLOYWATCH_TASK_QUEUE: 'faults-kill',
      DEPLOYWATCH_WORKFLOW_BUNDLE: bundlePath,
      DEPLOYWATCH_PAGERDUTY_URL: pagerduty.url,
    });
    await worker.start();

    // The same window, evaluated at the same times: one run is killed, the other left alone.
    const deployedAt = new Date().toISOString();
    const [killed, calm] = await Promise.all([
      startShort(env.client, 'faults-killed', 'faults-kill', deployedAt),
      startShort(env.client, 'faults-calm', 'faults-calm', deployedAt),
    ]);
    const calmOutcome = finishWindow(calm, 'the undisturbed monitor');

    // Each kill at a random moment after the monitor has made progress since the last one, so the
    // kills fall across the window rather than into one stall.
    const kills: Array<{ afterMs: number; checkpointsDone: number }> = [];
    let done = 0;
    for (let k = 0; k < 5; k++) {
      await waitFor(`progress before kill ${k + 1}`, async () => {
        const s = await statusOf(killed);
        return s && finished(s) > done ? true : undefined;
      }, { timeoutMs: 3 * MINUTE, everyMs: 250 });
      const afterMs = rng.int(0, 8_000);
      await sleep(afterMs);
      const status = await waitFor("the killed monitor's status", () => statusOf(killed), { timeoutMs: MINUTE, everyMs: 250 });
      assert.ok(!status.completed, `kill ${k + 1} comes while the monitor is still running`);
      await worker.kill();
      done = finished(status);
      kills.push({ afterMs, checkpointsDone: done });
      await worker.start();
    }
    t.diagnostic(`kills (ms after progress was seen, checkpoints done at the kill): ${JSON.stringify(kills)}`);

    const [killedResult, calmResult] = await Promise.all([finishWindow(killed, 'the killed monitor'), calmOutcome]);
    const [killedStatus, calmStatus] = await Promise.all([killed.query(statusQuery), calm.query(statusQuery)]);
    const expected = checkpointCount(plan);

    // Every checkpoint finished exactly once: one result each in the state, and in the history
    // one scheduled and one completed runCheckpoint per checkpoint, however many attempts it took.
    assertOneResultEach(killedStatus, expected, 'killed run');
    assertOneResultEach(calmStatus, expected, 'undisturbed run');
    assert.equal(killedResult.checkpointsRun, expected);
    const activities = await checkpointActivities(killed);
    assert.deepEqual(activities.scheduled, Array.from({ length: expected }, (_, i) => i), 'each checkpoint scheduled once, in order');
    assert.equal(activities.completed, expected, 'each checkpoint completed once');
    t.diagnostic(`checkpoint activities that ran again after a kill: ${activities.retried}`);

    // The verdict is the undisturbed run's: outcome, each criterion, and each checkpoint's status.
    assert.equal(calmResult.outcome, 'graduated', `the undisturbed run graduates: ${JSON.stringify(verdictShape(calmResult.verdicts))}`);
    assert.equal(killedResult.outcome, calmResult.outcome);
    assert.deepEqual(verdictShape(killedResult.verdicts), verdictShape(calmResult.verdicts));
    assert.deepEqual(killedStatus.checklist.map((c) => c.status), calmStatus.checklist.map((c) => c.status));
    assert.deepEqual(killedResult.incidents.map((i) => i.alert), calmResult.incidents.map((i) => i.alert));
  });

  test('the dev server stopped and restarted mid-window on its own db file and port: the monitor completes', { timeout: 15 * 60_000 }, async (t: TestContext) => {
    const rng = random(SEED ^ 0x5e7);
    const port = await freePort();
    const dbFilename = join(dir, 'restarted.db');
    let server = await devServerEnv({ dbFilename, port });
    const stopServer = async () => server.teardown();
    cleanups.push(() => stopServer());
    // Connections of our own, so they outlive the first server process and reconnect to the second.
    const workerConnection = await NativeConnection.connect({ address: server.address });
    cleanups.push(() => workerConnection.close());
    const clientConnection = await Connection.connect({ address: server.address });
    cleanups.push(() => clientConnection.close());
    const client = new Client({ connection: clientConnection });
    await inProcessWorker(workerConnection, 'faults-restart', channelEnv(slack), () => client);

    const handle = await startShort(client, 'faults-restarted', 'faults-restart', new Date().toISOString());
    const stopAfter = rng.int(2, 6);
    await waitFor(`${stopAfter} checkpoints before the restart`, async () => {
      const s = await statusOf(handle);
      return s && finished(s) >= stopAfter ? true : undefined;
    }, { timeoutMs: 2 * MINUTE, everyMs: 500 });
    await server.teardown();
    const downMs = rng.int(5_000, 20_000);
    await sleep(downMs);
    server = await devServerEnv({ dbFilename, port });
    t.diagnostic(`dev server stopped after ${stopAfter} checkpoints, down for ${downMs} ms`);

    const result = await finishWindow(handle, 'the monitor across a dev server restart');
    const status = await handle.query(statusQuery);
    assert.equal(result.outcome, 'graduated', JSON.stringify(verdictShape(result.verdicts)));
    assertOneResultEach(status, checkpointCount(plan), 'restarted server');
    const activities = await checkpointActivities(handle);
    assert.equal(activities.completed, checkpointCount(plan), 'each checkpoint completed once');
  });

  test('Prometheus stopped for a stretch: those checks are inconclusive, MonitoringBlind opens, and checks pass again once it is back', { timeout: 15 * 60_000 }, async (t: TestContext) => {
    const rng = random(SEED ^ 0xb11d);
    const own = await startLiveGenesis();
    cleanups.push(() => own.stop());
    const blindPlan = await shortPlan({ prometheusUrl: own.prometheus.url, reportDir: join(dir, 'reports') });
    await inProcessWorker(env.nativeConnection, 'faults-blind', channelEnv(slack), () => env.client);
    const handle = await startShort(env.client, 'faults-blind', 'faults-blind', new Date().toISOString(), blindPlan);

    const healthyFirst = rng.int(2, 4);
    await waitFor(`${healthyFirst} checkpoints before Prometheus stops`, async () => {
      const s = await statusOf(handle);
      return s && finished(s) >= healthyFirst ? true : undefined;
    }, { timeoutMs: 2 * MINUTE, everyMs: 250 });
    const stoppedAt = new Date().toISOString();
    await own.prometheus.kill();
    // Down until the blind alert is open and at least two checks ran entirely in the dark.
    const during = (s: MonitorStatus) => s.checklist.filter((c) => c.startedAt !== null && c.startedAt > stoppedAt && c.finishedAt !== null);
    const blind = await waitFor('MonitoringBlind while Prometheus is down', async () => {
      const s = await statusOf(handle);
      return s && during(s).length >= 2 && s.incidents.some((i) => i.alert === 'MonitoringBlind') ? s : undefined;
    }, { timeoutMs: 2 * MINUTE, everyMs: 250 });
    const restartedAt = new Date().toISOString();
    await own.prometheus.restart();

    const recovered = await waitFor('a passing check and the blind incident resolved after Prometheus returns', async () => {
      const s = await statusOf(handle);
      const passedSince = s?.checklist.some((c) => c.startedAt !== null && c.startedAt > restartedAt && c.status === 'passed');
      const resolved = s?.incidents.find((i) => i.alert === 'MonitoringBlind')?.status === 'resolved';
      return s && passedSince && resolved ? s : undefined;
    }, { timeoutMs: 3 * MINUTE, everyMs: 500 });

    const dark = recovered.checklist.filter((c) => c.startedAt !== null && c.startedAt > stoppedAt && c.finishedAt !== null && c.finishedAt < restartedAt);
    t.diagnostic(`checkpoints while Prometheus was down: ${dark.map((c) => `#${c.index} ${c.status}`).join(', ')}`);
    // Blind, never a pass: every dark check is inconclusive (MonitoringBlind says the monitor cannot
    // see; nothing is known to be wrong with the service), and no Prometheus alert is judged clear.
    const promAlerts = blindPlan.alerts.filter((a) => a.source === 'prometheus').map((a) => a.name);
    assert.ok(dark.length >= 2);
    for (const c of dark) {
      assert.equal(c.status, 'inconclusive', `#${c.index} ran while Prometheus was down: inconclusive, never a pass`);
      assert.deepEqual([...(c.result?.inconclusive ?? [])].filter((a) => promAlerts.includes(a)).sort(), [...promAlerts].sort(), `#${c.index} judged no Prometheus alert`);
      assert.deepEqual(c.result?.clear.filter((a) => promAlerts.includes(a)), [], `#${c.index} cleared no Prometheus alert`);
    }
    const incident = blind.incidents.find((i) => i.alert === 'MonitoringBlind')!;
    assert.equal(incident.priority, 'P1');
    assert.equal(recovered.incidents.filter((i) => i.alert === 'MonitoringBlind').length, 1, 'one blind incident for one blind stretch');
    const after = recovered.checklist.filter((c) => c.startedAt !== null && c.startedAt > restartedAt && c.finishedAt !== null);
    assert.ok(after.some((c) => c.status === 'passed'), `a check passes again: ${after.map((c) => c.status).join(', ')}`);
    // Checks never pass on data they could not see: none before the restart passed after the stop.
    assert.ok(recovered.checklist.every((c) => !(c.startedAt !== null && c.startedAt > stoppedAt && c.startedAt < restartedAt && c.status === 'passed')));
  });

  test('Slack and PagerDuty answering 5xx and timing out for a while: every page arrives, one PagerDuty incident per key, Slack duplicates counted', { timeout: 15 * 60_000 }, async (t: TestContext) => {
    const rng = random(SEED ^ 0x51ac);
    const ownSlack = await startSlackReceiver();
    const ownPagerduty = await startPagerDutyReceiver();
    cleanups.push(() => ownSlack.close(), () => ownPagerduty.close());
    // No P3 route: the monitor's own posts (reviews, handoff) stay out of this count.
    const notifyPlan = await shortPlan({
      prometheusUrl: live.prometheus.url,
      reportDir: join(dir, 'reports'),
      slack: { P0: '#genesis-alerts', P1: '#genesis-alerts', P2: '#genesis-monitoring' },
    });
    const worker = await fileWorker(env, {
      taskQueue: 'faults-notify',
      activities: createActivities({ logger: silent, env: channelEnv(ownSlack), pagerdutyUrl: ownPagerduty.url, client: () => env.client }),
    });
    cleanups.push(worker.stop);
    const handle = await startShort(env.client, 'faults-notify', 'faults-notify', new Date().toISOString(), notifyPlan);

    // The outage: the first request of each is acted on but answered after the caller gave up
    // (a lost answer), then a random mix of 5xx, hangs and lost answers.
    const failure = (): ScriptedReply =>
      rng.pick<ScriptedReply>([{ status: 503, body: 'service unavailable' }, { status: 500, body: 'internal error' }, { status: 502 }, 'hang', { lateMs: 12_000 }]);
    for (const receiver of [ownSlack, ownPagerduty]) {
      receiver.failNext(1, { lateMs: 12_000 });
      receiver.outage(() => failure());
    }
    await handle.signal(escalateSignal, { priority: 'P1', reason: 'customers report errors', actor: 'faults-test' });
    await handle.signal(escalateSignal, { priority: 'P2', reason: 'dashboards are slow', actor: 'faults-test' });
    const incidents = await waitFor('both incidents', async () => {
      const s = await statusOf(handle);
      return s && s.incidents.length >= 2 ? s.incidents.map((i) => i.workflowId) : undefined;
    }, { timeoutMs: MINUTE, everyMs: 250 });
    await waitFor('several failed deliveries on each channel', async () => (ownSlack.attempts >= 5 && ownPagerduty.attempts >= 4 ? true : undefined), { timeoutMs: 3 * MINUTE, everyMs: 250 });
    const outage = { slackAttempts: ownSlack.attempts, pagerdutyAttempts: ownPagerduty.attempts };
    ownSlack.outage(null);
    ownPagerduty.outage(null);

    const allDelivered = async () => {
      // An escalation workflow may still be starting: not found yet is asked again.
      const records = await notificationsOf(env.client, incidents).catch(() => []);
      return records.length > 0 && records.every((r) => r.delivered) ? records : undefined;
    };
    await waitFor('every notification delivered after the outage', allDelivered, { timeoutMs: 4 * MINUTE, everyMs: 1000 });
    for (const id of incidents) {
      await handle.signal(resolveSignal, { incident: id, actor: 'faults-test', note: 'the outage is over' });
    }
    await waitFor('both escalations finished', async () => {
      const states = await Promise.all(incidents.map(async (id) => (await env.client.workflow.getHandle(id).describe()).status.name));
      return states.every((s) => s === 'COMPLETED') ? true : undefined;
    }, { timeoutMs: 4 * MINUTE, everyMs: 1000 });
    const records = await notificationsOf(env.client, incidents);

    // Every notification was delivered, and each arrived where it was sent.
    assert.ok(records.every((r) => r.delivered), JSON.stringify(records.filter((r) => !r.delivered)));
    const pages = records.filter((r) => r.channel === 'pagerduty');
    assert.ok(pages.some((r) => r.event === 'escalate'), 'the P1 paged');
    const action = { escalate: 'trigger', trigger: 'trigger', reminder: 'trigger', acknowledge: 'acknowledge', resolve: 'resolve' } as Record<string, string>;
    for (const page of pages) {
      const arrived = ownPagerduty.events.some(
        (e) =>
          e.dedup_key === page.target &&
          e.event_action === action[page.event] &&
          (e.event_action !== 'trigger' || e.payload?.custom_details?.role === (page.role ?? undefined)),
      );
      assert.ok(arrived, `PagerDuty received ${page.event} ${page.role ?? ''} for ${page.target}`);
    }
    // PagerDuty deduplicates on the incident ID: repeats after lost answers never open a second incident.
    const keys = [...new Set(pages.map((p) => p.target))];
    for (const key of keys) assert.equal(ownPagerduty.incidentsFor(key).length, 1, `one PagerDuty incident for ${key}`);
    assert.equal(ownPagerduty.incidents.length, keys.length);
    assert.ok(ownPagerduty.incidents.every((i) => i.status === 'resolved'), 'resolved in PagerDuty too');

    // Slack has no idempotency key: each lost answer is a duplicate message in the channel.
    const slackRecords = records.filter((r) => r.channel === 'slack');
    for (const r of slackRecords) {
      const path = new URL(channelEnv(ownSlack)[notifyPlan.channels.slackWebhookEnv[r.target]!]!).pathname;
      assert.ok(
        ownSlack.messages.some((m) => m.path === path && JSON.stringify(m.payload).includes(r.incident)),
        `Slack ${r.target} received ${r.event} for ${r.incident}`,
      );
    }
    t.diagnostic(
      `outage: Slack ${outage.slackAttempts} and PagerDuty ${outage.pagerdutyAttempts} requests failed or hung; ` +
        `Slack duplicates reported by the receiver: ${ownSlack.duplicates} (answers lost: ${ownSlack.lateAccepted}); ` +
        `PagerDuty repeats absorbed by dedup_key: ${ownPagerduty.lateAccepted}`,
    );
    assert.ok(ownSlack.lateAccepted >= 1, 'the outage lost at least one Slack answer');
    assert.equal(ownSlack.duplicates, ownSlack.lateAccepted, 'each lost answer shows up as one duplicate');
    assert.equal(ownSlack.messages.length, slackRecords.length + ownSlack.duplicates, 'every message is a notification or a counted duplicate');
  });
});
