// docker-compose.yml, checked without a Docker engine: it parses, every file it mounts exists, the
// generated configs under deploy/ are exactly what `plan render` produces from the plan now, and
// the services, ports and addresses in the compose file and in those configs agree.
import { before, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { parse } from 'yaml';
import { RENDER_KINDS } from '../src/cli/plan-commands.js';
import { DEFAULT_PLAN_PATH, loadPlanFile } from '../src/plan/load.js';
import type { Plan } from '../src/plan/schema.js';
import { BRIDGE_PATH, DEPLOY_FILES, GRAFANA_DATASOURCE_UID, RULES_PATH } from '../src/render/defaults.js';
import { SEARCH_ATTRIBUTES } from '../src/workflows/search-attributes.js';

const run = promisify(execFile);
const ROOT = resolve(__dirname, '..');
const CLI = join(ROOT, 'bin', 'deploywatch.js');

interface Service {
  image?: string;
  build?: string | { context: string; dockerfile?: string };
  command?: string[] | string;
  entrypoint?: string[] | string;
  environment?: Record<string, string>;
  volumes?: string[];
  ports?: string[];
  secrets?: string[];
  depends_on?: string[] | Record<string, { condition: string }>;
}

interface Compose {
  services: Record<string, Service>;
  secrets?: Record<string, { file?: string; environment?: string }>;
  volumes?: Record<string, unknown>;
}

let compose: Compose;
let plan: Plan;

before(async () => {
  compose = parse(await readFile(join(ROOT, 'docker-compose.yml'), 'utf8')) as Compose;
  plan = await loadPlanFile(DEFAULT_PLAN_PATH);
}, { timeout: 60_000 });

const service = (name: string): Service => {
  const found = compose.services[name];
  assert.ok(found, `docker-compose.yml has a ${name} service`);
  return found;
};
const dependsOn = (s: Service): Record<string, string> =>
  Array.isArray(s.depends_on)
    ? Object.fromEntries(s.depends_on.map((d) => [d, 'service_started']))
    : Object.fromEntries(Object.entries(s.depends_on ?? {}).map(([d, v]) => [d, v.condition]));
const flags = (s: Service): string[] => (Array.isArray(s.command) ? s.command : []);
const text = async (path: string): Promise<string> => await readFile(join(ROOT, path), 'utf8');
/** `host path → container path` of a service's bind mounts. */
const binds = (s: Service): Array<{ host: string; container: string }> =>
  (s.volumes ?? []).filter((v) => v.startsWith('./')).map((v) => ({ host: v.split(':')[0]!, container: v.split(':')[1]! }));

/** The port each service listens on inside the compose network, read from its own settings. */
function listenPort(name: string): number {
  const s = service(name);
  const flag = flags(s).find((f) => f.startsWith('--web.listen-address='));
  if (flag) return Number(flag.split(':').at(-1));
  const env = s.environment ?? {};
  const fromEnv = env.DEPLOYWATCH_BRIDGE_PORT ?? env.DEPLOYWATCH_METRICS_BIND?.split(':').at(-1) ?? env.GF_SERVER_HTTP_PORT;
  if (fromEnv) return Number(fromEnv);
  const known: Record<string, number> = { temporal: 7233, 'temporal-ui': 8080, postgresql: 5432 };
  assert.ok(known[name], `no known port for ${name}`);
  return known[name];
}

/** `host:port` → a compose service's address (or null for addresses outside compose). */
function checkAddress(address: string, where: string): void {
  const [host, port] = address.split(':');
  if (host === 'host.docker.internal' || host === 'localhost') return;
  assert.ok(compose.services[host!], `${where}: ${host} is a compose service`);
  assert.equal(Number(port), listenPort(host!), `${where}: ${host} listens on ${listenPort(host!)}`);
}

test('Temporal: official server image on PostgreSQL, schemas set up by the admin tools first, never auto-setup', { timeout: 60_000 }, async () => {
  for (const [name, s] of Object.entries(compose.services)) {
    assert.ok(!s.image?.includes('auto-setup'), `${name} does not use the deprecated auto-setup image`);
  }
  assert.match(service('temporal').image ?? '', /^temporalio\/server:\d/);
  assert.equal(service('temporal').environment?.DB, 'postgres12');
  assert.equal(service('temporal').environment?.POSTGRES_SEEDS, 'postgresql');
  const schema = service('temporal-schema');
  assert.match(schema.image ?? '', /^temporalio\/admin-tools:\d/);
  assert.equal(dependsOn(service('temporal'))['temporal-schema'], 'service_completed_successfully');
  assert.equal(dependsOn(schema).postgresql, 'service_healthy');
  assert.match(service('temporal-ui').image ?? '', /^temporalio\/ui:\d/);

  const script = await text(binds(schema)[0]!.host);
  for (const db of ['temporal', 'temporal_visibility']) {
    assert.match(script, new RegExp(`--db ${db} setup-schema -v 0\\.0`));
    assert.match(script, new RegExp(`--db ${db} update-schema -d "\\$SCHEMA/${db === 'temporal' ? 'temporal' : 'visibility'}/versioned"`));
  }
  const setup = await text(binds(service('temporal-setup'))[0]!.host);
  for (const key of SEARCH_ATTRIBUTES) assert.match(setup, new RegExp(`\\b${key.name}\\b`), `temporal-setup creates ${key.name}`);
});

test('every local file or folder the compose file refers to exists', { timeout: 60_000 }, () => {
  for (const [name, s] of Object.entries(compose.services)) {
    for (const { host } of binds(s)) assert.ok(existsSync(join(ROOT, host)), `${name} mounts ${host}`);
    if (s.build !== undefined) {
      const context = typeof s.build === 'string' ? s.build : s.build.context;
      const dockerfile = typeof s.build === 'string' ? 'Dockerfile' : (s.build.dockerfile ?? 'Dockerfile');
      assert.ok(existsSync(join(ROOT, context, dockerfile)), `${name} builds from ${context}/${dockerfile}`);
    }
  }
  for (const [name, secret] of Object.entries(compose.secrets ?? {})) {
    if (secret.file) assert.ok(existsSync(join(ROOT, secret.file)), `secret ${name} file ${secret.file}`);
    else assert.ok(secret.environment, `secret ${name} comes from a file or the environment`);
  }
});

test('every generated file under deploy/ is exactly what `deploywatch plan render` produces from the plan now', { timeout: 60_000 }, async () => {
  for (const kind of RENDER_KINDS) {
    const file = DEPLOY_FILES[kind];
    const { stdout } = await run(process.execPath, [CLI, 'plan', 'render', kind], { cwd: ROOT });
    assert.equal(
      await text(file),
      stdout,
      `${file} differs from the plan: regenerate it with \`node bin/deploywatch.js plan render ${kind} --out ${file}\``,
    );
  }
});

test('the generated files are mounted where the services read them', { timeout: 60_000 }, () => {
  const prometheus = binds(service('prometheus'));
  assert.ok(prometheus.some((b) => b.host === `./${DEPLOY_FILES.prometheus}` && b.container === '/etc/prometheus/prometheus.yml'));
  assert.ok(prometheus.some((b) => b.host === `./${DEPLOY_FILES.rules}` && b.container === RULES_PATH));
  assert.ok(flags(service('prometheus')).includes('--config.file=/etc/prometheus/prometheus.yml'));
  assert.ok(flags(service('prometheus')).includes('--storage.tsdb.retention.time=7d'), "the seed's 7-day retention");
  const alertmanager = binds(service('alertmanager'));
  assert.ok(alertmanager.some((b) => b.host === `./${DEPLOY_FILES.alertmanager}` && b.container === '/etc/alertmanager/alertmanager.yml'));
  assert.ok(flags(service('alertmanager')).includes('--config.file=/etc/alertmanager/alertmanager.yml'));
});

test("ports are unique, published on loopback only, and each is the service's own", { timeout: 60_000 }, () => {
  const published = new Map<string, string>();
  for (const [name, s] of Object.entries(compose.services)) {
    for (const port of s.ports ?? []) {
      const [address, hostPort, containerPort] = port.split(':');
      assert.equal(address, '127.0.0.1', `${name} publishes ${port} on loopback only`);
      assert.ok(!published.has(hostPort!), `host port ${hostPort} is published by ${published.get(hostPort!)} and ${name}`);
      published.set(hostPort!, name);
      assert.equal(Number(containerPort), listenPort(name), `${name} publishes the port it listens on`);
    }
  }
  assert.equal(published.get('9090'), 'prometheus', 'the seed: Prometheus at localhost:9090');
  assert.equal(published.get('3000'), 'grafana', 'the seed: Grafana at localhost:3000');
});

test('Prometheus alerts the compose Alertmanager and scrapes compose services on their ports', { timeout: 60_000 }, async () => {
  const config = parse(await text(DEPLOY_FILES.prometheus)) as {
    rule_files: string[];
    alerting: { alertmanagers: Array<{ static_configs: Array<{ targets: string[] }> }> };
    scrape_configs: Array<{ job_name: string; static_configs: Array<{ targets: string[] }> }>;
  };
  assert.deepEqual(config.rule_files, [RULES_PATH]);
  const alertmanagers = config.alerting.alertmanagers.flatMap((a) => a.static_configs.flatMap((c) => c.targets));
  assert.deepEqual(alertmanagers, ['alertmanager:9093']);
  for (const target of alertmanagers) checkAddress(target, 'prometheus alerting');
  for (const job of config.scrape_configs) {
    for (const target of job.static_configs.flatMap((c) => c.targets)) checkAddress(target, `scrape job ${job.job_name}`);
  }
  const jobs = Object.fromEntries(config.scrape_configs.map((j) => [j.job_name, j.static_configs[0]!.targets]));
  assert.deepEqual(jobs['deploywatch-worker'], ['worker:9464']);
  assert.deepEqual(jobs['deploywatch-bridge'], ['bridge:9095']);
});

test("Alertmanager posts to the bridge service's port with the token the bridge is given, and has its secrets", { timeout: 60_000 }, async () => {
  const config = parse(await text(DEPLOY_FILES.alertmanager)) as {
    receivers: Array<{
      name: string;
      webhook_configs?: Array<{ url: string; http_config: { authorization: { credentials_file: string } } }>;
      pagerduty_configs?: Array<{ routing_key_file: string }>;
      slack_configs?: Array<{ api_url_file: string }>;
    }>;
  };
  const webhooks = config.receivers.flatMap((r) => r.webhook_configs ?? []);
  assert.equal(webhooks.length, 1);
  const url = new URL(webhooks[0]!.url);
  assert.equal(url.pathname, BRIDGE_PATH);
  checkAddress(url.host, 'alertmanager webhook');
  assert.equal(url.hostname, 'bridge');

  const mounted = (service('alertmanager').secrets ?? []).map((s) => `/run/secrets/${s}`);
  const files = [
    webhooks[0]!.http_config.authorization.credentials_file,
    ...config.receivers.flatMap((r) => (r.pagerduty_configs ?? []).map((p) => p.routing_key_file)),
    ...config.receivers.flatMap((r) => (r.slack_configs ?? []).map((s) => s.api_url_file)),
  ];
  for (const file of files) assert.ok(mounted.includes(file), `alertmanager has the secret ${file}`);
  // The file Alertmanager sends and the variable the bridge checks hold the same token.
  const tokenSecret = webhooks[0]!.http_config.authorization.credentials_file.replace('/run/secrets/', '');
  const variable = compose.secrets?.[tokenSecret]?.environment;
  assert.equal(variable, 'DEPLOYWATCH_BRIDGE_TOKEN');
  assert.match(service('bridge').environment?.DEPLOYWATCH_BRIDGE_TOKEN ?? '', /^\$\{DEPLOYWATCH_BRIDGE_TOKEN:\?/);
  assert.equal(service('bridge').environment?.DEPLOYWATCH_BRIDGE_HOST, '0.0.0.0', 'reachable from the alertmanager container');
});

test('Grafana: the datasource the dashboard names, at the compose Prometheus; the dashboard folder the provider reads', { timeout: 60_000 }, async () => {
  const grafana = binds(service('grafana'));
  const provisioning = grafana.find((b) => b.container === '/etc/grafana/provisioning')!;
  const datasources = parse(await text(join(provisioning.host, 'datasources', 'prometheus.yml'))) as { datasources: Array<{ uid: string; url: string }> };
  const datasource = datasources.datasources.find((d) => d.uid === GRAFANA_DATASOURCE_UID);
  assert.ok(datasource, `a datasource with uid ${GRAFANA_DATASOURCE_UID}`);
  checkAddress(new URL(datasource.url).host, 'grafana datasource');

  const dashboard = JSON.parse(await text(DEPLOY_FILES.dashboard)) as { panels: Array<{ datasource: { uid: string } }> };
  assert.ok(dashboard.panels.every((p) => p.datasource.uid === GRAFANA_DATASOURCE_UID));
  const providers = parse(await text(join(provisioning.host, 'dashboards', 'deploywatch.yml'))) as { providers: Array<{ options: { path: string } }> };
  const folder = grafana.find((b) => b.host === `./${DEPLOY_FILES.dashboard.split('/').slice(0, -1).join('/')}`);
  assert.ok(folder, 'the generated dashboard folder is mounted');
  assert.equal(providers.providers[0]?.options.path, folder.container);
});

test('dependencies exist; the worker and bridge wait for the namespace and search attributes', { timeout: 60_000 }, () => {
  for (const [name, s] of Object.entries(compose.services)) {
    for (const target of Object.keys(dependsOn(s))) assert.ok(compose.services[target], `${name} depends on ${target}, which exists`);
  }
  for (const name of ['worker', 'bridge']) {
    assert.equal(dependsOn(service(name))['temporal-setup'], 'service_completed_successfully');
    assert.equal(service(name).environment?.TEMPORAL_ADDRESS, `temporal:${listenPort('temporal')}`);
  }
  assert.deepEqual(service('worker').command, ['node', 'dist/worker.js']);
  assert.deepEqual(service('bridge').command, ['node', 'dist/bridge/main.js']);
});

test('the worker receives every secret variable the plan names for its channels', { timeout: 60_000 }, () => {
  const env = service('worker').environment ?? {};
  const names = [
    ...Object.values(plan.channels.slackWebhookEnv),
    ...(plan.channels.pagerdutyRoutingKeyEnv ? [plan.channels.pagerdutyRoutingKeyEnv] : []),
    plan.channels.smtpUrlEnv,
  ];
  for (const name of names) assert.equal(env[name], `\${${name}:-}`, `worker passes ${name} through`);
});

test('the image: node:20-slim, installed with npm ci, runs the compiled JavaScript', { timeout: 60_000 }, async () => {
  const dockerfile = await text('Dockerfile');
  assert.match(dockerfile, /^FROM node:20-slim$/m);
  assert.match(dockerfile, /^RUN npm ci\b/m);
  assert.match(dockerfile, /"dist\/worker\.js"/);
});
