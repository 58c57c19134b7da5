// Notifications to Slack (incoming webhook, Block Kit), PagerDuty (Events API v2) and email (SMTP).
// Inputs name environment variables; the secrets are read here, so they never enter workflow history,
// and every error message and log line is scrubbed of them.
import { Context } from '@temporalio/activity';
import { ApplicationFailure } from '@temporalio/common';
import nodemailer from 'nodemailer';
import type { Logger } from 'pino';
import { request, type Dispatcher } from 'undici';
import type { Notification, NotifyChannel } from '../../plan/routing.js';
import { parseUrl, scrub, secretFromEnv, urlSecrets, type SecretEnv } from './secrets.js';
import { configError, describeFailure, explainPagerDuty, PERMANENT_UNDICI_CODES, readDedupKey, retryAfterMs, smtpFailure, unavailable, type HttpAnswer } from './failures.js';
import { short } from './text.js';
import { slackMessage } from './slack.js';
import { pagerDutyEvent } from './pagerduty.js';
import { emailMessage } from './email.js';

export const DEFAULT_PAGERDUTY_URL = 'https://events.pagerduty.com/v2/enqueue';

export interface NotifyDeps {
  env: SecretEnv;
  logger: Logger;
  dispatcher?: Dispatcher;
  /** Per request (HTTP) or per SMTP phase; default 10 s. */
  timeoutMs?: number;
  pagerdutyUrl?: string;
}

export interface SlackInput {
  channel: string;
  /** Name of the environment variable holding the incoming-webhook URL. */
  webhookEnv: string;
  notification: Notification;
}

export interface PagerDutyInput {
  routingKeyEnv: string;
  notification: Notification;
}

export interface EmailInput {
  to: string[];
  /** Name of the environment variable holding smtp(s)://user:pass@host:port. */
  smtpUrlEnv: string;
  from?: string;
  notification: Notification;
}

export interface NotifyResult {
  channel: NotifyChannel;
  status: number | 'sent';
  dedupKey?: string;
}

export interface Post {
  service: string;
  url: string;
  payload: unknown;
  secrets: string[];
}

export function createNotifyActivities(deps: NotifyDeps) {
  const timeoutMs = deps.timeoutMs ?? 10_000;
  const pagerdutyUrl = deps.pagerdutyUrl ?? DEFAULT_PAGERDUTY_URL;

  function logFor(channel: NotifyChannel, n: Notification, target: string) {
    const { attempt } = Context.current().info;
    return deps.logger.child({
      channel,
      target,
      deploymentId: n.deploymentId,
      incidentId: n.incidentId,
      event: n.event,
      attempt,
    });
  }

  /** Logs the failure (scrubbed) and returns it for throwing. */
  function failed(log: Logger, failure: ApplicationFailure): ApplicationFailure {
    log.warn({ error: failure.message, errorType: failure.type, retryable: !failure.nonRetryable }, 'notification failed');
    return failure;
  }

  async function post(p: Post): Promise<HttpAnswer> {
    const { cancellationSignal } = Context.current();
    const signal = AbortSignal.any([cancellationSignal, AbortSignal.timeout(timeoutMs)]);
    try {
      const res = await request(p.url, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(p.payload),
        signal,
        headersTimeout: timeoutMs,
        bodyTimeout: timeoutMs,
        ...(deps.dispatcher ? { dispatcher: deps.dispatcher } : {}),
      });
      return { status: res.statusCode, text: await res.body.text(), headers: res.headers };
    } catch (err) {
      if (cancellationSignal.aborted) throw cancellationSignal.reason;
      const reason = scrub(describeFailure(err), p.secrets);
      const code = (err as { code?: string }).code;
      if (code !== undefined && PERMANENT_UNDICI_CODES.has(code)) throw configError(`${p.service}: request rejected: ${reason}`);
      throw unavailable(`${p.service}: request failed: ${reason}`);
    }
  }

  /** 2xx → answer; 429 and 5xx (and 408) → retryable; any other status → NotificationConfigError. */
  function check(p: Post, answer: HttpAnswer, explain: (answer: HttpAnswer) => string): HttpAnswer {
    const { status } = answer;
    if (status >= 200 && status < 300) return answer;
    const detail = scrub(`${p.service} answered ${status}: ${explain(answer)}`, p.secrets);
    if (status === 429) throw unavailable(detail, retryAfterMs(answer.headers['retry-after']));
    if (status >= 500 || status === 408) throw unavailable(detail);
    throw configError(detail);
  }

  async function notifySlack(input: SlackInput): Promise<NotifyResult> {
    const n = input.notification;
    const log = logFor('slack', n, input.channel);
    const what = `Slack ${input.channel}`;
    try {
      const webhook = secretFromEnv(deps.env, input.webhookEnv, what);
      parseUrl(webhook, input.webhookEnv, what, ['https:', 'http:']);
      const p: Post = { service: what, url: webhook, payload: slackMessage(n), secrets: urlSecrets(webhook) };
      const answer = check(p, await post(p), (a) => short(a.text) || '(empty body)');
      log.info({ status: answer.status }, 'notification sent');
      return { channel: 'slack', status: answer.status };
    } catch (err) {
      if (err instanceof ApplicationFailure) throw failed(log, err);
      throw err;
    }
  }

  async function notifyPagerDuty(input: PagerDutyInput): Promise<NotifyResult> {
    const n = input.notification;
    const log = logFor('pagerduty', n, 'pagerduty');
    const what = 'PagerDuty';
    try {
      const routingKey = secretFromEnv(deps.env, input.routingKeyEnv, what);
      const p: Post = { service: what, url: pagerdutyUrl, payload: pagerDutyEvent(n, routingKey), secrets: [routingKey] };
      const answer = check(p, await post(p), explainPagerDuty);
      const dedupKey = readDedupKey(answer.text) ?? n.incidentId;
      log.info({ status: answer.status, dedupKey }, 'notification sent');
      return { channel: 'pagerduty', status: answer.status, dedupKey };
    } catch (err) {
      if (err instanceof ApplicationFailure) throw failed(log, err);
      throw err;
    }
  }

  async function notifyEmail(input: EmailInput): Promise<NotifyResult> {
    const n = input.notification;
    const log = logFor('email', n, input.to.join(','));
    const what = 'Email';
    let smtpUrl: string;
    let secrets: string[];
    try {
      if (input.to.length === 0) throw configError(`${what}: no recipients`);
      const raw = secretFromEnv(deps.env, input.smtpUrlEnv, what);
      const url = parseUrl(raw, input.smtpUrlEnv, what, ['smtp:', 'smtps:']);
      // nodemailer reads options from the query; its logger would print the AUTH exchange.
      url.searchParams.delete('logger');
      url.searchParams.delete('debug');
      smtpUrl = url.href;
      secrets = [...urlSecrets(raw), ...urlSecrets(smtpUrl)];
    } catch (err) {
      throw failed(log, err as ApplicationFailure);
    }
    const transport = nodemailer.createTransport({
      url: smtpUrl,
      connectionTimeout: timeoutMs,
      greetingTimeout: timeoutMs,
      socketTimeout: timeoutMs,
      disableFileAccess: true,
      disableUrlAccess: true,
    });
    const { cancellationSignal } = Context.current();
    const onCancel = () => transport.close();
    cancellationSignal.addEventListener('abort', onCancel, { once: true });
    try {
      const mail = emailMessage(n);
      const info = await transport.sendMail({ from: input.from ?? 'deploywatch@localhost', to: input.to, ...mail });
      const rejected = (info.rejected ?? []).map((r) => (typeof r === 'string' ? r : r.address));
      if (rejected.length > 0) log.warn({ rejected }, 'some recipients were refused');
      log.info({ accepted: info.accepted.length }, 'notification sent');
      return { channel: 'email', status: 'sent' };
    } catch (err) {
      if (cancellationSignal.aborted) throw cancellationSignal.reason;
      throw failed(log, smtpFailure(err, (text) => scrub(text, secrets)));
    } finally {
      cancellationSignal.removeEventListener('abort', onCancel);
      transport.close();
    }
  }

  return { notifySlack, notifyPagerDuty, notifyEmail };
}
