// Loopback stand-ins for the third-party services notifications go to: a Slack incoming webhook, the
// PagerDuty Events API v2 and an SMTP server. Each checks requests against the service's documented
// rules, records what it accepted, and can be scripted to fail the next requests.
import { randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { SMTPServer } from 'smtp-server';

/**
 * A scripted answer: a status with body (or a body made from the request path) and headers; never
 * answering; or answering late, after the caller has given up (`lateMs`): the request is acted on as
 * usual, the caller never hears so.
 */
export type ScriptedReply =
  | { status: number; body?: string | ((path: string) => string); headers?: Record<string, string> }
  | 'hang'
  | { lateMs: number };

interface HttpReceiver {
  origin: string;
  /** Every request received, including scripted failures and invalid ones. */
  readonly attempts: number;
  /** Requests acted on after a `lateMs` delay: delivered, though the caller saw a timeout. */
  readonly lateAccepted: number;
  /** The next `count` requests get `reply` instead of the normal handling. */
  failNext(count: number, reply: ScriptedReply): void;
  /** Until called with null, every request (after any `failNext` ones) gets `pick(n)`, n counting from 0. */
  outage(pick: ((n: number) => ScriptedReply) | null): void;
  close(): Promise<void>;
}

type Handler = (path: string, body: string, res: ServerResponse) => void;

async function startHttp(handle: Handler): Promise<HttpReceiver & { server: Server }> {
  const script: ScriptedReply[] = [];
  let attempts = 0;
  let lateAccepted = 0;
  let outage: ((n: number) => ScriptedReply) | null = null;
  let outageRequests = 0;
  const timers = new Set<NodeJS.Timeout>();
  const answer = (req: IncomingMessage, body: string, res: ServerResponse): void => {
    if (req.method !== 'POST') {
      res.writeHead(405).end('method_not_allowed');
      return;
    }
    handle(req.url ?? '/', body, res);
  };
  const server = createServer((req: IncomingMessage, res: ServerResponse) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      attempts += 1;
      const body = Buffer.concat(chunks).toString('utf8');
      const scripted = script.shift() ?? (outage ? outage(outageRequests++) : undefined);
      if (scripted === 'hang') return; // closed by close()
      if (scripted && 'lateMs' in scripted) {
        const timer = setTimeout(() => {
          timers.delete(timer);
          lateAccepted += 1;
          answer(req, body, res);
        }, scripted.lateMs);
        timers.add(timer);
        return;
      }
      if (scripted) {
        const text = typeof scripted.body === 'function' ? scripted.body(req.url ?? '/') : (scripted.body ?? '');
        res.writeHead(scripted.status, { 'content-type': 'text/plain', ...scripted.headers }).end(text);
        return;
      }
      answer(req, body, res);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    server,
    origin: `http://127.0.0.1:${port}`,
    get attempts() {
      return attempts;
    },
    get lateAccepted() {
      return lateAccepted;
    },
    failNext(count, reply) {
      for (let i = 0; i < count; i++) script.push(reply);
    },
    outage(pick) {
      outage = pick;
      outageRequests = 0;
    },
    async close() {
      for (const timer of timers) clearTimeout(timer);
      server.closeAllConnections();
      await new Promise<void>((resolve, reject) => server.close((err) => (err ? reject(err) : resolve())));
    },
  };
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

// --- Slack incoming webhook --------------------------------------------------------------------

const BLOCK_TYPES = ['header', 'section', 'context', 'divider'];

function textObjectErrors(where: string, t: unknown, max: number, types = ['plain_text', 'mrkdwn']): string[] {
  if (!isObject(t)) return [`${where}: must be a text object`];
  if (typeof t.type !== 'string' || !types.includes(t.type)) return [`${where}.type: must be ${types.join(' or ')}`];
  if (typeof t.text !== 'string' || t.text.length === 0) return [`${where}.text: must be a non-empty string`];
  if (t.text.length > max) return [`${where}.text: longer than ${max} characters`];
  return [];
}

/** Slack's documented webhook + Block Kit constraints for the blocks we use; [] when valid. */
export function slackMessageErrors(payload: unknown): string[] {
  if (!isObject(payload)) return ['payload: must be a JSON object'];
  const errors: string[] = [];
  const { text, blocks } = payload;
  if (text !== undefined && typeof text !== 'string') errors.push('text: must be a string');
  const hasText = typeof text === 'string' && text.trim() !== '';
  if (blocks === undefined) {
    if (!hasText) errors.push('text or blocks is required');
    return errors;
  }
  if (!Array.isArray(blocks) || blocks.length === 0) return [...errors, 'blocks: must be a non-empty array'];
  if (blocks.length > 50) errors.push('blocks: more than 50');
  blocks.forEach((b: unknown, i) => {
    const at = `blocks[${i}]`;
    if (!isObject(b) || typeof b.type !== 'string' || !BLOCK_TYPES.includes(b.type)) {
      errors.push(`${at}.type: must be one of ${BLOCK_TYPES.join(', ')}`);
      return;
    }
    if (b.block_id !== undefined && (typeof b.block_id !== 'string' || b.block_id.length > 255)) {
      errors.push(`${at}.block_id: at most 255 characters`);
    }
    if (b.type === 'header') errors.push(...textObjectErrors(`${at}.text`, b.text, 150, ['plain_text']));
    if (b.type === 'section') {
      if (b.text === undefined && b.fields === undefined) errors.push(`${at}: text or fields is required`);
      if (b.text !== undefined) errors.push(...textObjectErrors(`${at}.text`, b.text, 3000));
      if (b.fields !== undefined) {
        if (!Array.isArray(b.fields) || b.fields.length === 0) errors.push(`${at}.fields: must be a non-empty array`);
        else {
          if (b.fields.length > 10) errors.push(`${at}.fields: more than 10`);
          b.fields.forEach((f: unknown, j) => errors.push(...textObjectErrors(`${at}.fields[${j}]`, f, 2000)));
        }
      }
    }
    if (b.type === 'context') {
      if (!Array.isArray(b.elements) || b.elements.length === 0) errors.push(`${at}.elements: must be a non-empty array`);
      else {
        if (b.elements.length > 10) errors.push(`${at}.elements: more than 10`);
        b.elements.forEach((e: unknown, j) => {
          const where = `${at}.elements[${j}]`;
          if (isObject(e) && e.type === 'image') {
            if (typeof e.image_url !== 'string' || typeof e.alt_text !== 'string') errors.push(`${where}: image needs image_url and alt_text`);
          } else errors.push(...textObjectErrors(where, e, 3000));
        });
      }
    }
  });
  return errors;
}

export interface SlackMessage {
  path: string;
  payload: { text?: string; blocks?: Array<Record<string, unknown>> };
}

export interface SlackReceiver extends HttpReceiver {
  /** An incoming-webhook URL on this receiver; the default path mimics Slack's /services/T…/B…/<token>. */
  url(path?: string): string;
  /** Valid messages, as Slack would post them. */
  readonly messages: SlackMessage[];
  /** Requests answered 400, with the reasons. */
  readonly rejected: Array<{ path: string; errors: string[] }>;
  /**
   * Messages identical (webhook and body) to one accepted before: Slack has no idempotency key, so a
   * retry after a lost answer posts the message again. Counted here, as a channel would show them.
   */
  readonly duplicates: number;
}

export async function startSlackReceiver(): Promise<SlackReceiver> {
  const messages: SlackMessage[] = [];
  const rejected: Array<{ path: string; errors: string[] }> = [];
  const seen = new Set<string>();
  let duplicates = 0;
  const http = await startHttp((path, body, res) => {
    if (!path.startsWith('/services/')) {
      res.writeHead(404, { 'content-type': 'text/plain' }).end('no_service');
      return;
    }
    let payload: unknown;
    try {
      payload = JSON.parse(body);
    } catch {
      rejected.push({ path, errors: ['body is not JSON'] });
      res.writeHead(400, { 'content-type': 'text/plain' }).end('invalid_payload');
      return;
    }
    const errors = slackMessageErrors(payload);
    if (errors.length > 0) {
      rejected.push({ path, errors });
      const noText = errors.includes('text or blocks is required');
      res.writeHead(400, { 'content-type': 'text/plain' }).end(noText ? 'no_text' : 'invalid_blocks');
      return;
    }
    messages.push({ path, payload: payload as SlackMessage['payload'] });
    const key = `${path}\n${body}`;
    if (seen.has(key)) duplicates += 1;
    seen.add(key);
    res.writeHead(200, { 'content-type': 'text/plain' }).end('ok');
  });
  return {
    origin: http.origin,
    get attempts() {
      return http.attempts;
    },
    get lateAccepted() {
      return http.lateAccepted;
    },
    failNext: http.failNext,
    outage: http.outage,
    close: http.close,
    url: (path = '/services/T0000TEST/B0000TEST/XXXXXXXXXXXXXXXXXXXXXXXX') => `${http.origin}${path}`,
    messages,
    rejected,
    get duplicates() {
      return duplicates;
    },
  };
}

// --- PagerDuty Events API v2 -------------------------------------------------------------------

const EVENT_ACTIONS = ['trigger', 'acknowledge', 'resolve'];
const SEVERITIES = ['critical', 'error', 'warning', 'info'];

/** The Events API v2 alert-event rules; [] when valid. */
export function pagerDutyEventErrors(event: unknown): string[] {
  if (!isObject(event)) return ['event must be a JSON object'];
  const errors: string[] = [];
  if (typeof event.routing_key !== 'string' || event.routing_key.length !== 32) {
    errors.push("Length of 'routing_key' is incorrect (should be 32 characters)");
  }
  if (typeof event.event_action !== 'string' || !EVENT_ACTIONS.includes(event.event_action)) {
    errors.push(`'event_action' must be one of ${EVENT_ACTIONS.join(', ')}`);
  }
  if (event.dedup_key !== undefined && (typeof event.dedup_key !== 'string' || event.dedup_key.length > 255)) {
    errors.push("'dedup_key' must be a string of at most 255 characters");
  }
  if (event.event_action !== 'trigger' && typeof event.dedup_key !== 'string') {
    errors.push(`'dedup_key' is required for ${String(event.event_action)}`);
  }
  if (event.event_action === 'trigger') {
    const p = event.payload;
    if (!isObject(p)) errors.push("'payload' is required for trigger");
    else {
      if (typeof p.summary !== 'string' || p.summary === '' || p.summary.length > 1024) {
        errors.push("'payload.summary' is required, at most 1024 characters");
      }
      if (typeof p.source !== 'string' || p.source === '') errors.push("'payload.source' is required");
      if (typeof p.severity !== 'string' || !SEVERITIES.includes(p.severity)) {
        errors.push(`'payload.severity' must be one of ${SEVERITIES.join(', ')}`);
      }
      if (p.custom_details !== undefined && !isObject(p.custom_details)) errors.push("'payload.custom_details' must be an object");
    }
  }
  if (event.links !== undefined) {
    if (!Array.isArray(event.links) || event.links.some((l: unknown) => !isObject(l) || typeof l.href !== 'string')) {
      errors.push("'links' must be a list of objects with an href");
    }
  }
  if (event.images !== undefined) {
    if (!Array.isArray(event.images) || event.images.some((i: unknown) => !isObject(i) || typeof i.src !== 'string' || !i.src.startsWith('https://'))) {
      errors.push("'images' must be a list of objects with an https src");
    }
  }
  return errors;
}

export interface PagerDutyEvent {
  routing_key: string;
  event_action: 'trigger' | 'acknowledge' | 'resolve';
  dedup_key?: string;
  payload?: { summary: string; source: string; severity: string; custom_details?: Record<string, unknown>; [k: string]: unknown };
  links?: Array<{ href: string; text?: string }>;
  [k: string]: unknown;
}

export interface PagerDutyIncident {
  dedupKey: string;
  routingKey: string;
  status: 'triggered' | 'acknowledged' | 'resolved';
  summary: string;
  severity: string;
  /** Accepted events applied to this incident, in order. */
  events: PagerDutyEvent[];
}

export interface PagerDutyReceiver extends HttpReceiver {
  /** The enqueue endpoint. */
  url: string;
  /** Every accepted event (including follow-ups PagerDuty drops for want of an open incident). */
  readonly events: PagerDutyEvent[];
  readonly rejected: Array<{ errors: string[] }>;
  /** Incidents in creation order; a trigger after a resolve opens a new one, as PagerDuty does. */
  readonly incidents: PagerDutyIncident[];
  incidentsFor(dedupKey: string): PagerDutyIncident[];
}

export async function startPagerDutyReceiver(): Promise<PagerDutyReceiver> {
  const events: PagerDutyEvent[] = [];
  const rejected: Array<{ errors: string[] }> = [];
  const incidents: PagerDutyIncident[] = [];
  const json = (res: ServerResponse, status: number, body: unknown) =>
    res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(body));
  const http = await startHttp((path, body, res) => {
    if (path !== '/v2/enqueue') {
      json(res, 404, { status: 'not found', message: 'Not found' });
      return;
    }
    let event: unknown;
    try {
      event = JSON.parse(body);
    } catch {
      json(res, 400, { status: 'invalid event', message: 'Event object is invalid', errors: ['Invalid JSON'] });
      return;
    }
    const errors = pagerDutyEventErrors(event);
    if (errors.length > 0) {
      rejected.push({ errors });
      json(res, 400, { status: 'invalid event', message: 'Event object is invalid', errors });
      return;
    }
    const e = event as PagerDutyEvent;
    const dedupKey = e.dedup_key ?? randomUUID();
    events.push(e);
    // Follow-ups apply to the open incident with this key and routing key; otherwise they are dropped.
    const open = incidents.find((i) => i.dedupKey === dedupKey && i.routingKey === e.routing_key && i.status !== 'resolved');
    if (e.event_action === 'trigger') {
      if (open) open.events.push(e);
      else {
        incidents.push({
          dedupKey,
          routingKey: e.routing_key,
          status: 'triggered',
          summary: e.payload!.summary,
          severity: e.payload!.severity,
          events: [e],
        });
      }
    } else if (open) {
      open.events.push(e);
      if (e.event_action === 'resolve') open.status = 'resolved';
      else if (open.status === 'triggered') open.status = 'acknowledged';
    }
    json(res, 202, { status: 'success', message: 'Event processed', dedup_key: dedupKey });
  });
  return {
    origin: http.origin,
    get attempts() {
      return http.attempts;
    },
    get lateAccepted() {
      return http.lateAccepted;
    },
    failNext: http.failNext,
    outage: http.outage,
    close: http.close,
    url: `${http.origin}/v2/enqueue`,
    events,
    rejected,
    incidents,
    incidentsFor: (dedupKey) => incidents.filter((i) => i.dedupKey === dedupKey),
  };
}

// --- SMTP --------------------------------------------------------------------------------------

export interface ReceivedMail {
  /** The authenticated user. */
  user: string;
  envelopeFrom: string;
  envelopeTo: string[];
  /** Unfolded header lines by lower-case name (first occurrence). */
  headers: Record<string, string>;
  subject: string;
  raw: string;
}

export interface SmtpReceiver {
  port: number;
  /** smtp://user:pass@127.0.0.1:port, with the configured credentials unless others are given. */
  url(user?: string, pass?: string): string;
  readonly messages: ReceivedMail[];
  readonly authFailures: number;
  close(): Promise<void>;
}

function parseHeaders(raw: string): Record<string, string> {
  const end = raw.search(/\r?\n\r?\n/);
  const head = (end === -1 ? raw : raw.slice(0, end)).replace(/\r?\n[ \t]+/g, ' ');
  const headers: Record<string, string> = {};
  for (const line of head.split(/\r?\n/)) {
    const colon = line.indexOf(':');
    if (colon <= 0) continue;
    const name = line.slice(0, colon).trim().toLowerCase();
    headers[name] ??= line.slice(colon + 1).trim();
  }
  return headers;
}

/**
 * A real SMTP server (the smtp-server package) on loopback, requiring AUTH PLAIN/LOGIN. No TLS, so
 * plain-text auth is allowed; a failed login is answered like many servers do, naming the user.
 */
export async function startSmtpServer(credentials = { user: 'deploywatch', pass: 'smtp-test-password' }): Promise<SmtpReceiver> {
  const messages: ReceivedMail[] = [];
  let authFailures = 0;
  const server = new SMTPServer({
    authMethods: ['PLAIN', 'LOGIN'],
    allowInsecureAuth: true,
    disabledCommands: ['STARTTLS'],
    logger: false,
    onAuth(auth, _session, callback) {
      if (auth.username === credentials.user && auth.password === credentials.pass) {
        callback(null, { user: auth.username });
        return;
      }
      authFailures += 1;
      const err = Object.assign(new Error(`Authentication failed for ${String(auth.username)}`), { responseCode: 535 });
      callback(err);
    },
    onData(stream, session, callback) {
      const chunks: Buffer[] = [];
      stream.on('data', (c: Buffer) => chunks.push(c));
      stream.on('end', () => {
        const raw = Buffer.concat(chunks).toString('utf8');
        const headers = parseHeaders(raw);
        messages.push({
          user: String(session.user),
          envelopeFrom: session.envelope.mailFrom === false ? '' : session.envelope.mailFrom.address,
          envelopeTo: session.envelope.rcptTo.map((r) => r.address),
          headers,
          subject: headers.subject ?? '',
          raw,
        });
        callback();
      });
    },
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.server.address() as AddressInfo;
  return {
    port,
    url: (user = credentials.user, pass = credentials.pass) =>
      `smtp://${encodeURIComponent(user)}:${encodeURIComponent(pass)}@127.0.0.1:${port}`,
    messages,
    get authFailures() {
      return authFailures;
    },
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
