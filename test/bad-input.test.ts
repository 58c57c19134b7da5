// Bad input at volume: well over a thousand generated malformed plan files, operator signals and
// Alertmanager bodies. Each gets a clear error naming what is wrong; the monitor never fails; no
// incident is lost or opened twice.
//
// Inputs come from a seeded PRNG: the seed is printed, and DEPLOYWATCH_TEST_SEED=<seed> replays them.
import { after, before, describe, test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { WorkflowHandle } from '@temporalio/client';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { DefaultLogger } from '@temporalio/worker';
import pino from 'pino';
import { request } from 'undici';
import { parse, stringify } from 'yaml';
import { createActivities } from '../src/activities/index.js';
import type { WebhookAlert, WebhookPayload } from '../src/bridge/alertmanager-payload.js';
import { createBridge, type Bridge, type BridgeAnswer } from '../src/bridge/server.js';
import { startMonitor } from '../src/monitor-client.js';
import { DEFAULT_PLAN_PATH, formatPath, loadPlanFile, parsePlan, PlanError, PlanFileError } from '../src/plan/load.js';
import { planSchema, type Plan } from '../src/plan/schema.js';
import type { deploymentMonitor } from '../src/workflows/deployment-monitor/index.js';
import { acknowledgeSignal, alertNotificationSignal, escalateSignal, incidentQuery, type MonitorStatus, resolveSignal, rollbackSignal, signOffSignal, statusQuery } from '../src/workflows/messages.js';
import { incidentWorkflowId } from '../src/temporal/ids.js';
import type { IncidentSummary } from '../src/plan/records.js';
import { newToken, webhookAlert, webhookPayload, withoutChannels } from './support/alerts.js';
import { withFixtureCommands } from './support/plans.js';
import { freePort } from './support/prometheus.js';
import { random, testSeed, type Random } from './support/random.js';
import { devServerEnv, testRuntime } from './support/temporal.js';
import { fileWorker, waitFor } from './support/harness.js';

// Rejected signals are logged at WARN by design; hundreds of them would drown the report.
testRuntime({ logger: new DefaultLogger('ERROR'), telemetryOptions: { logging: { filter: { core: 'ERROR', other: 'ERROR' }, forward: {} } } });

const SEED = testSeed();
const silent = pino({ level: 'silent' });
const TASK_QUEUE = 'bad-input';

let planText: string;
let planData: Record<string, unknown>;
const counts: Record<string, number> = {};
const count = (kind: string, n = 1): void => void (counts[kind] = (counts[kind] ?? 0) + n);

before(async () => {
  console.log(`bad-input: seed ${SEED} (DEPLOYWATCH_TEST_SEED=${SEED} replays these inputs)`);
  planText = await readFile(DEFAULT_PLAN_PATH, 'utf8');
  planData = parse(planText) as Record<string, unknown>;
}, { timeout: 3 * 60_000 });


// --- Plan files --------------------------------------------------------------------------------

type Path = Array<string | number>;
type Json = unknown;

/** Every node of the parsed plan: its path and value. */
function nodes(value: Json, path: Path = []): Array<{ path: Path; value: Json }> {
  const here = [{ path, value }];
  if (Array.isArray(value)) return [...here, ...value.flatMap((v, i) => nodes(v, [...path, i]))];
  if (value !== null && typeof value === 'object') return [...here, ...Object.entries(value).flatMap(([k, v]) => nodes(v, [...path, k]))];
  return here;
}

function clone<T>(value: T): T {
  return structuredClone(value);
}

function setAt(root: Json, path: Path, value: Json): void {
  const parent = path.slice(0, -1).reduce<Json>((node, key) => (node as Record<string | number, Json>)[key], root) as Record<string | number, Json>;
  parent[path.at(-1)!] = value;
}

function deleteAt(root: Json, path: Path): void {
  const parent = path.slice(0, -1).reduce<Json>((node, key) => (node as Record<string | number, Json>)[key], root) as Record<string | number, Json>;
  delete parent[path.at(-1)!];
}

function kindOf(value: Json): 'null' | 'array' | 'object' | 'string' | 'number' | 'boolean' {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'array';
  return typeof value as 'object' | 'string' | 'number' | 'boolean';
}

interface ZodDef {
  type: string;
  shape?: Record<string, unknown>;
  element?: unknown;
  valueType?: unknown;
  innerType?: unknown;
}
const defOf = (schema: unknown): ZodDef => (schema as { def: ZodDef }).def;

/** What the schema says of the field at `path`: optional (or defaulted), or an entry of a record. */
function fieldAt(path: Path): { optional: boolean; recordEntry: boolean } | undefined {
  let schema: unknown = planSchema;
  let optional = false;
  let recordEntry = false;
  const unwrap = (): void => {
    optional = false;
    for (let d = defOf(schema); ['optional', 'default', 'prefault', 'nullable'].includes(d.type); d = defOf(schema)) {
      if (d.type !== 'nullable') optional = true;
      schema = d.innerType;
    }
  };
  for (const key of path) {
    unwrap();
    const d = defOf(schema);
    if (d.type === 'object' && typeof key === 'string' && d.shape?.[key]) [schema, recordEntry] = [d.shape[key], false];
    else if (d.type === 'array') [schema, recordEntry] = [d.element, false];
    else if (d.type === 'record') [schema, recordEntry] = [d.valueType, true];
    else return undefined;
  }
  unwrap();
  return { optional, recordEntry };
}

/** A problem line names a field ("alerts[3].for: …", "(plan): …") or a line ("line 12, column 3: …"). */
const NAMED = /^(line \d+, column \d+: |\(plan\): |[A-Za-z_][\w-]*(?:\.[A-Za-z_][\w-]*|\[\d+\]|\["[^"]*"\])*: )/;

type Outcome = { kind: 'plan'; plan: Plan } | { kind: 'error'; error: PlanError };

function tryPlan(text: string, what: string): Outcome {
  try {
    return { kind: 'plan', plan: parsePlan(text, 'mutated.yaml') };
  } catch (err) {
    assert.ok(err instanceof PlanError, `${what}: threw ${(err as Error).name}, not a PlanError: ${(err as Error).stack}`);
    assert.ok(err.problems.length > 0, `${what}: a PlanError lists its problems`);
    for (const p of err.problems) {
      assert.match(p, NAMED, `${what}: "${p}" names a field or a line`);
      assert.doesNotMatch(p, /TypeError|is not a function|Cannot read propert|undefined \(reading/, `${what}: "${p}" is not a crash`);
    }
    return { kind: 'error', error: err };
  }
}

function expectError(text: string, what: string, names?: string): PlanError {
  const outcome = tryPlan(text, what);
  assert.equal(outcome.kind, 'error', `${what}: the plan must be refused`);
  const error = (outcome as { error: PlanError }).error;
  if (names !== undefined) {
    assert.ok(error.problems.some((p) => p.startsWith(names)), `${what}: a problem names ${names}:\n${error.problems.join('\n')}`);
  }
  return error;
}

const REPLACEMENTS: Record<ReturnType<typeof kindOf>, Json[]> = {
  string: [42, 0, true, null, ['x'], { a: 1 }],
  number: ['12', 'twelve', true, null, [1], { n: 1 }],
  boolean: ['true', 'yes', 1, null, [true]],
  array: ['x', 3, { k: 'v' }, null, true],
  object: ['x', 3, ['x'], null, false],
  null: ['x', 3, ['x'], { k: 1 }],
};
const BAD_DURATIONS = ['5 m', '-5m', '5', 'five minutes', '', '5mm', 'm', '1h 30m', '1.5h', '+5m', '5M', 'PT5M', '5m ', ' 5m', '∞', '10 s', '1e3s'];
const DURATION_KEYS = new Set(['for', 'window', 'scrapeInterval', 'autoResolveAfter', 'measurementWindow', 'groupWait', 'groupInterval', 'repeatInterval']);

function breakPromql(expr: string, rng: Random): string {
  const ways = [
    (e: string) => (e.includes(')') ? e.slice(0, e.lastIndexOf(')')) + e.slice(e.lastIndexOf(')') + 1) : `(${e}`),
    (e: string) => `${e} +`,
    (e: string) => `${e})`,
    (e: string) => (e.includes('[') ? e.replace(/\[(\d+[smhd])\]/, '[$1') : `${e}[5m`),
    (e: string) => e.replace('(', '(('),
    (e: string) => `sum by (${e}`,
    (e: string) => e.replace(/([A-Za-z_:][\w:]*)/, '$1{'),
    (e: string) => `${e} and on(`,
  ];
  const broken = rng.pick(ways)(expr);
  return broken === expr ? `${expr} +` : broken;
}

describe('plan files', () => {
  test('deleted fields: a required one is named, an optional one may go', { timeout: 5 * 60_000 }, () => {
    const rng = random(SEED ^ 0x1);
    const keys = nodes(planData).filter((n) => typeof n.path.at(-1) === 'string');
    let refused = 0;
    for (let i = 0; i < 260; i++) {
      const { path } = rng.pick(keys);
      const mutated = clone(planData);
      deleteAt(mutated, path);
      const what = `without ${formatPath(path)}`;
      const field = fieldAt(path);
      if (field && !field.optional && !field.recordEntry) {
        expectError(stringify(mutated), what, formatPath(path));
        refused++;
      } else if (tryPlan(stringify(mutated), what).kind === 'error') refused++;
      count('plan: deleted field');
    }
    assert.ok(refused > 100, `most deletions are refused (${refused})`);
  });

  test('wrong types: the field is named', { timeout: 5 * 60_000 }, () => {
    const rng = random(SEED ^ 0x2);
    const all = nodes(planData).filter((n) => n.path.length > 0);
    for (let i = 0; i < 220; i++) {
      const { path, value } = rng.pick(all);
      const replacement = rng.pick(REPLACEMENTS[kindOf(value)]);
      const mutated = clone(planData);
      setAt(mutated, path, replacement);
      expectError(stringify(mutated), `${formatPath(path)} = ${JSON.stringify(replacement)}`, formatPath(path));
      count('plan: wrong type');
    }
  });

  test('bad durations: the field is named', { timeout: 5 * 60_000 }, () => {
    const rng = random(SEED ^ 0x3);
    const durations = nodes(planData).filter((n) => typeof n.value === 'string' && DURATION_KEYS.has(String(n.path.at(-1))));
    assert.ok(durations.length >= 15);
    for (let i = 0; i < 90; i++) {
      const { path } = rng.pick(durations);
      const bad = rng.pick(BAD_DURATIONS);
      const mutated = clone(planData);
      setAt(mutated, path, bad);
      expectError(stringify(mutated), `${formatPath(path)} = ${JSON.stringify(bad)}`, formatPath(path));
      count('plan: bad duration');
    }
  });

  test('bad PromQL: the expression is named, with the parser’s complaint', { timeout: 5 * 60_000 }, () => {
    const rng = random(SEED ^ 0x4);
    const exprs = nodes(planData).filter((n) => n.path.at(-1) === 'expr' && typeof n.value === 'string');
    assert.ok(exprs.length >= 25);
    for (let i = 0; i < 90; i++) {
      const { path, value } = rng.pick(exprs);
      const broken = breakPromql(value as string, rng);
      const mutated = clone(planData);
      setAt(mutated, path, broken);
      const error = expectError(stringify(mutated), `${formatPath(path)} = ${broken}`, formatPath(path));
      assert.ok(error.problems.some((p) => p.startsWith(`${formatPath(path)}: PromQL`)), error.message);
      count('plan: bad PromQL');
    }
  });

  test('unknown keys: the key is named', { timeout: 5 * 60_000 }, () => {
    const rng = random(SEED ^ 0x5);
    const maps = nodes(planData).filter((n) => kindOf(n.value) === 'object');
    for (let i = 0; i < 110; i++) {
      const { path } = rng.pick(maps);
      const key = `unexpected_${rng.int(0, 999)}`;
      const mutated = clone(planData);
      setAt(mutated, [...path, key], true);
      const error = expectError(stringify(mutated), `${formatPath([...path, key])} added`);
      const named = error.problems.some((p) => p.startsWith(formatPath([...path, key])) || p.startsWith(`${formatPath(path)}:`));
      assert.ok(named, `${formatPath([...path, key])} is named:\n${error.problems.join('\n')}`);
      count('plan: unknown key');
    }
  });

  test('garbage YAML, truncated files, binary files and unreadable paths: a line or a field, never a crash', { timeout: 5 * 60_000 }, async () => {
    const rng = random(SEED ^ 0x6);
    const lines = planText.split('\n');
    const keyLines = lines.map((l, i) => ({ l, i })).filter(({ l }) => /^\s*(- )?[\w#'"-]+:( |$)/.test(l) && !l.trimStart().startsWith('#'));
    const injections = ['@x', '`x', '[1, 2', '{a: 1', '"open', "'open", '*nosuch', '&a &b x'];
    for (let i = 0; i < 130; i++) {
      const { l, i: at } = rng.pick(keyLines);
      const mutated = [...lines];
      const how = rng.int(0, 2);
      if (how === 0) {
        // A value that starts with a reserved or opening character.
        const colon = l.indexOf(':');
        mutated[at] = `${l.slice(0, colon + 1)} ${rng.pick(injections)}`;
      } else if (how === 1) {
        // The same key twice in one map.
        mutated.splice(at, 0, l.replace(/^(\s*)- /, '$1  '));
      } else {
        // Tabs for indentation.
        mutated[at] = l.startsWith(' ') ? l.replace(/^ +/, '\t') : `\t${l}`;
      }
      const error = expectError(mutated.join('\n'), `line ${at + 1} mutated (${how}): ${mutated[at]}`);
      assert.ok(error.problems.some((p) => /line \d+/.test(p) || NAMED.test(p)));
      count('plan: garbage YAML');
    }
    // Cut anywhere before `escalation:` (required): never a plan.
    const cutBefore = planText.indexOf('\nescalation:');
    for (let i = 0; i < 50; i++) {
      const at = rng.int(0, cutBefore);
      expectError(planText.slice(0, at), `truncated at byte ${at}`);
      count('plan: truncated');
    }
    const dir = await mkdtemp(join(tmpdir(), 'deploywatch-bad-plans-'));
    try {
      for (let i = 0; i < 25; i++) {
        const bytes = Buffer.from(Array.from({ length: rng.int(1, 400) }, () => rng.int(0, 255)));
        const file = join(dir, `garbage-${i}.yaml`);
        await writeFile(file, bytes);
        await assert.rejects(loadPlanFile(file), (err: Error) => {
          assert.ok(err instanceof PlanError, `random bytes: ${err.name}: ${err.message}`);
          for (const p of err.problems) assert.match(p, NAMED);
          return true;
        });
        count('plan: binary file');
      }
      for (const path of [join(dir, 'missing.yaml'), dir]) {
        await assert.rejects(loadPlanFile(path), (err: Error) => err instanceof PlanFileError && err.message.startsWith(`${path}: cannot read plan file`));
        count('plan: unreadable file');
      }
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});

// --- Against a running monitor: signals and Alertmanager bodies ---------------------------------

describe('a running monitor', () => {
  let env: TestWorkflowEnvironment;
  let worker: Awaited<ReturnType<typeof fileWorker>> | undefined;
  let plan: Plan;
  let bridge: Bridge;
  let bridgeUrl: string;
  const token = newToken();
  const MAX_BODY = 64 * 1024;

  before(async () => {
    env = await devServerEnv();
    const base = withoutChannels(withFixtureCommands(await loadPlanFile(DEFAULT_PLAN_PATH)));
    // Nothing listens there: checks are blind, which opens nothing before the second checkpoint (T+15m).
    plan = { ...base, prometheus: { ...base.prometheus, url: `http://127.0.0.1:${await freePort()}` } };
    worker = await fileWorker(env, {
      taskQueue: TASK_QUEUE,
      activities: createActivities({ logger: silent }),
    });
    bridge = createBridge({ client: env.client, logger: silent, token, plan, maxBodyBytes: MAX_BODY });
    ({ url: bridgeUrl } = await bridge.listen(0));
  });

  after(async () => {
    await bridge?.close();
    await worker?.stop();
    await env?.teardown();
  });

  async function start(id: string): Promise<WorkflowHandle<typeof deploymentMonitor>> {
    const deployment = { id, version: '4.0.0', service: plan.service, deployedAt: new Date().toISOString() };
    const { workflowId } = await startMonitor(env.client, { deployment, plan, taskQueue: TASK_QUEUE });
    return env.client.workflow.getHandle<typeof deploymentMonitor>(workflowId);
  }

  /** The monitor never failed a workflow task (a throwing handler would) and is still running. */
  async function assertNeverFailed(handle: WorkflowHandle): Promise<void> {
    const history = await handle.fetchHistory();
    const failed = (history.events ?? []).filter((e) => e.workflowTaskFailedEventAttributes || e.workflowExecutionFailedEventAttributes);
    assert.deepEqual(failed.map((e) => e.workflowTaskFailedEventAttributes?.failure?.message ?? 'workflow failed'), []);
    assert.equal((await handle.describe()).status.name, 'RUNNING');
  }

  /** A sentinel escalation, once seen, means every signal sent before it has been handled. */
  async function settle(handle: WorkflowHandle, tag: string): Promise<MonitorStatus> {
    await handle.signal(escalateSignal, { priority: 'P4', reason: `sentinel ${tag}`, actor: 'bad-input-test' });
    return await waitFor(`sentinel ${tag}`, async () => {
      const s = await handle.query(statusQuery);
      const sentinel = s.incidents.find((i) => i.summary.endsWith(`sentinel ${tag}`));
      return sentinel && sentinel.timeline.length > 0 ? s : undefined;
    }, { timeoutMs: 60_000, everyMs: 100 });
  }

  type Signal = 'escalate' | 'rollback' | 'acknowledge' | 'resolve' | 'signOff' | 'alertNotification';
  const DEFS = {
    escalate: escalateSignal,
    rollback: rollbackSignal,
    acknowledge: acknowledgeSignal,
    resolve: resolveSignal,
    signOff: signOffSignal,
    alertNotification: alertNotificationSignal,
  } as const;

  /** One malformed payload for `signal`, and what the monitor records of it. */
  function badPayload(signal: Signal, rng: Random): { payload: Json; recorded: Json } {
    const notObject = [null, 0, 42, -1, 'P1', '', true, false, [], ['P1'], [{ priority: 'P1' }], 'null'];
    if (rng.chance(0.15)) {
      const payload = rng.pick(notObject);
      return { payload, recorded: payload };
    }
    const long = (n: number) => 'x'.repeat(n);
    const badText = (max: number) => rng.pick<Json>([undefined, '', '   ', 42, null, [], {}, long(max + 1), true]);
    const badRef = () => rng.pick<Json>([undefined, 0, -1, 1.5, '', '  ', null, true, {}, [], [1]]);
    const one = <T extends Record<string, Json>>(valid: T, fields: Record<string, () => Json>): T => {
      const [field, bad] = rng.pick(Object.entries(fields));
      const value = bad();
      const payload: Record<string, Json> = { ...valid };
      if (value === undefined) delete payload[field];
      else payload[field] = value;
      return payload as T;
    };
    switch (signal) {
      case 'escalate': {
        const payload = one({ priority: 'P3', reason: 'fuzz', actor: 'fuzzer' } as Record<string, Json>, {
          priority: () => rng.pick<Json>([undefined, 'P5', 'p1', 'P-1', '', 1, null, true, {}, [], 'P1 ', 'HIGH']),
          reason: () => badText(2000),
          actor: () => badText(200),
          systemWide: () => rng.pick<Json>(['yes', 1, null, [], 'true']),
        });
        return { payload, recorded: payload };
      }
      case 'rollback': {
        const payload = one({ reason: 'fuzz', actor: 'fuzzer' } as Record<string, Json>, { reason: () => badText(2000), actor: () => badText(200) });
        return { payload, recorded: payload };
      }
      case 'acknowledge':
      case 'resolve': {
        // Well formed but naming no incident of this monitor is refused too.
        const fields: Record<string, () => Json> = { incident: badRef, actor: () => badText(200) };
        if (signal === 'resolve') fields.note = () => rng.pick<Json>([42, {}, [], true]);
        const payload = rng.chance(0.2)
          ? { incident: rng.pick<Json>([9999, 'monitor-elsewhere/incident-1', 'incident-77']), actor: 'fuzzer' }
          : one({ incident: 1, actor: 'fuzzer' } as Record<string, Json>, fields);
        return { payload, recorded: payload };
      }
      case 'signOff': {
        // Well formed is refused as well: there is no handoff to sign yet.
        const payload = rng.chance(0.2)
          ? { role: rng.pick(['engineering-lead', 'sre-lead']), actor: 'fuzzer' }
          : one({ role: 'sre-lead', actor: 'fuzzer' } as Record<string, Json>, {
              role: () => rng.pick<Json>([undefined, 'cto', 'SRE-LEAD', '', 1, null, []]),
              actor: () => badText(200),
              note: () => rng.pick<Json>([42, {}, [], false]),
            });
        return { payload, recorded: payload };
      }
      case 'alertNotification': {
        const alert: Record<string, Json> = { fingerprint: 'f', alertname: 'TestPassRateLow', status: 'firing', startsAt: '2025-10-20T10:00:00Z', endsAt: null, labels: {}, summary: '' };
        if (rng.chance(0.2)) {
          // Well formed, for an alert the plan does not have: recorded per alert.
          const unknown = { ...alert, alertname: `NotInPlan${rng.int(0, 99)}`, fingerprint: `fp-${rng.int(0, 1e6)}` };
          return { payload: { receivedAt: '2025-10-20T10:00:05Z', alerts: [unknown] }, recorded: unknown };
        }
        const broken = one(alert, {
          fingerprint: () => badText(200),
          alertname: () => badText(200),
          status: () => rng.pick<Json>([undefined, 'pending', 'FIRING', '', 1, null]),
          startsAt: () => rng.pick<Json>([undefined, 'yesterday', '', 42, null, '2025-13-45T99:00:00Z']),
          endsAt: () => rng.pick<Json>(['never', 7, {}, '']),
          labels: () => rng.pick<Json>(['a=b', 3, [], true]),
        });
        const payload = rng.pick<Json>([
          { receivedAt: '2025-10-20T10:00:05Z', alerts: [broken] },
          { receivedAt: '2025-10-20T10:00:05Z', alerts: rng.pick<Json>([null, 'TestPassRateLow', {}, 3]) },
          { receivedAt: rng.pick<Json>([undefined, 'soon', 5, null]), alerts: [] },
          { alerts: [alert, broken] },
        ]);
        return { payload, recorded: payload };
      }
    }
  }

  /** How the monitor shows a payload: the JSON it received (undefined fields dropped), cut at 500. */
  const shown = (payload: Json): string => JSON.stringify(JSON.parse(JSON.stringify(payload ?? null)) ?? null).slice(0, 500);

  test('fuzzed operator signals: each is recorded in status.rejected, the monitor never fails, and exactly the valid incidents exist', { timeout: 5 * 60_000 }, async (t: TestContext) => {
    const rng = random(SEED ^ 0x7);
    const handle = await start('bad-signals');
    const id = 'bad-signals';
    const signals = Object.keys(DEFS) as Signal[];
    // Valid operations, interleaved at fixed points of the stream; some follow their escalation at
    // once, while its escalation workflow is still starting.
    const valid: Array<{ at: number; send: () => Promise<void> }> = [
      { at: 3, send: () => handle.signal(escalateSignal, { priority: 'P2', reason: 'valid 1', actor: 'alice' }) },
      { at: 4, send: () => handle.signal(acknowledgeSignal, { incident: 1, actor: 'alice' }) },
      { at: 17, send: () => handle.signal(escalateSignal, { priority: 'P3', reason: 'valid 2', actor: 'bob' }) },
      { at: 18, send: () => handle.signal(resolveSignal, { incident: incidentWorkflowId(id, 2), actor: 'bob', note: 'fixed' }) },
      { at: 66, send: () => handle.signal(escalateSignal, { priority: 'P1', reason: 'valid 3', actor: 'carol', systemWide: false }) },
      { at: 90, send: () => handle.signal(acknowledgeSignal, { incident: '3', actor: 'carol' }) },
      { at: 170, send: () => handle.signal(resolveSignal, { incident: 3, actor: 'carol' }) },
      { at: 201, send: () => handle.signal(escalateSignal, { priority: 'P4', reason: 'valid 4', actor: 'dave' }) },
    ];
    const TOTAL = 320;
    const BATCH = 40;
    let batch: Array<{ message: Signal; payload: string }> = [];
    let checked = 0;
    for (let i = 0; i < TOTAL; i++) {
      for (const v of valid.filter((v) => v.at === i)) await v.send();
      const signal = rng.pick(signals);
      const { payload, recorded } = badPayload(signal, rng);
      await handle.signal(DEFS[signal] as typeof escalateSignal, payload as never);
      batch.push({ message: signal, payload: shown(recorded) });
      count(`signal: ${signal}`);
      if (batch.length === BATCH || i === TOTAL - 1) {
        // The list keeps the latest 50: this batch must be exactly its tail.
        const expected = batch;
        const status = await waitFor(`batch ending at signal ${i}`, async () => {
          const s = await handle.query(statusQuery);
          const tail = s.rejected.slice(-expected.length).map((r) => ({ message: r.message as Signal, payload: r.payload }));
          const key = (r: { message: string; payload: string }) => `${r.message} ${r.payload}`;
          return JSON.stringify(tail.map(key).sort()) === JSON.stringify(expected.map(key).sort()) ? s : undefined;
        }, { timeoutMs: 30_000, everyMs: 100 });
        assert.ok(status.rejected.length <= 50, 'the rejected list stays bounded');
        for (const r of status.rejected.slice(-expected.length)) assert.ok(r.reason.length > 0 && !/TypeError|Cannot read/.test(r.reason), r.reason);
        checked += expected.length;
        batch = [];
      }
    }
    assert.equal(checked, TOTAL);

    const status = await settle(handle, 'signals');
    await assertNeverFailed(handle);
    const byReason = (reason: string): IncidentSummary | undefined => status.incidents.find((i) => i.summary.endsWith(reason));
    const manual = status.incidents.filter((i) => !i.summary.includes('sentinel'));
    t.diagnostic(`incidents: ${manual.map((i) => `#${i.number} ${i.priority} ${i.status}`).join(', ')}`);
    assert.deepEqual(
      manual.map((i) => [i.number, i.alert, i.priority, i.summary]),
      [
        [1, 'ManualEscalation', 'P2', 'alice: valid 1'],
        [2, 'ManualEscalation', 'P3', 'bob: valid 2'],
        [3, 'ManualEscalation', 'P1', 'carol: valid 3'],
        [4, 'ManualEscalation', 'P4', 'dave: valid 4'],
      ],
      'exactly the valid escalations opened incidents, once each',
    );
    assert.equal(byReason('valid 1')?.status, 'acknowledged');
    assert.equal(byReason('valid 1')?.acknowledgedBy, 'alice');
    assert.equal(byReason('valid 2')?.status, 'resolved');
    assert.equal(byReason('valid 3')?.status, 'resolved');
    // The escalation workflows agree: the ack and the resolve that followed at once reached them.
    const child = async (n: number) => await env.client.workflow.getHandle(incidentWorkflowId(id, n)).query(incidentQuery);
    assert.equal((await child(1)).status, 'acknowledged');
    assert.equal((await child(2)).status, 'resolved');
    assert.equal((await child(3)).status, 'resolved');
    assert.equal(status.rollback, null, 'no malformed rollback rolled back');
    assert.deepEqual(status.signOffs, []);
  });

  test('fuzzed Alertmanager bodies: 401, 413, 400 naming the field, or a correct 200; repeats open nothing twice', { timeout: 5 * 60_000 }, async (t: TestContext) => {
    const rng = random(SEED ^ 0x8);
    const id = 'bad-bodies';
    const handle = await start(id);
    const workflowId = handle.workflowId;
    const firing = ['TestPassRateLow', 'HighCPUUsage', 'HTDAGDecompositionSlow'] as const;
    // One occurrence per alert: repeats carry the same fingerprint and startsAt, as Alertmanager's do.
    const occurrence = Object.fromEntries(firing.map((name, i) => [name, { fingerprint: `fp-${name}`, startsAt: `2025-10-20T10:0${i}:00Z` }]));
    const forwardedNames = new Set<string>();

    const alertFor = (name: string, labels: Record<string, string> = {}): WebhookAlert =>
      webhookAlert({ labels: { alertname: name, deployment_id: id, ...labels }, ...(occurrence[name] ?? {}) });
    const post = async (body: string | Buffer, headers: Record<string, string> = {}) => {
      const res = await request(`${bridgeUrl}/alertmanager`, { method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${token}`, ...headers }, body });
      const text = await res.body.text();
      return { status: res.statusCode, answer: JSON.parse(text) as BridgeAnswer };
    };
    const validBody = (): WebhookPayload => webhookPayload([alertFor(rng.pick(firing))]);

    type Case = { kind: string; send: () => Promise<void> };
    const cases: Case[] = [];
    const add = (kind: string, n: number, make: () => () => Promise<void>) => {
      for (let i = 0; i < n; i++) cases.push({ kind, send: make() });
    };

    add('unauthorized', 30, () => {
      const headers = rng.pick<Record<string, string>>([
        { authorization: '' },
        { authorization: `Bearer ${token}x` },
        { authorization: `Basic ${token}` },
        { authorization: 'Bearer' },
        { authorization: `Bearer ${token.slice(1)}` },
        { authorization: `Token ${token}` },
        { authorization: `Bearer ${newToken()}` },
      ]);
      const body = rng.chance(0.5) ? JSON.stringify(validBody()) : '{"not": "checked"';
      return async () => {
        const { status, answer } = await post(body, headers);
        assert.equal(status, 401, JSON.stringify(answer));
      };
    });
    add('too large', 20, () => {
      const padding = 'x'.repeat(MAX_BODY + rng.int(1, 4096));
      const body = JSON.stringify({ ...validBody(), padding });
      return async () => {
        const { status, answer } = await post(body);
        assert.equal(status, 413, JSON.stringify(answer));
        assert.match(answer.error ?? '', /byte limit/);
      };
    });
    add('not JSON', 70, () => {
      const text = JSON.stringify(validBody());
      const body = rng.pick([
        () => text.slice(0, rng.int(0, text.length - 1)),
        () => Buffer.from(Array.from({ length: rng.int(1, 300) }, () => rng.int(0, 255))).toString('latin1'),
        () => text.replace(/"/g, "'"),
        () => `${text}}`,
        () => text.replace(':', ''),
      ])();
      return async () => {
        let parses = true;
        try {
          JSON.parse(body);
        } catch {
          parses = false;
        }
        const { status, answer } = await post(body);
        assert.equal(status, 400, JSON.stringify(answer));
        if (!parses) assert.match(answer.error ?? '', /^not JSON/);
      };
    });
    add('not a v4 payload', 90, () => {
      const payload = validBody() as unknown as Record<string, Json>;
      const alert = (payload.alerts as Array<Record<string, Json>>)[0]!;
      const [field, mutate] = rng.pick<[string, () => void]>([
        ['version', () => (payload.version = rng.pick<Json>(['3', 4, null, '']))],
        ['version', () => delete payload.version],
        ['status', () => (payload.status = rng.pick<Json>(['pending', 'FIRING', 1, null]))],
        ['alerts', () => (payload.alerts = rng.pick<Json>([null, 'x', {}, 3]))],
        ['alerts[0].status', () => (alert.status = rng.pick<Json>(['pending', '', null]))],
        ['alerts[0].labels', () => (alert.labels = { deployment_id: id })],
        ['alerts[0].labels', () => (alert.labels = { alertname: '' })],
        ['alerts[0].labels', () => (alert.labels = { alertname: 'TestPassRateLow', deployment_id: 42 })],
        ['alerts[0].startsAt', () => (alert.startsAt = rng.pick<Json>(['yesterday', '', 42, null]))],
        ['alerts[0].fingerprint', () => (alert.fingerprint = rng.pick<Json>(['', 7, null]))],
        ['alerts[0].fingerprint', () => delete alert.fingerprint],
        ['alerts[0].annotations', () => (alert.annotations = { summary: 5 })],
        ['alerts[0]', () => ((payload.alerts as Json[])[0] = rng.pick<Json>([null, 'alert', 7]))],
      ]);
      mutate();
      const body = JSON.stringify(payload);
      return async () => {
        const { status, answer } = await post(body);
        assert.equal(status, 400, `${field}: ${JSON.stringify(answer)}`);
        assert.ok(answer.error?.includes(field), `the error names ${field}: ${answer.error}`);
      };
    });
    add('delivered or reported', 110, () => {
      const name = rng.pick(firing);
      const kind = rng.pick(['ours', 'ours', 'ours', 'resolved', 'not in plan', 'nobody', 'bad label', 'no label', 'group']);
      const alerts: WebhookAlert[] =
        kind === 'ours'
          ? [alertFor(name)]
          : kind === 'resolved'
            ? [{ ...alertFor(name), status: 'resolved', endsAt: '2025-10-20T11:00:00Z' }]
            : kind === 'not in plan'
              ? [alertFor('NotAnAlertOfThisPlan')]
              : kind === 'nobody'
                ? [alertFor(name, { deployment_id: `nobody-${rng.int(0, 999)}` })]
                : kind === 'bad label'
                  ? [alertFor(name, { deployment_id: rng.pick(['a b', 'x"y', "o'clock", 'semi;colon']) })]
                  : kind === 'no label'
                    ? [webhookAlert({ labels: { alertname: name } })]
                    : [alertFor(name), alertFor('NotAnAlertOfThisPlan'), alertFor(rng.pick(firing))];
      const body = JSON.stringify(webhookPayload(alerts));
      return async () => {
        const { status, answer } = await post(body);
        assert.equal(status, 200, JSON.stringify(answer));
        const ours = alerts.filter((a) => a.labels.deployment_id === id && (firing as readonly string[]).includes(a.labels.alertname!));
        assert.deepEqual(answer.forwarded, ours.length > 0 ? [{ workflowId, alerts: ours.length }] : [], kind);
        const reasons = answer.unknown.map((u) => u.reason);
        const expected = { 'not in plan': ['not_in_plan'], nobody: ['no_running_monitor'], 'bad label': ['bad_label'], 'no label': ['no_routing_label'], group: ['not_in_plan'] }[kind] ?? [];
        assert.deepEqual(reasons, expected, kind);
        for (const a of ours) if (a.status === 'firing') forwardedNames.add(a.labels.alertname!);
      };
    });

    // Shuffled, so every kind meets every other in any order.
    for (let i = cases.length - 1; i > 0; i--) {
      const j = rng.int(0, i);
      [cases[i], cases[j]] = [cases[j]!, cases[i]!];
    }
    for (const c of cases) {
      await c.send();
      count(`alertmanager: ${c.kind}`);
    }

    const status = await settle(handle, 'bodies');
    await assertNeverFailed(handle);
    const opened = status.incidents.filter((i) => i.alert !== 'ManualEscalation').map((i) => i.alert);
    t.diagnostic(`${cases.length} bodies; incidents opened: ${opened.join(', ')}`);
    assert.deepEqual(opened.sort(), [...forwardedNames].sort(), 'one incident per alert that fired, however often it was repeated');
    assert.ok(forwardedNames.size >= 2, 'several alerts were delivered');
    assert.deepEqual(status.rejected.map((r) => r.reason).filter((r) => !/is not in plan/.test(r)), [], 'nothing the bridge forwarded was refused');
  });
});

test('at least 1,000 malformed inputs in all', { timeout: 5 * 60_000 }, (t: TestContext) => {
  const total = Object.values(counts).reduce((a, b) => a + b, 0);
  t.diagnostic(`${total} malformed inputs: ${JSON.stringify(counts)}`);
  assert.ok(total >= 1000, `${total} malformed inputs`);
});
