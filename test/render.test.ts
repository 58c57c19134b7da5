// Configs generated from the plan, checked by the tools that will read them: promtool, amtool, a
// real Prometheus with the rules loaded, and every dashboard panel's query against a real
// Prometheus holding a healthy history (Grafana itself is not packaged here).
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { request } from 'undici';
import { parse } from 'yaml';
import { DEFAULT_PLAN_PATH, loadPlanFile } from '../src/plan/load.js';
import type { Plan } from '../src/plan/schema.js';
import {
  DASHBOARD_UID,
  RECEIVERS,
  dashboardPanels,
  grafanaDashboard,
  renderAlertmanagerConfig,
  renderGrafanaDashboard,
  renderPrometheusConfig,
  renderPrometheusRules,
  ruleGroups,
  type Panel,
} from '../src/render/index.js';
import { genesisHistory } from './support/genesis-history.js';
import { openMetrics, startPrometheus, type RunningPrometheus } from './support/prometheus.js';
import { waitFor } from './support/harness.js';
import { toolPath } from '../src/tools.js';

const run = promisify(execFile);
const CLI = resolve(__dirname, '..', 'bin', 'deploywatch.js');

let plan: Plan;
let dir: string;

before(async () => {
  plan = await loadPlanFile(DEFAULT_PLAN_PATH);
  dir = await mkdtemp(join(tmpdir(), 'deploywatch-render-'));
}, { timeout: 3 * 60_000 });
after(async () => {
  if (dir) await rm(dir, { recursive: true, force: true });
}, { timeout: 3 * 60_000 });

async function tool(program: 'promtool' | 'amtool', args: string[], output: 'stdout' | 'both' = 'both'): Promise<string> {
  try {
    const { stdout, stderr } = await run(toolPath(program), args);
    return output === 'stdout' ? stdout : stdout + stderr;
  } catch (err) {
    const e = err as { stdout?: string; stderr?: string; message: string };
    throw new Error(`${program} ${args.join(' ')} failed:\n${e.stdout ?? ''}${e.stderr ?? e.message}`);
  }
}

describe('Prometheus rules', () => {
  test('promtool accepts the rules file: every prometheus alert of the plan plus the watchdog', { timeout: 3 * 60_000 }, async () => {
    const file = join(dir, 'rules.yml');
    await writeFile(file, renderPrometheusRules(plan));
    const promAlerts = plan.alerts.filter((a) => a.source === 'prometheus').length;
    const out = await tool('promtool', ['check', 'rules', file]);
    assert.match(out, new RegExp(`SUCCESS: ${promAlerts + 4} rules found`));
  });

  test("each rule is the plan's alert: its expression against its threshold, for its duration, labelled for routing", { timeout: 3 * 60_000 }, () => {
    const [group] = ruleGroups(plan);
    assert.equal(group?.name, 'deploywatch-genesis-phase4-48h');
    const rule = group?.rules.find((r) => r.alert === 'HighErrorRate');
    const alert = plan.alerts.find((a) => a.name === 'HighErrorRate')!;
    assert.deepEqual(rule && { expr: rule.expr, for: rule.for, labels: rule.labels }, {
      expr: `(${alert.expr}) > 0.001`,
      for: '2m',
      labels: { priority: 'P1', severity: 'critical', service: 'genesis-orchestration', plan: 'genesis-phase4-48h' },
    });
    assert.equal(rule?.annotations.runbook_url, `${plan.runbookBaseUrl}#higherrorrate`);
    assert.ok(!group?.rules.some((r) => r.alert === 'TestSuiteNotRunning'), 'monitor-sourced alerts have no rule');
  });

  test('plan text that looks like a Go template stays literal', { timeout: 3 * 60_000 }, async () => {
    const tricky: Plan = { ...plan, alerts: plan.alerts.map((a) => (a.name === 'HighErrorRate' ? { ...a, description: 'errors {{ over }} budget' } : a)) };
    const file = join(dir, 'tricky-rules.yml');
    await writeFile(file, renderPrometheusRules(tricky));
    await tool('promtool', ['check', 'rules', file]);
  });
});

describe('Alertmanager config', () => {
  let file: string;

  before(async () => {
    const secrets = join(dir, 'secrets');
    await run('mkdir', ['-p', secrets]);
    await writeFile(join(secrets, 'bridge_token'), 'a-bridge-token-for-tests-only');
    await writeFile(join(secrets, 'pagerduty_routing_key'), 'R'.repeat(32));
    await writeFile(join(secrets, 'slack_sre_webhook_url'), 'http://127.0.0.1:9/slack');
    file = join(dir, 'alertmanager.yml');
    await writeFile(file, renderAlertmanagerConfig(plan, { bridgeUrl: 'http://127.0.0.1:9095/alertmanager', tokenFile: join(secrets, 'bridge_token') }));
  });

  test('amtool accepts it', { timeout: 3 * 60_000 }, async () => {
    const out = await tool('amtool', ['check-config', file]);
    assert.match(out, /SUCCESS/);
    assert.match(out, /3 receivers/);
  });

  const receiversFor = async (labels: string[]): Promise<string> =>
    (await tool('amtool', ['config', 'routes', 'test', `--config.file=${file}`, ...labels], 'stdout')).trim();

  test("the plan's alerts go to the bridge only, whatever their priority: deploywatch does the paging", { timeout: 3 * 60_000 }, async () => {
    for (const priority of ['P0', 'P1', 'P4']) {
      assert.equal(await receiversFor([`plan=${plan.name}`, 'alertname=GenesisServiceDown', `priority=${priority}`, 'severity=critical']), RECEIVERS.bridge);
    }
  });

  test("deploywatch's own health pages directly; anything else reaches the SRE channel without paging", { timeout: 3 * 60_000 }, async () => {
    assert.equal(await receiversFor(['alertname=DeploywatchWorkerDown', 'component=deploywatch', 'severity=critical']), RECEIVERS.pager);
    assert.equal(await receiversFor(['alertname=SomethingElse', 'severity=critical']), RECEIVERS.sre);
  });

  test("the bridge route uses the plan's timings and resolved notifications, with a bearer token from a file", { timeout: 3 * 60_000 }, () => {
    const config = parse(renderAlertmanagerConfig(plan, { bridgeUrl: 'http://bridge:9095/alertmanager', tokenFile: '/run/secrets/bridge_token' })) as {
      route: { routes: Array<Record<string, unknown>> };
      receivers: Array<{ name: string; webhook_configs?: Array<Record<string, unknown>> }>;
    };
    const route = config.route.routes.find((r) => r.receiver === RECEIVERS.bridge);
    assert.deepEqual(route?.group_by, ['alertname', 'deployment_id', 'service']);
    assert.deepEqual([route?.group_wait, route?.group_interval, route?.repeat_interval], ['10s', '1m', '4h']);
    const webhook = config.receivers.find((r) => r.name === RECEIVERS.bridge)?.webhook_configs?.[0];
    assert.deepEqual(webhook, {
      url: 'http://bridge:9095/alertmanager',
      send_resolved: true,
      max_alerts: 0,
      http_config: { authorization: { type: 'Bearer', credentials_file: '/run/secrets/bridge_token' } },
    });
  });
});

/** A healthy two hours ending a minute ago, so rules evaluated now and panels read real data. */
function healthyHistory(): string {
  const now = Math.floor(Date.now() / 1000);
  return openMetrics(genesisHistory({ fromSec: now - 2 * 3600, toSec: now - 60, stepSec: 15 }));
}

interface RulesAnswer {
  data: { groups: Array<{ name: string; rules: Array<{ name: string; state: string; health: string; lastEvaluation: string }> }> };
}

interface QueryAnswer {
  status: string;
  data: { resultType: string; result: Array<{ metric: Record<string, string>; value?: [number, string]; values?: Array<[number, string]> }> };
}

describe('against a real Prometheus with a healthy history', () => {
  let prometheus: RunningPrometheus | undefined;

  before(async () => {
    prometheus = await startPrometheus({
      history: healthyHistory(),
      rules: [renderPrometheusRules(plan)],
      scrapeIntervalSeconds: 1,
    });
  });
  after(async () => {
    await prometheus?.stop();
  });

  async function get<T>(path: string, params: Record<string, string> = {}): Promise<T> {
    const res = await request(`${prometheus!.url}${path}?${new URLSearchParams(params).toString()}`);
    const body = (await res.body.json()) as T & { error?: string };
    assert.equal(res.statusCode, 200, `${path} ${JSON.stringify(params)}: ${body.error ?? ''}`);
    return body;
  }

  async function evaluatedRules(): Promise<RulesAnswer['data']['groups']> {
    return await waitFor('every rule evaluated once', async () => {
      const { data } = await get<RulesAnswer>('/api/v1/rules');
      return data.groups.length > 0 && data.groups.every((g) => g.rules.every((r) => r.lastEvaluation > '2000')) ? data.groups : undefined;
    });
  }

  test("Prometheus loads every rule; the plan's alerts stay quiet on a healthy history, the watchdog notices no deploywatch", { timeout: 3 * 60_000 }, async () => {
    const groups = await evaluatedRules();
    const expected = ruleGroups(plan);
    assert.deepEqual(
      groups.map((g) => ({ name: g.name, rules: g.rules.map((r) => r.name) })),
      expected.map((g) => ({ name: g.name, rules: g.rules.map((r) => r.alert) })),
    );
    for (const rule of groups.flatMap((g) => g.rules)) assert.equal(rule.health, 'ok', `${rule.name} evaluates`);
    const planGroup = groups.find((g) => g.name === `deploywatch-${plan.name}`)!;
    assert.deepEqual(
      planGroup.rules.filter((r) => r.state !== 'inactive').map((r) => r.name),
      [],
      'a healthy service fires nothing',
    );
    const watchdog = groups.find((g) => g.name === 'deploywatch-watchdog')!;
    // No deploywatch processes are scraped here, so the `absent()` arm catches them.
    assert.deepEqual(
      watchdog.rules.filter((r) => r.state !== 'inactive').map((r) => r.name).sort(),
      ['DeploywatchBridgeDown', 'DeploywatchWorkerDown'],
    );
  });

  test('the dashboard: uid genesis-deployment, 10 s refresh, the seed\'s 13 panels numbered as the seed numbers them', { timeout: 3 * 60_000 }, () => {
    const dashboard = JSON.parse(renderGrafanaDashboard(plan)) as ReturnType<typeof grafanaDashboard> & { panels: Panel[] };
    assert.equal(dashboard.uid, DASHBOARD_UID);
    assert.equal(dashboard.refresh, '10s');
    assert.deepEqual(dashboard.panels.map((p) => p.id), [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13]);
    const exprs = new Set(dashboard.panels.flatMap((p) => p.targets.map((t) => t.expr)));
    for (const slo of [...plan.slos.critical, ...plan.slos.performance, ...plan.slos.resources]) {
      assert.ok(exprs.has(slo.expr), `SLO ${slo.id} is on the dashboard`);
    }
    assert.deepEqual(
      dashboard.panels.filter((p) => p.type === 'stat').map((p) => p.targets[0]?.expr),
      plan.slos.critical.map((s) => s.expr),
    );
    assert.deepEqual(
      [9, 10, 11].map((id) => dashboard.panels.find((p) => p.id === id)?.title),
      ['HTDAG decomposition (mean)', 'HALO routing (mean)', 'AOP validation (mean)'],
    );
    assert.ok(dashboard.panels.find((p) => p.id === 12)?.targets.some((t) => t.expr.includes('ALERTS')));
  });

  test('every panel query parses and returns data', { timeout: 3 * 60_000 }, async () => {
    // The watchdog's pending alerts are what the alerts panel shows here; wait until they are stored.
    await waitFor('ALERTS samples', async () => ((await get<QueryAnswer>('/api/v1/query', { query: 'ALERTS' })).data.result.length > 0 ? true : undefined));
    const end = Math.ceil(Date.now() / 1000);
    for (const panel of dashboardPanels(plan)) {
      for (const target of panel.targets) {
        const what = `panel ${panel.id} (${panel.title}) ${target.refId}: ${target.expr}`;
        const answer = target.instant
          ? await get<QueryAnswer>('/api/v1/query', { query: target.expr, time: String(end - 90) })
          : await get<QueryAnswer>('/api/v1/query_range', { query: target.expr, start: String(end - 3600), end: String(end), step: '60' });
        assert.equal(answer.status, 'success', what);
        assert.ok(answer.data.result.length > 0, `${what} returned no data`);
        const values = answer.data.result.flatMap((r) => (r.value ? [r.value[1]] : (r.values ?? []).map((v) => v[1])));
        assert.ok(values.some((v) => Number.isFinite(Number(v))), `${what} returned no number`);
      }
    }
  });
});

describe('Prometheus scrape config and the CLI', () => {
  test('promtool accepts the scrape config, which loads the rules and alerts Alertmanager', { timeout: 3 * 60_000 }, async () => {
    const rules = join(dir, 'scrape-rules.yml');
    await writeFile(rules, renderPrometheusRules(plan));
    const file = join(dir, 'prometheus.yml');
    await writeFile(file, renderPrometheusConfig(plan, { rulesFile: rules }));
    const out = await tool('promtool', ['check', 'config', file]);
    assert.match(out, /is valid prometheus config file syntax/);
    const config = parse(renderPrometheusConfig(plan)) as { global: { scrape_interval: string }; scrape_configs: Array<{ job_name: string }> };
    assert.equal(config.global.scrape_interval, plan.prometheus.scrapeInterval);
    assert.deepEqual(
      config.scrape_configs.map((j) => j.job_name).filter((j) => j.startsWith('deploywatch') || j === plan.prometheus.serviceJob),
      ['genesis-orchestration', 'deploywatch-worker', 'deploywatch-bridge'],
    );
  });

  test('`deploywatch plan render <kind> --out` writes what the renderer produces', { timeout: 3 * 60_000 }, async () => {
    const out = join(dir, 'cli', 'dashboard.json');
    const { stdout } = await run(process.execPath, [CLI, 'plan', 'render', 'dashboard', '--plan', DEFAULT_PLAN_PATH, '--out', out]);
    assert.match(stdout, /dashboard\.json: dashboard generated from plan 'genesis-phase4-48h'/);
    assert.equal(await readFile(out, 'utf8'), renderGrafanaDashboard(plan));
    const rules = await run(process.execPath, [CLI, 'plan', 'render', 'rules']);
    assert.equal(rules.stdout, renderPrometheusRules(plan));
  });

  test('an unknown kind is a usage error that lists the kinds', { timeout: 3 * 60_000 }, async () => {
    await assert.rejects(run(process.execPath, [CLI, 'plan', 'render', 'nagios']), (err: { code: number; stderr: string }) => {
      assert.equal(err.code, 2);
      assert.match(err.stderr, /Allowed choices are rules, alertmanager, dashboard, prometheus/);
      return true;
    });
  });
});
