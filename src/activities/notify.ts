// Notifications to Slack (incoming webhook, Block Kit), PagerDuty (Events API v2) and email (SMTP).
// Inputs name environment variables; the secrets are read here, so they never enter workflow history,
// and every error message and log line is scrubbed of them.
import { Context } from '@temporalio/activity';
import { ApplicationFailure } from '@temporalio/common';
import nodemailer from 'nodemailer';
import type { Logger } from 'pino';
import { request, type Dispatcher } from 'undici';
import { SEVERITY, type Notification, type NotificationEvent, type NotifyChannel } from '../plan/routing.js';
import { ERROR_TYPES } from '../temporal/activity-options.js';

export const DEFAULT_PAGERDUTY_URL = 'https://events.pagerduty.com/v2/enqueue';

export interface NotifyDeps {
  env: NodeJS.ProcessEnv | Record<string, string | undefined>;
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

const REDACTED = '[redacted]';
// Defence in depth for secrets we were not told about: Slack webhook paths and URL credentials.
const SLACK_WEBHOOK = /hooks\.slack\.com\/services\/[^\s"'<>]+/gi;
const URL_USERINFO = /\b([a-z][a-z0-9+.-]*:\/\/)[^\s/@:]+:[^\s/@]+@/gi;

/** `message` with every secret (and its URL-encoded form) replaced; secrets under 4 characters are ignored. */
export function scrub(message: string, secrets: readonly string[]): string {
  const forms = new Set<string>();
  for (const secret of secrets) {
    if (secret.length < 4) continue;
    forms.add(secret);
    forms.add(encodeURIComponent(secret));
  }
  let out = message;
  for (const form of [...forms].sort((a, b) => b.length - a.length)) out = out.split(form).join(REDACTED);
  return out.replace(SLACK_WEBHOOK, `hooks.slack.com/services/${REDACTED}`).replace(URL_USERINFO, `$1${REDACTED}@`);
}

/** The parts of a URL that can leak a secret: the whole, its path and query, its credentials. */
export function urlSecrets(raw: string): string[] {
  const secrets = [raw];
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    return secrets;
  }
  secrets.push(url.href, url.pathname + url.search, url.search.slice(1));
  for (const part of [url.username, url.password]) {
    if (part === '') continue;
    secrets.push(part);
    try {
      secrets.push(decodeURIComponent(part));
    } catch {
      // Not percent-encoded: the raw form is already listed.
    }
  }
  // Path segments after the first are tokens in Slack's /services/T…/B…/<secret>.
  secrets.push(...url.pathname.split('/').filter(Boolean).slice(1));
  return secrets.filter((s) => s !== '' && s !== '/');
}

function configError(message: string): ApplicationFailure {
  return ApplicationFailure.create({ message, type: ERROR_TYPES.notificationConfig, nonRetryable: true });
}

function unavailable(message: string, nextRetryDelayMs?: number): ApplicationFailure {
  return ApplicationFailure.create({
    message,
    type: ERROR_TYPES.notificationUnavailable,
    nonRetryable: false,
    ...(nextRetryDelayMs === undefined ? {} : { nextRetryDelay: nextRetryDelayMs }),
  });
}

const ENV_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;

/** The value of an environment variable; errors name the variable, never a value. */
function secretFromEnv(env: NotifyDeps['env'], name: string, what: string): string {
  // A URL or key passed where a name belongs is already in history; at least don't echo it again.
  if (!ENV_NAME.test(name)) throw configError(`${what}: the input must name an environment variable, and it does not`);
  const value = env[name]?.trim();
  if (!value) throw configError(`${what}: environment variable ${name} is not set`);
  return value;
}

function parseUrl(value: string, envName: string, what: string, protocols: readonly string[]): URL {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw configError(`${what}: environment variable ${envName} does not hold a valid URL`);
  }
  if (!protocols.includes(url.protocol)) {
    throw configError(`${what}: environment variable ${envName} must hold a ${protocols.join(' or ')} URL`);
  }
  return url;
}

const MAX_RETRY_AFTER_MS = 60 * 60 * 1000;

/** Retry-After as delta-seconds or an HTTP date, in ms (1 s to 1 h); undefined when absent or unreadable. */
export function retryAfterMs(header: string | string[] | undefined, nowMs = Date.now()): number | undefined {
  const value = Array.isArray(header) ? header[0] : header;
  if (value === undefined || value.trim() === '') return undefined;
  const text = value.trim();
  const ms = /^\d+$/.test(text) ? Number(text) * 1000 : Date.parse(text) - nowMs;
  if (Number.isNaN(ms)) return undefined;
  return Math.min(Math.max(ms, 1000), MAX_RETRY_AFTER_MS);
}

function describe(err: unknown): string {
  const e = err as { name?: string; code?: string; message?: string; errors?: unknown[] };
  if (e.name === 'TimeoutError') return 'timed out';
  const message = e.message || (e.errors?.[0] as Error | undefined)?.message || String(err);
  return e.code && !message.includes(e.code) ? `${e.code}: ${message}` : message;
}

/** Undici errors that mean our request itself is wrong, not that the far end is unreachable. */
const PERMANENT_UNDICI_CODES = new Set(['UND_ERR_INVALID_ARG', 'UND_ERR_NOT_SUPPORTED']);

interface Post {
  service: string;
  url: string;
  payload: unknown;
  secrets: string[];
}

interface HttpAnswer {
  status: number;
  text: string;
  headers: Record<string, string | string[] | undefined>;
}

function short(text: string): string {
  const oneLine = text.replace(/\s+/g, ' ').trim();
  return oneLine.length > 200 ? `${oneLine.slice(0, 200)}…` : oneLine;
}

function truncate(text: string, max: number): string {
  return text.length <= max ? text : `${text.slice(0, max - 1)}…`;
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
      const reason = scrub(describe(err), p.secrets);
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
      throw failed(log, smtpFailure(err, secrets));
    } finally {
      cancellationSignal.removeEventListener('abort', onCancel);
      transport.close();
    }
  }

  return { notifySlack, notifyPagerDuty, notifyEmail };
}

// SMTP: 5xx replies are permanent, 4xx transient; bad credentials or TLS setup are configuration.
function smtpFailure(err: unknown, secrets: string[]): ApplicationFailure {
  const e = err as { code?: string; responseCode?: number };
  const detail = scrub(`SMTP: ${describe(err)}`, secrets);
  if (e.responseCode !== undefined && e.responseCode >= 400 && e.responseCode < 500) return unavailable(detail);
  if (e.responseCode !== undefined && e.responseCode >= 500) return configError(detail);
  if (e.code === 'EAUTH' || e.code === 'ETLS' || e.code === 'EENVELOPE' || e.code === 'EMESSAGE') return configError(detail);
  return unavailable(detail);
}

function explainPagerDuty(answer: HttpAnswer): string {
  try {
    const body = JSON.parse(answer.text) as { status?: string; message?: string; errors?: string[] };
    const parts = [body.status, body.message, ...(body.errors ?? [])].filter((s): s is string => typeof s === 'string');
    if (parts.length > 0) return short(parts.join('; '));
  } catch {
    // Not JSON (a proxy's page): fall through to the raw text.
  }
  return short(answer.text) || '(empty body)';
}

function readDedupKey(text: string): string | undefined {
  try {
    const key = (JSON.parse(text) as { dedup_key?: unknown }).dedup_key;
    return typeof key === 'string' ? key : undefined;
  } catch {
    return undefined;
  }
}

const EVENT_LABEL: Record<NotificationEvent, string> = {
  trigger: 'triggered',
  acknowledge: 'acknowledged',
  resolve: 'resolved',
  reminder: 'reminder',
  notice: 'notice',
  escalate: 'escalated',
  digest: 'digest',
};

/** "[P1] HighErrorRate (escalated)": the one line every channel leads with. */
function headline(n: Notification): string {
  return `[${n.priority}] ${n.alert} (${EVENT_LABEL[n.event]})`;
}

function allLinks(n: Notification): Array<{ href: string; text: string }> {
  return [...(n.runbookUrl ? [{ href: n.runbookUrl, text: 'Runbook' }] : []), ...(n.links ?? [])];
}

function valueText(value: string | number | boolean | null): string {
  return value === null ? '—' : String(value);
}

// Slack limits (Block Kit reference): header 150, section text 3000, 10 fields of 2000, context 10
// elements, 50 blocks per message.
const SLACK = { header: 150, text: 3000, field: 2000, fields: 10, context: 10, blocks: 50, detailSections: 4 } as const;

/** Slack mrkdwn treats &, < and > as control characters. */
function mrkdwn(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

function slackLink(href: string, text: string): string {
  return `<${href.replace(/\|/g, '%7C').replace(/>/g, '%3E')}|${mrkdwn(text).replace(/\|/g, '¦')}>`;
}

function field(label: string, value: string) {
  return { type: 'mrkdwn', text: truncate(`*${mrkdwn(label)}*\n${mrkdwn(value)}`, SLACK.field) };
}

export function slackMessage(n: Notification): { text: string; blocks: unknown[] } {
  const facts = [
    field('Deployment', n.deploymentId),
    field('Service', n.service),
    field('Event', EVENT_LABEL[n.event]),
    field('Incident', n.incidentId),
    ...(n.role ? [field('Role', n.role)] : []),
  ];
  const blocks: unknown[] = [
    { type: 'header', text: { type: 'plain_text', text: truncate(headline(n), SLACK.header), emoji: true } },
    {
      type: 'section',
      text: { type: 'mrkdwn', text: truncate(`*${mrkdwn(n.title)}*\n${mrkdwn(n.summary)}`, SLACK.text) },
      fields: facts,
    },
  ];
  const details = Object.entries(n.details).map(([k, v]) => field(k, valueText(v)));
  const shown = details.slice(0, SLACK.fields * SLACK.detailSections);
  for (let i = 0; i < shown.length; i += SLACK.fields) {
    blocks.push({ type: 'section', fields: shown.slice(i, i + SLACK.fields) });
  }
  const context: unknown[] = allLinks(n).map((l) => ({ type: 'mrkdwn', text: slackLink(l.href, l.text) }));
  if (details.length > shown.length) context.unshift({ type: 'mrkdwn', text: `${details.length - shown.length} more details not shown` });
  if (context.length > 0) {
    blocks.push({ type: 'divider' }, { type: 'context', elements: context.slice(0, SLACK.context) });
  }
  return { text: truncate(`${headline(n)}: ${n.title}`, SLACK.text), blocks: blocks.slice(0, SLACK.blocks) };
}

const PAGERDUTY_ACTION: Partial<Record<NotificationEvent, 'trigger' | 'acknowledge' | 'resolve'>> = {
  trigger: 'trigger',
  escalate: 'trigger',
  reminder: 'trigger',
  acknowledge: 'acknowledge',
  resolve: 'resolve',
};

export function pagerDutyEvent(n: Notification, routingKey: string): Record<string, unknown> {
  const action = PAGERDUTY_ACTION[n.event];
  if (action === undefined) throw configError(`PagerDuty: a '${n.event}' notification has no PagerDuty event action`);
  if (n.incidentId === '' || n.incidentId.length > 255) {
    throw configError('PagerDuty: incidentId (the dedup_key) must be 1 to 255 characters');
  }
  const base = { routing_key: routingKey, dedup_key: n.incidentId, event_action: action };
  // Acknowledge and resolve need only the key; PagerDuty ignores a payload on them.
  if (action !== 'trigger') return base;
  return {
    ...base,
    client: 'deploywatch',
    payload: {
      summary: truncate(`${headline(n)}: ${n.title}`, 1024),
      source: n.service,
      severity: SEVERITY[n.priority],
      class: n.alert,
      custom_details: {
        ...n.details,
        summary: n.summary,
        deployment: n.deploymentId,
        event: n.event,
        ...(n.role ? { role: n.role } : {}),
      },
    },
    links: allLinks(n),
  };
}

function html(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
}

export function emailMessage(n: Notification): { subject: string; text: string; html: string } {
  const facts: Array<[string, string]> = [
    ['Deployment', n.deploymentId],
    ['Service', n.service],
    ['Incident', n.incidentId],
    ...(n.role ? [['Role', n.role] as [string, string]] : []),
  ];
  const details = Object.entries(n.details).map(([k, v]): [string, string] => [k, valueText(v)]);
  const links = allLinks(n);
  const heading = n.event === 'digest' ? 'Items' : 'Details';
  const text = [
    headline(n),
    n.title,
    '',
    n.summary,
    '',
    ...facts.map(([k, v]) => `${k}: ${v}`),
    ...(details.length > 0 ? ['', `${heading}:`, ...details.map(([k, v]) => `- ${k}: ${v}`)] : []),
    ...(links.length > 0 ? ['', ...links.map((l) => `${l.text}: ${l.href}`)] : []),
  ].join('\n');
  const rows = (pairs: Array<[string, string]>) =>
    pairs.map(([k, v]) => `<tr><th align="left">${html(k)}</th><td>${html(v)}</td></tr>`).join('');
  const body = [
    `<h2>${html(headline(n))}</h2>`,
    `<p><strong>${html(n.title)}</strong></p>`,
    `<p>${html(n.summary)}</p>`,
    `<table>${rows(facts)}</table>`,
    ...(details.length > 0 ? [`<h3>${heading}</h3>`, `<table>${rows(details)}</table>`] : []),
    ...(links.length > 0
      ? [`<ul>${links.map((l) => `<li><a href="${html(l.href)}">${html(l.text)}</a></li>`).join('')}</ul>`]
      : []),
  ].join('\n');
  return { subject: `${headline(n)}: ${n.title}`.replace(/[\r\n]+/g, ' '), text, html: body };
}
