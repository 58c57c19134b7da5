// The alert bridge: Alertmanager's webhook in, one `alertNotification` signal per monitor out, so
// an incident opens seconds after Prometheus fires instead of at the next checkpoint (up to 3 h
// later in the passive phase).
//
// Status codes follow Alertmanager's retry rules: it retries a 5xx (and network errors) with
// backoff and never retries a 4xx. So 503 when Temporal cannot take the signal (nothing lost), 4xx
// only for a request that can never succeed (wrong token, too big, not a v4 payload), and 200 for
// everything delivered or undeliverable by nature.
import { createHash, timingSafeEqual } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { WorkflowNotFoundError, type Client } from '@temporalio/client';
import type { Logger } from 'pino';
import type { Plan } from '../plan/schema.js';
import { BRIDGE_PATH } from '../render/defaults.js';
import { alertNotificationSignal, type BridgedAlert } from '../workflows/messages.js';
import { describeIssues, toBridgedAlert, webhookPayloadSchema } from './alertmanager-payload.js';
import { createBridgeMetrics, type BridgeMetrics, type RequestOutcome } from './metrics.js';
import { monitorsForAlerts, runningMonitorsQuery, type UnknownAlert } from './monitor-for-alert.js';

export const DEFAULT_MAX_BODY_BYTES = 1024 * 1024;

export interface BridgeOptions {
  client: Client;
  logger: Logger;
  /** The bearer token Alertmanager sends (its http_config.authorization credentials). */
  token: string;
  maxBodyBytes?: number;
  /** When given, alerts that are not this plan's are reported instead of forwarded. */
  plan?: Plan;
  /** Bound on the Temporal calls of one request (visibility lookups and signals). */
  temporalTimeoutMs?: number;
}

export interface Bridge {
  server: Server;
  metrics: BridgeMetrics;
  /** Resolves with the bound URL (port 0 picks a free port). */
  listen(port: number, host?: string): Promise<{ url: string; port: number }>;
  close(): Promise<void>;
}

/** The JSON body of every POST /alertmanager answer. */
export interface BridgeAnswer {
  status: 'ok' | 'error';
  error?: string;
  forwarded: Array<{ workflowId: string; alerts: number }>;
  unknown: UnknownAlert[];
}

class TemporalUnavailable extends Error {
  override readonly name = 'TemporalUnavailable';
}

const digest = (text: string): Buffer => createHash('sha256').update(text, 'utf8').digest();

export function createBridge(options: BridgeOptions): Bridge {
  const { client, logger } = options;
  if (options.token.trim() === '') throw new Error('the bridge needs a non-empty token');
  const expected = digest(options.token);
  const maxBodyBytes = options.maxBodyBytes ?? DEFAULT_MAX_BODY_BYTES;
  const temporalTimeoutMs = options.temporalTimeoutMs ?? 10_000;
  const planAlerts = options.plan ? new Set(options.plan.alerts.map((a) => a.name)) : null;
  const metrics = createBridgeMetrics();

  // Comparing digests keeps the comparison constant-time whatever the presented token's length.
  function authorized(req: IncomingMessage): boolean {
    const match = /^Bearer[ \t]+(\S+)[ \t]*$/i.exec(req.headers.authorization ?? '');
    return timingSafeEqual(digest(match?.[1] ?? ''), expected) && match !== null;
  }

  function send(req: IncomingMessage, res: ServerResponse, status: number, body: unknown, outcome?: RequestOutcome): void {
    if (outcome) metrics.requests.inc({ outcome });
    const text = typeof body === 'string' ? body : `${JSON.stringify(body)}\n`;
    const headers: Record<string, string | number> = {
      'content-type': typeof body === 'string' ? 'text/plain; charset=utf-8' : 'application/json',
      'content-length': Buffer.byteLength(text),
    };
    // An answer before the body was read: close the connection rather than read what is left.
    const unread = !req.complete;
    if (unread) headers.connection = 'close';
    res.writeHead(status, headers).end(text);
    if (unread) res.once('finish', () => req.socket.destroySoon());
  }

  function reject(req: IncomingMessage, res: ServerResponse, status: number, outcome: RequestOutcome, error: string): void {
    const answer: BridgeAnswer = { status: 'error', error, forwarded: [], unknown: [] };
    send(req, res, status, answer, outcome);
  }

  /** The body, or null once it passed the limit (reading stops there). */
  function readBody(req: IncomingMessage): Promise<Buffer | null> {
    return new Promise((resolve, fail) => {
      const chunks: Buffer[] = [];
      let size = 0;
      const onData = (chunk: Buffer): void => {
        size += chunk.length;
        if (size > maxBodyBytes) {
          req.off('data', onData);
          req.off('end', onEnd);
          req.pause();
          resolve(null);
          return;
        }
        chunks.push(chunk);
      };
      const onEnd = (): void => resolve(Buffer.concat(chunks));
      req.on('data', onData);
      req.once('end', onEnd);
      req.once('error', fail);
    });
  }

  async function signalMonitors(alerts: BridgedAlert[], receivedAt: string): Promise<BridgeAnswer> {
    // Reported in the request's order, whatever order the lookups and signals finish in.
    const unknown = new Map<BridgedAlert, UnknownAlert>();
    const note = (alert: BridgedAlert, reason: UnknownAlert['reason'], detail: string): void => {
      unknown.set(alert, { alertname: alert.alertname, fingerprint: alert.fingerprint, status: alert.status, reason, detail });
    };
    const routable = alerts.filter((alert) => {
      if (!planAlerts || planAlerts.has(alert.alertname)) return true;
      note(alert, 'not_in_plan', `${alert.alertname} is not an alert of plan ${options.plan?.name}`);
      return false;
    });

    const groups = new Map<string, BridgedAlert[]>();
    const routes = await monitorsForAlerts(client, routable).catch((err: unknown) => {
      throw new TemporalUnavailable(`visibility lookup failed: ${(err as Error).message}`, { cause: err });
    });
    routes.forEach((route, i) => {
      const alert = routable[i]!;
      if (route.kind === 'unknown') note(alert, route.reason, route.detail);
      else groups.set(route.workflowId, [...(groups.get(route.workflowId) ?? []), alert]);
    });

    const forwarded: BridgeAnswer['forwarded'] = [];
    const failures: string[] = [];
    await Promise.all(
      [...groups].map(async ([workflowId, group]) => {
        try {
          await client.workflow.getHandle(workflowId).signal(alertNotificationSignal, { receivedAt, alerts: group });
          forwarded.push({ workflowId, alerts: group.length });
          metrics.alertsForwarded.inc(group.length);
        } catch (err) {
          // Signalling a closed workflow is NOT_FOUND too: the monitor is not running.
          if (err instanceof WorkflowNotFoundError) {
            for (const alert of group) note(alert, 'no_running_monitor', `${workflowId} is not running`);
            return;
          }
          metrics.signalFailures.inc();
          failures.push(`${workflowId}: ${(err as Error).message}`);
        }
      }),
    );
    if (failures.length > 0) throw new TemporalUnavailable(`signal failed: ${failures.join('; ')}`);
    return { status: 'ok', forwarded, unknown: alerts.flatMap((a) => unknown.get(a) ?? []) };
  }

  async function onAlerts(req: IncomingMessage, res: ServerResponse): Promise<void> {
    if (!authorized(req)) {
      reject(req, res, 401, 'unauthorized', 'missing or wrong bearer token');
      return;
    }
    const declared = Number(req.headers['content-length']);
    if (Number.isFinite(declared) && declared > maxBodyBytes) {
      reject(req, res, 413, 'too_large', `body of ${declared} bytes is over the ${maxBodyBytes}-byte limit`);
      return;
    }
    const body = await readBody(req);
    if (body === null) {
      reject(req, res, 413, 'too_large', `body is over the ${maxBodyBytes}-byte limit`);
      return;
    }
    let json: unknown;
    try {
      json = JSON.parse(body.toString('utf8'));
    } catch (err) {
      reject(req, res, 400, 'malformed', `not JSON: ${(err as Error).message}`);
      return;
    }
    const parsed = webhookPayloadSchema.safeParse(json);
    if (!parsed.success) {
      reject(req, res, 400, 'malformed', `not an Alertmanager v4 webhook payload: ${describeIssues(parsed.error)}`);
      return;
    }

    const alerts = parsed.data.alerts.map(toBridgedAlert);
    const receivedAt = new Date().toISOString();
    let answer: BridgeAnswer;
    try {
      answer = await client.withDeadline(Date.now() + temporalTimeoutMs, () => signalMonitors(alerts, receivedAt));
    } catch (err) {
      // Alertmanager retries a 5xx; the monitor ignores the alerts it already has, so nothing doubles.
      logger.error({ err, groupKey: parsed.data.groupKey, alerts: alerts.length }, 'could not hand alerts to Temporal');
      reject(req, res, 503, 'unavailable', `Temporal unavailable: ${(err as Error).message}`);
      return;
    }
    for (const u of answer.unknown) {
      metrics.unknownDeployment.inc({ reason: u.reason });
      logger.warn({ alertname: u.alertname, fingerprint: u.fingerprint, reason: u.reason, detail: u.detail }, 'alert for no running monitor');
    }
    if (answer.forwarded.length > 0) logger.info({ forwarded: answer.forwarded, groupKey: parsed.data.groupKey, receivedAt }, 'alerts forwarded');
    // An alert for no running monitor stays undeliverable however often it is sent: 200, reported in
    // the body, the log and deploywatch_bridge_unknown_deployment_alerts_total. A 5xx would make
    // Alertmanager retry in vain; a 4xx would drop the whole group's delivery, including any alerts
    // that were delivered, and count as a failed notification in Alertmanager's own metrics.
    send(req, res, 200, answer, 'forwarded');
  }

  async function refreshTemporalGauges(): Promise<void> {
    try {
      const { count } = await client.withDeadline(Date.now() + 2_000, () => client.workflow.count(runningMonitorsQuery()));
      metrics.monitorsRunning.set(count);
      metrics.temporalReachable.set(1);
    } catch {
      metrics.monitorsRunning.set(Number.NaN);
      metrics.temporalReachable.set(0);
    }
  }

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const path = (req.url ?? '/').split('?')[0];
    if (path === BRIDGE_PATH) {
      if (req.method !== 'POST') {
        res.setHeader('allow', 'POST');
        reject(req, res, 405, 'method_not_allowed', 'POST an Alertmanager webhook payload here');
        return;
      }
      await onAlerts(req, res);
      return;
    }
    if (req.method === 'GET' && path === '/healthz') {
      send(req, res, 200, { status: 'ok' });
      return;
    }
    if (req.method === 'GET' && path === '/metrics') {
      await refreshTemporalGauges();
      const text = await metrics.registry.metrics();
      res.writeHead(200, { 'content-type': metrics.registry.contentType }).end(text);
      return;
    }
    send(req, res, 404, { status: 'error', error: `no such endpoint: ${req.method} ${path}` });
  }

  const server = createServer((req, res) => {
    handle(req, res).catch((err: unknown) => {
      logger.error({ err }, 'bridge request failed');
      if (!res.headersSent) send(req, res, 500, { status: 'error', error: 'internal error' });
      else res.destroy();
    });
  });
  // Alertmanager's notification timeout bounds its wait; keep idle keep-alive sockets short.
  server.keepAliveTimeout = 5_000;
  server.headersTimeout = 10_000;
  server.requestTimeout = 30_000;

  return {
    server,
    metrics,
    listen: (port, host = '127.0.0.1') =>
      new Promise((resolve, reject) => {
        server.once('error', reject);
        server.listen(port, host, () => {
          server.off('error', reject);
          const bound = (server.address() as AddressInfo).port;
          const shown = host.includes(':') ? `[${host}]` : host;
          resolve({ url: `http://${shown}:${bound}`, port: bound });
        });
      }),
    close: () =>
      new Promise((resolve, reject) => {
        if (!server.listening) {
          resolve();
          return;
        }
        server.close((err) => (err ? reject(err) : resolve()));
        server.closeIdleConnections();
      }),
  };
}
