// Notify activities against loopback stand-ins for Slack, PagerDuty and an SMTP server: payloads the
// services accept, failures classified for Temporal's retries, and secrets kept out of errors and logs.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { ApplicationFailure, CancelledFailure } from '@temporalio/common';
import { MockActivityEnvironment, type TestWorkflowEnvironment } from '@temporalio/testing';
import { DefaultLogger } from '@temporalio/worker';
import pino from 'pino';
import { Agent } from 'undici';
import {
  createNotifyActivities,
  pagerDutyEvent,
  retryAfterMs,
  scrub,
  urlSecrets,
  type NotifyDeps,
} from '../src/activities/notify/index.js';
import { DEFAULT_PLAN_PATH, loadPlanFile } from '../src/plan/load.js';
import { notifyTargets, routeFor, type Notification } from '../src/plan/routing.js';
import type { Plan } from '../src/plan/schema.js';
import type { notifySlackWorkflow } from './fixtures/notify-workflow.js';
import {
  slackMessageErrors,
  startPagerDutyReceiver,
  startSlackReceiver,
  startSmtpServer,
  type PagerDutyReceiver,
  type SlackReceiver,
  type SmtpReceiver,
} from './support/receivers.js';
import { testRuntime, timeSkippingEnv } from './support/temporal.js';
import { teardown, waitFor, withWorker } from './support/harness.js';

// The SDK logs every (expected) activity failure at WARN; keep the test output to the results.
const sdkLogger = new DefaultLogger('ERROR');
testRuntime({ logger: sdkLogger });
const activityEnv = () => new MockActivityEnvironment(undefined, { logger: sdkLogger });

const ROUTING_KEY = 'R0UT1NGKEY5ECRETR0UT1NGKEY5ECRET'; // 32 characters, as PagerDuty requires
const SECRET_PATH = '/services/T0000TEST/B0000TEST/SECRETXYZ';

const notification = (overrides: Partial<Notification> = {}): Notification => ({
  incidentId: 'monitor-deploy-42/incident-1',
  deploymentId: 'deploy-42',
  service: 'genesis-orchestration',
  priority: 'P1',
  alert: 'HighErrorRate',
  event: 'trigger',
  role: 'on-call',
  title: 'Error rate above 0.1% for 2 minutes',
  summary: 'genesis_error_rate is 0.4% (threshold 0.1%) since 12:02Z',
  details: { value: 0.004, threshold: 0.001, firing: true, panel: 'Grafana panel 6', lastGood: null },
  runbookUrl: 'https://runbooks.invalid/INCIDENT_RESPONSE.md#higherrorrate',
  links: [{ href: 'http://localhost:3000/d/genesis-deployment', text: 'Grafana <dashboard> & panels' }],
  ...overrides,
});

function capturedLogger() {
  const lines: string[] = [];
  const logger = pino({ level: 'debug' }, { write: (line: string) => void lines.push(line) });
  return { logger, lines };
}

function notifier(env: Record<string, string | undefined>, extra: Partial<NotifyDeps> = {}) {
  const { logger, lines } = capturedLogger();
  const activities = createNotifyActivities({ env, logger, timeoutMs: 2_000, ...extra });
  return { ...activities, lines };
}

/** Runs the activity in Temporal's activity context and returns the ApplicationFailure it throws. */
async function failureOf<A extends unknown[]>(fn: (...args: A) => Promise<unknown>, ...args: A): Promise<ApplicationFailure> {
  try {
    await activityEnv().run(fn, ...args);
  } catch (err) {
    assert.ok(err instanceof ApplicationFailure, `expected an ApplicationFailure, got ${String(err)}`);
    return err;
  }
  assert.fail('expected the activity to fail');
}

function assertRetryable(f: ApplicationFailure): void {
  assert.equal(f.type, 'NotificationUnavailableError');
  assert.equal(f.nonRetryable, false);
}

function assertConfigError(f: ApplicationFailure): void {
  assert.equal(f.type, 'NotificationConfigError');
  assert.equal(f.nonRetryable, true);
}

let slack: SlackReceiver;
let pagerduty: PagerDutyReceiver;
let smtp: SmtpReceiver;

before(async () => {
  [slack, pagerduty, smtp] = await Promise.all([startSlackReceiver(), startPagerDutyReceiver(), startSmtpServer()]);
}, { timeout: 3 * 60_000 });
after(async () => {
  await Promise.all([slack?.close(), pagerduty?.close(), smtp?.close()]);
}, { timeout: 3 * 60_000 });

describe('routing', () => {
  test('the seed plan routes P0-P1 to #genesis-alerts + PagerDuty, P2-P3 to #genesis-monitoring, P4 to email + #genesis-logs', { timeout: 3 * 60_000 }, async () => {
    const { channels } = await loadPlanFile(DEFAULT_PLAN_PATH);

    const routes = (['P0', 'P1', 'P2', 'P3', 'P4'] as const).map((p) => routeFor(channels, p));

    assert.deepEqual(routes, [
      { slack: ['#genesis-alerts'], pagerduty: true, email: false },
      { slack: ['#genesis-alerts'], pagerduty: true, email: false },
      { slack: ['#genesis-monitoring'], pagerduty: false, email: false },
      { slack: ['#genesis-monitoring'], pagerduty: false, email: false },
      { slack: ['#genesis-logs'], pagerduty: false, email: true },
    ]);
  });

  test('routes follow the plan, not the seed, and targets carry env var names only', { timeout: 3 * 60_000 }, () => {
    const channels: Plan['channels'] = {
      slack: { P2: '#ops' },
      pagerduty: ['P2'],
      email: ['P2'],
      slackWebhookEnv: {},
      emailTo: ['ops@example.invalid'],
      emailFrom: 'dw@example.invalid',
      smtpUrlEnv: 'OPS_SMTP_URL',
    };

    assert.deepEqual(routeFor(channels, 'P2'), { slack: ['#ops'], pagerduty: true, email: true });
    assert.deepEqual(routeFor(channels, 'P0'), { slack: [], pagerduty: false, email: false });
    assert.deepEqual(notifyTargets(channels, 'P2'), {
      slack: [],
      pagerduty: null,
      email: { to: ['ops@example.invalid'], smtpUrlEnv: 'OPS_SMTP_URL', from: 'dw@example.invalid' },
      unreachable: ['slack #ops: no slackWebhookEnv entry', 'pagerduty: no pagerdutyRoutingKeyEnv'],
    });
  });
});

describe('Slack', () => {
  test('posts a Block Kit message the webhook accepts: header, summary with fields, runbook context', { timeout: 3 * 60_000 }, async () => {
    const { notifySlack } = notifier({ SLACK_HOOK: slack.url('/services/T1/B1/slack-ok') });

    const result = await activityEnv().run(notifySlack, {
      channel: '#genesis-alerts',
      webhookEnv: 'SLACK_HOOK',
      notification: notification({ event: 'escalate', role: 'incident-commander' }),
    });

    assert.deepEqual(result, { channel: 'slack', status: 200 });
    const delivered = slack.messages.filter((m) => m.path === '/services/T1/B1/slack-ok');
    assert.equal(delivered.length, 1);
    const { text, blocks = [] } = delivered[0]!.payload;
    assert.match(text ?? '', /\[P1\] HighErrorRate \(escalated\)/);
    assert.deepEqual(blocks.map((b) => b.type), ['header', 'section', 'section', 'divider', 'context']);
    const json = JSON.stringify(blocks);
    for (const expected of ['deploy-42', 'genesis-orchestration', 'incident-commander', 'escalated']) assert.ok(json.includes(expected), expected);
    assert.ok(json.includes('<https://runbooks.invalid/INCIDENT_RESPONSE.md#higherrorrate|Runbook>'));
    assert.ok(json.includes('Grafana &lt;dashboard&gt; &amp; panels'), 'mrkdwn control characters escaped');
  });

  test('an oversized notification is cut to Block Kit limits and still accepted', { timeout: 3 * 60_000 }, async () => {
    const { notifySlack } = notifier({ SLACK_HOOK: slack.url('/services/T1/B1/slack-big') });
    const details = Object.fromEntries(Array.from({ length: 60 }, (_, i) => [`item-${i}`, 'x'.repeat(2500)]));
    const links = Array.from({ length: 15 }, (_, i) => ({ href: `https://example.invalid/${i}`, text: `link ${i}` }));

    await activityEnv().run(notifySlack, {
      channel: '#genesis-logs',
      webhookEnv: 'SLACK_HOOK',
      notification: notification({ alert: 'A'.repeat(200), summary: 's'.repeat(5000), event: 'digest', details, links }),
    });

    assert.equal(slack.messages.filter((m) => m.path === '/services/T1/B1/slack-big').length, 1);
  });

  test('the receiver rejects what Slack rejects', { timeout: 3 * 60_000 }, () => {
    assert.deepEqual(slackMessageErrors({}), ['text or blocks is required']);
    assert.deepEqual(slackMessageErrors({ blocks: [{ type: 'header', text: { type: 'mrkdwn', text: 'x' } }] }), [
      'blocks[0].text.type: must be plain_text',
    ]);
    assert.deepEqual(slackMessageErrors({ blocks: [{ type: 'actions', elements: [] }] }), [
      'blocks[0].type: must be one of header, section, context, divider',
    ]);
  });
});

describe('PagerDuty', () => {
  test('trigger, a retried trigger, acknowledge and resolve on one dedup key make one incident, resolved', { timeout: 3 * 60_000 }, async () => {
    const { notifyPagerDuty } = notifier({ PD_KEY: ROUTING_KEY }, { pagerdutyUrl: pagerduty.url });
    const n = notification({ incidentId: 'monitor-deploy-42/incident-7', role: 'incident-commander' });
    const send = (event: Notification['event']) =>
      activityEnv().run(notifyPagerDuty, { routingKeyEnv: 'PD_KEY', notification: { ...n, event } });

    const results = [await send('trigger'), await send('trigger'), await send('acknowledge'), await send('resolve')];

    assert.deepEqual(results[0], { channel: 'pagerduty', status: 202, dedupKey: n.incidentId });
    const incidents = pagerduty.incidentsFor(n.incidentId);
    assert.equal(incidents.length, 1);
    const [incident] = incidents;
    assert.equal(incident!.status, 'resolved');
    assert.deepEqual(incident!.events.map((e) => e.event_action), ['trigger', 'trigger', 'acknowledge', 'resolve']);
    const trigger = incident!.events[0]!;
    assert.equal(trigger.payload?.severity, 'critical');
    assert.equal(trigger.payload?.source, 'genesis-orchestration');
    assert.equal(trigger.payload?.custom_details?.role, 'incident-commander');
    assert.equal(trigger.payload?.custom_details?.value, 0.004);
    assert.deepEqual(trigger.links?.[0], { href: n.runbookUrl, text: 'Runbook' });
  });

  test('severity follows priority and escalate/reminder are triggers; notices never page', { timeout: 3 * 60_000 }, () => {
    const severity = (priority: Notification['priority']) =>
      (pagerDutyEvent(notification({ priority }), ROUTING_KEY).payload as { severity: string }).severity;

    assert.deepEqual(['P0', 'P1', 'P2', 'P3', 'P4'].map((p) => severity(p as Notification['priority'])), [
      'critical',
      'critical',
      'warning',
      'warning',
      'info',
    ]);
    assert.equal(pagerDutyEvent(notification({ event: 'escalate' }), ROUTING_KEY).event_action, 'trigger');
    assert.equal(pagerDutyEvent(notification({ event: 'reminder' }), ROUTING_KEY).event_action, 'trigger');
    assert.throws(() => pagerDutyEvent(notification({ event: 'notice' }), ROUTING_KEY), { type: 'NotificationConfigError' });
  });

  test('500 and 429 are retryable, 429 after Retry-After; an invalid event (400) is a NotificationConfigError', { timeout: 3 * 60_000 }, async () => {
    const { notifyPagerDuty } = notifier({ PD_KEY: ROUTING_KEY, PD_SHORT: 'too-short' }, { pagerdutyUrl: pagerduty.url });
    const input = { routingKeyEnv: 'PD_KEY', notification: notification() };

    pagerduty.failNext(1, { status: 500, body: 'internal error' });
    const serverError = await failureOf(notifyPagerDuty, input);
    pagerduty.failNext(1, { status: 429, headers: { 'retry-after': '120' }, body: '{"status":"throttle event"}' });
    const throttled = await failureOf(notifyPagerDuty, input);
    const invalid = await failureOf(notifyPagerDuty, { ...input, routingKeyEnv: 'PD_SHORT' });

    assertRetryable(serverError);
    assertRetryable(throttled);
    assert.equal(throttled.nextRetryDelay, 120_000);
    assertConfigError(invalid);
    assert.match(invalid.message, /routing_key' is incorrect/);
  });
});

describe('email', () => {
  test('arrives at a real SMTP server, authenticated, with subject, recipients and both bodies', { timeout: 3 * 60_000 }, async () => {
    const { notifyEmail } = notifier({ SMTP_URL: smtp.url() });
    const before = smtp.messages.length;

    const result = await activityEnv().run(notifyEmail, {
      to: ['genesis-alerts@company.invalid', 'sre@company.invalid'],
      smtpUrlEnv: 'SMTP_URL',
      from: 'deploywatch@company.invalid',
      notification: notification({ priority: 'P4', alert: 'IntermittentTestFailures', event: 'notice' }),
    });

    assert.deepEqual(result, { channel: 'email', status: 'sent' });
    const mail = smtp.messages[before]!;
    assert.equal(mail.user, 'deploywatch');
    assert.deepEqual(mail.envelopeTo, ['genesis-alerts@company.invalid', 'sre@company.invalid']);
    assert.match(mail.subject, /^\[P4\] IntermittentTestFailures \(notice\): Error rate above/);
    assert.match(mail.headers.to ?? '', /genesis-alerts@company\.invalid, sre@company\.invalid/);
    assert.match(mail.raw, /text\/plain/);
    assert.match(mail.raw, /text\/html/);
  });

  test('a P4 digest lists every item', { timeout: 3 * 60_000 }, async () => {
    const { notifyEmail } = notifier({ SMTP_URL: smtp.url() });
    const before = smtp.messages.length;
    const items = { 'test_flaky_cache (3 failures)': 'known flaky', 'test_slow_io (1 failure)': 'known flaky' };

    await activityEnv().run(notifyEmail, {
      to: ['genesis-alerts@company.invalid'],
      smtpUrlEnv: 'SMTP_URL',
      notification: notification({ priority: 'P4', event: 'digest', title: 'Daily review', details: items }),
    });

    const mail = smtp.messages[before]!;
    assert.match(mail.raw, /- test_flaky_cache \(3 failures\): known flaky/);
    assert.match(mail.raw, /- test_slow_io \(1 failure\): known flaky/);
  });

  test('bad credentials are a NotificationConfigError that names neither the user nor the password', { timeout: 3 * 60_000 }, async () => {
    const { notifyEmail, lines } = notifier({ SMTP_URL: smtp.url('alerts-SECRETUSER', 'SECRETPASS') });

    const f = await failureOf(notifyEmail, { to: ['x@company.invalid'], smtpUrlEnv: 'SMTP_URL', notification: notification() });

    assertConfigError(f);
    assert.match(f.message, /535/);
    for (const text of [f.message, f.stack ?? '', ...lines]) {
      assert.ok(!/SECRETUSER|SECRETPASS/.test(text), `leaked: ${text}`);
    }
  });
});

describe('failure classification', () => {
  const input = (webhookEnv = 'SLACK_HOOK') => ({ channel: '#genesis-alerts', webhookEnv, notification: notification() });

  test('5xx, a timeout and a refused connection are retryable', { timeout: 3 * 60_000 }, async () => {
    const { notifySlack } = notifier({ SLACK_HOOK: slack.url(), CLOSED: 'http://127.0.0.1:1/services/T/B/x' }, { timeoutMs: 300 });

    slack.failNext(1, { status: 503, body: 'service_unavailable' });
    const unavailable = await failureOf(notifySlack, input());
    slack.failNext(1, 'hang');
    const hung = await failureOf(notifySlack, input());
    const refused = await failureOf(notifySlack, input('CLOSED'));

    assertRetryable(unavailable);
    assert.match(unavailable.message, /503/);
    assertRetryable(hung);
    assert.match(hung.message, /timed out/);
    assertRetryable(refused);
    assert.match(refused.message, /ECONNREFUSED/);
  });

  test('cancelling the activity aborts the request and surfaces the cancellation, not a notify failure', { timeout: 3 * 60_000 }, async () => {
    const { notifySlack } = notifier({ SLACK_HOOK: slack.url() }, { timeoutMs: 60_000 });
    const cancellable = activityEnv();
    const attemptsBefore = slack.attempts;

    slack.failNext(1, 'hang');
    const running = cancellable.run(notifySlack, input());
    await waitFor('the hanging request to reach the receiver', async () => (slack.attempts === attemptsBefore ? undefined : true), { everyMs: 10 });
    cancellable.cancel();

    await assert.rejects(running, CancelledFailure);
  });

  test('429 is retryable with nextRetryDelay from Retry-After', { timeout: 3 * 60_000 }, async () => {
    const { notifySlack } = notifier({ SLACK_HOOK: slack.url() });

    slack.failNext(1, { status: 429, headers: { 'retry-after': '30' }, body: 'rate_limited' });
    const f = await failureOf(notifySlack, input());

    assertRetryable(f);
    assert.equal(f.nextRetryDelay, 30_000);
  });

  test('404 no_service and 400 invalid_blocks are non-retryable NotificationConfigErrors', { timeout: 3 * 60_000 }, async () => {
    const { notifySlack } = notifier({ SLACK_HOOK: slack.url(), WRONG_PATH: `${slack.origin}/hooks/x` });

    const noService = await failureOf(notifySlack, input('WRONG_PATH'));
    slack.failNext(1, { status: 400, body: 'invalid_blocks' });
    const invalid = await failureOf(notifySlack, input());

    assertConfigError(noService);
    assert.match(noService.message, /404: no_service/);
    assertConfigError(invalid);
    assert.match(invalid.message, /400: invalid_blocks/);
  });

  test('a missing variable is a NotificationConfigError naming the variable, never a value', { timeout: 3 * 60_000 }, async () => {
    const hook = slack.url(SECRET_PATH);
    const { notifySlack, notifyPagerDuty, notifyEmail } = notifier({ OTHER: hook });

    const failures = [
      await failureOf(notifySlack, input('SLACK_WEBHOOK_GENESIS_ALERTS')),
      await failureOf(notifyPagerDuty, { routingKeyEnv: 'PAGERDUTY_ROUTING_KEY', notification: notification() }),
      await failureOf(notifyEmail, { to: ['a@b.invalid'], smtpUrlEnv: 'DEPLOYWATCH_SMTP_URL', notification: notification() }),
      // A URL where a variable name belongs: refused without echoing it.
      await failureOf(notifySlack, input(hook)),
    ];

    failures.forEach(assertConfigError);
    assert.match(failures[0]!.message, /environment variable SLACK_WEBHOOK_GENESIS_ALERTS is not set/);
    assert.match(failures[1]!.message, /environment variable PAGERDUTY_ROUTING_KEY is not set/);
    assert.match(failures[2]!.message, /environment variable DEPLOYWATCH_SMTP_URL is not set/);
    assert.match(failures[3]!.message, /must name an environment variable/);
    assert.ok(failures.every((f) => !f.message.includes('SECRETXYZ')));
  });
});

describe('secret scrubbing', () => {
  test('a 4xx whose body echoes the webhook path leaks neither into the failure nor the logs', { timeout: 3 * 60_000 }, async () => {
    const { notifySlack, lines } = notifier({ SLACK_HOOK: slack.url(SECRET_PATH) });

    slack.failNext(1, { status: 403, body: `Cannot POST ${slack.url(SECRET_PATH)} (action_prohibited)` });
    const f = await failureOf(notifySlack, { channel: '#genesis-alerts', webhookEnv: 'SLACK_HOOK', notification: notification() });

    assertConfigError(f);
    assert.match(f.message, /403: Cannot POST \[redacted\] \(action_prohibited\)/);
    assert.ok(lines.length > 0);
    for (const text of [f.message, f.stack ?? '', ...lines]) assert.ok(!text.includes('SECRETXYZ'), `leaked: ${text}`);
  });

  test('a network error carrying the URL is scrubbed', { timeout: 3 * 60_000 }, async () => {
    // An HTTP client whose connection error names the whole URL, as some do.
    const dispatcher = new Agent().compose((_dispatch) => (opts, handler) => {
      handler.onError?.(Object.assign(new Error(`connect ETIMEDOUT ${String(opts.origin)}${opts.path}`), { code: 'ETIMEDOUT' }));
      return true;
    });
    const { notifySlack, lines } = notifier({ SLACK_HOOK: `https://hooks.slack.com${SECRET_PATH}` }, { dispatcher });

    const f = await failureOf(notifySlack, { channel: '#genesis-alerts', webhookEnv: 'SLACK_HOOK', notification: notification() });

    assertRetryable(f);
    assert.match(f.message, /ETIMEDOUT/);
    for (const text of [f.message, f.stack ?? '', ...lines]) assert.ok(!text.includes('SECRETXYZ'), `leaked: ${text}`);
    await dispatcher.close();
  });

  test('PagerDuty: a body echoing the routing key is scrubbed', { timeout: 3 * 60_000 }, async () => {
    const { notifyPagerDuty, lines } = notifier({ PD_KEY: ROUTING_KEY }, { pagerdutyUrl: pagerduty.url });

    pagerduty.failNext(1, { status: 400, body: `{"status":"invalid event","errors":["unknown routing_key ${ROUTING_KEY}"]}` });
    const f = await failureOf(notifyPagerDuty, { routingKeyEnv: 'PD_KEY', notification: notification() });

    assertConfigError(f);
    for (const text of [f.message, ...lines]) assert.ok(!text.includes(ROUTING_KEY), `leaked: ${text}`);
  });

  test('scrub removes each secret, its URL-encoded form, and URL credentials', { timeout: 3 * 60_000 }, () => {
    const url = 'smtp://mail-user:p%40ss%2Fword@smtp.example.invalid:587';

    assert.equal(scrub(`login p@ss/word failed for mail-user at ${url}`, urlSecrets(url)), 'login [redacted] failed for [redacted] at [redacted]');
    assert.equal(scrub('see https://hooks.slack.com/services/T1/B2/abc', []), 'see https://hooks.slack.com/services/[redacted]');
    assert.equal(scrub('proxy http://u:pw@10.0.0.1:3128 refused', []), 'proxy http://[redacted]@10.0.0.1:3128 refused');
  });

  test('Retry-After as seconds or an HTTP date, clamped to 1 s .. 1 h', { timeout: 3 * 60_000 }, () => {
    const now = Date.parse('2025-01-01T00:00:00Z');

    assert.equal(retryAfterMs('30', now), 30_000);
    assert.equal(retryAfterMs('Wed, 01 Jan 2025 00:02:00 GMT', now), 120_000);
    assert.equal(retryAfterMs('0', now), 1_000);
    assert.equal(retryAfterMs('86400', now), 3_600_000);
    assert.equal(retryAfterMs('soon', now), undefined);
    assert.equal(retryAfterMs(undefined, now), undefined);
  });
});

describe('with Temporal retries (time-skipping server)', () => {
  let env: TestWorkflowEnvironment;
  before(async () => {
    env = await timeSkippingEnv();
  }, { timeout: 3 * 60_000 });
  after(async () => {
    await teardown(env);
  }, { timeout: 3 * 60_000 });

  test('503 twice then 200: three attempts reach Slack and exactly one message is delivered', { timeout: 3 * 60_000 }, async (t) => {
    const path = '/services/T1/B1/temporal-retry';
    const { logger } = capturedLogger();
    const attemptsBefore = slack.attempts;
    slack.failNext(2, { status: 503, body: 'service_unavailable' });
    const activities = createNotifyActivities({ env: { SLACK_HOOK: slack.url(path) }, logger });

    const result = await withWorker(t, env, { taskQueue: 'notify-retry', workflowsPath: require.resolve('./fixtures/notify-workflow'), activities }, async (run) => {
      const handle = run.watch(
        await env.client.workflow.start<typeof notifySlackWorkflow>('notifySlackWorkflow', {
          taskQueue: 'notify-retry',
          workflowId: 'notify-retry-test',
          args: [{ channel: '#genesis-alerts', webhookEnv: 'SLACK_HOOK', notification: notification() }],
        }),
      );
      return await run.result(handle, 'the notification workflow to finish');
    });

    assert.deepEqual(result, { channel: 'slack', status: 200 });
    assert.equal(slack.attempts - attemptsBefore, 3);
    assert.equal(slack.messages.filter((m) => m.path === path).length, 1);
  });
});
