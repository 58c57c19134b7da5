// Provisions the monitoring tools into <cache>/tools/bin, by their upstream names (src/tools.ts):
// Prometheus with promtool, Alertmanager with amtool, Pushgateway; with --chromium also Chromium for
// the report test. Idempotent: a complete cache is reused without a look at any registry.
//   Debian/Ubuntu: `apt-get download` + `dpkg-deb -x`. Unpacked, never installed, so no system
//                  service starts on the ports the demo and tests want (only Alertmanager's
//                  templates go where Debian's build reads them).
//   elsewhere:     the pinned upstream releases built from the Go module proxy.
// DEPLOYWATCH_TOOLS_ROUTE=debian|go forces a route. All output goes to stderr.
import { spawn, spawnSync, type SpawnSyncOptions } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, readdirSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  chromiumPath,
  findTool,
  MONITORING_TOOLS,
  TOOL_SPECS,
  toolEnvVar,
  toolsDir,
  toolsStamp,
  type MonitoringTool,
  type ToolsRoute,
  type ToolsStamp,
} from '../src/tools.js';

const say = (line: string): void => void process.stderr.write(`provision: ${line}\n`);

function pinsOf(route: ToolsRoute): string {
  return MONITORING_TOOLS.map((t) => {
    const s = TOOL_SPECS[t];
    return route === 'debian' ? `${t}=${s.debianPackage}/${s.debianName}` : `${t}=${s.goModule}@${s.goVersion}`;
  }).join(' ');
}

function has(command: string): boolean {
  return spawnSync('sh', ['-c', `command -v ${command}`], { stdio: 'ignore' }).status === 0;
}

function runSync(command: string, args: string[], options: SpawnSyncOptions = {}): { ok: boolean; out: string } {
  const r = spawnSync(command, args, { encoding: 'utf8', ...options });
  return { ok: r.status === 0, out: `${r.stdout ?? ''}${r.stderr ?? ''}` };
}

function isRoot(): boolean {
  return process.getuid?.() === 0;
}

function debianRouteUsable(): boolean {
  return has('apt-get') && has('dpkg-deb');
}

/** `apt-get update` once, as root, when a package is not in the lists yet (a fresh image has none). */
function aptUpdateIfUnknown(packages: string[]): void {
  const unknown = packages.filter((p) => !/Candidate: (?!\(none\))/.test(runSync('apt-cache', ['policy', p]).out));
  if (unknown.length === 0) return;
  if (!isRoot()) throw new Error(`apt does not know ${unknown.join(', ')} and only root can run apt-get update`);
  say(`apt-get update (apt does not know ${unknown.join(', ')} yet)`);
  const update = spawnSync('apt-get', ['update', '-q'], { stdio: ['ignore', 2, 2] });
  if (update.status !== 0) throw new Error('apt-get update failed (see above)');
}

function viaDebian(into: string): void {
  const packages = [...new Set(MONITORING_TOOLS.map((t) => TOOL_SPECS[t].debianPackage))];
  aptUpdateIfUnknown(packages);
  const downloads = join(into, 'debs');
  mkdirSync(downloads, { recursive: true });
  say(`apt-get download ${packages.join(' ')}`);
  const fetched = runSync('apt-get', ['download', '-q', ...packages], { cwd: downloads });
  if (!fetched.ok) throw new Error(`apt-get download failed:\n${fetched.out}`);
  const root = join(into, 'root');
  for (const deb of readdirSync(downloads).filter((f) => f.endsWith('.deb'))) {
    const unpacked = runSync('dpkg-deb', ['-x', join(downloads, deb), root]);
    if (!unpacked.ok) throw new Error(`dpkg-deb -x ${deb} failed:\n${unpacked.out}`);
  }
  for (const tool of MONITORING_TOOLS) {
    const binary = join(root, 'usr', 'bin', TOOL_SPECS[tool].debianName);
    // Their only library is libc today; say so loudly if a later Debian adds one we do not unpack.
    const missing = runSync('ldd', [binary]).out.split('\n').filter((l) => l.includes('not found'));
    if (missing.length > 0) throw new Error(`${binary} needs libraries that are not installed:\n${missing.join('\n')}`);
    symlinkSync(binary, join(into, 'bin', tool));
  }
  rmSync(downloads, { recursive: true, force: true });
  placeAlertmanagerTemplates(into);
}

/** Debian's Alertmanager reads its default templates from this fixed path, never from beside the binary. */
const DEBIAN_ALERTMANAGER_SHARE = '/usr/share/prometheus/alertmanager';

/** Puts those data files (60 KB, templates only) at that path: as root, else says what to do. */
function placeAlertmanagerTemplates(into: string): void {
  const wanted = join(DEBIAN_ALERTMANAGER_SHARE, 'default.tmpl');
  if (existsSync(wanted)) return;
  if (!isRoot()) {
    throw new Error(
      `Debian's Alertmanager needs its templates at ${DEBIAN_ALERTMANAGER_SHARE} and only root can put them there: ` +
        `run \`sudo npm run provision\` once, or use DEPLOYWATCH_TOOLS_ROUTE=go`,
    );
  }
  say(`copying Debian's Alertmanager templates to ${DEBIAN_ALERTMANAGER_SHARE} (data files only; nothing is installed or started)`);
  cpSync(join(into, 'root', DEBIAN_ALERTMANAGER_SHARE), DEBIAN_ALERTMANAGER_SHARE, { recursive: true });
}

async function go(args: string[], cwd: string, env: NodeJS.ProcessEnv): Promise<void> {
  const started = Date.now();
  const child = spawn('go', args, { cwd, env, stdio: ['ignore', 2, 2] });
  const progress = setInterval(() => say(`  still building (${Math.round((Date.now() - started) / 1000)}s)...`), 20_000);
  try {
    const code = await new Promise<number | null>((resolve, reject) => {
      child.once('error', reject);
      child.once('exit', resolve);
    });
    if (code !== 0) throw new Error(`go ${args.join(' ')} failed (see the go output above)`);
  } finally {
    clearInterval(progress);
  }
}

/**
 * Each pinned module is fetched by its exact version and built in its own directory. Not `go install
 * module@version`: that also asks the proxy for the module's version list (for deprecations), and the
 * proxy refuses Pushgateway's.
 */
async function viaGo(into: string): Promise<void> {
  // CGO off: static binaries that need nothing from the system; local toolchain: no surprise download.
  // GOWORK off: Prometheus ships a go.work naming modules its zip leaves out.
  const env = { ...process.env, CGO_ENABLED: '0', GOTOOLCHAIN: 'local', GOFLAGS: '-mod=readonly', GOWORK: 'off' };
  const modules = new Map<string, MonitoringTool[]>();
  for (const tool of MONITORING_TOOLS) {
    const key = `${TOOL_SPECS[tool].goModule}@${TOOL_SPECS[tool].goVersion}`;
    modules.set(key, [...(modules.get(key) ?? []), tool]);
  }
  for (const [module, tools] of modules) {
    say(`go: ${module} (${tools.join(', ')}); minutes on a first build`);
    const download = runSync('go', ['mod', 'download', '-json', module], { env });
    const dir = download.ok ? (JSON.parse(download.out) as { Dir?: string }).Dir : undefined;
    if (!dir) throw new Error(`go mod download ${module} failed:\n${download.out}`);
    for (const tool of tools) {
      const pkg = TOOL_SPECS[tool].goPackage;
      await go(['build', '-trimpath', '-o', join(into, 'bin', tool), `./${pkg}`], dir, env);
    }
  }
}

function versionsOf(dir: string, route: ToolsRoute): Record<string, string> {
  const versions: Record<string, string> = {};
  for (const tool of MONITORING_TOOLS) {
    const r = runSync(join(dir, 'bin', tool), ['--version']);
    if (!r.ok) throw new Error(`${tool} --version failed after provisioning:\n${r.out}`);
    // A plain go build stamps no release into the binary, so the pin says which it is.
    versions[tool] = route === 'go' ? `${tool} ${TOOL_SPECS[tool].goModule}@${TOOL_SPECS[tool].goVersion}` : r.out.split('\n')[0]!.trim();
  }
  return versions;
}

function chooseRoute(): ToolsRoute | undefined {
  const forced = process.env.DEPLOYWATCH_TOOLS_ROUTE;
  if (forced === 'debian' || forced === 'go') return forced;
  if (forced) throw new Error(`DEPLOYWATCH_TOOLS_ROUTE must be debian or go, not ${forced}`);
  if (debianRouteUsable()) return 'debian';
  if (has('go')) return 'go';
  return undefined;
}

/** Provisions the five monitoring tools unless the cache already holds them; returns where they came from. */
export async function provisionMonitoringTools(): Promise<string> {
  const dir = toolsDir();
  const stamp = toolsStamp();
  const complete = MONITORING_TOOLS.every((t) => existsSync(join(dir, 'bin', t)));
  if (stamp && complete && stamp.pins === pinsOf(stamp.route)) {
    if (stamp.route === 'debian') placeAlertmanagerTemplates(dir);
    say(`monitoring tools: already present in ${dir} (${stamp.route} route)`);
    return stamp.route;
  }
  const route = chooseRoute();
  if (!route) {
    if (MONITORING_TOOLS.every((t) => findTool(t))) {
      say('monitoring tools: none to fetch with here; using the ones on PATH');
      return 'path';
    }
    throw new Error(
      'cannot fetch Prometheus, Alertmanager and Pushgateway here (no apt-get/dpkg-deb, no go). Install Go (1.25+) ' +
        'and run this again, or put prometheus, promtool, alertmanager, amtool and pushgateway on PATH.',
    );
  }
  const started = Date.now();
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(join(dir, 'bin'), { recursive: true });
  say(`monitoring tools: fetching into ${dir} (${route} route)`);
  if (route === 'debian') viaDebian(dir);
  else await viaGo(dir);
  const done: ToolsStamp = { route, pins: pinsOf(route), versions: versionsOf(dir, route) };
  writeFileSync(join(dir, 'stamp.json'), `${JSON.stringify(done, null, 2)}\n`);
  say(`monitoring tools ready in ${Math.round((Date.now() - started) / 1000)}s: ${Object.values(done.versions).join('; ')}`);
  return route;
}

/** Chromium is a real install (its libraries are many): done when root with apt, else said. */
export function provisionChromium(): boolean {
  const found = chromiumPath();
  if (found) {
    say(`Chromium: ${found}`);
    return true;
  }
  if (isRoot() && debianRouteUsable()) {
    aptUpdateIfUnknown(['chromium']);
    say('Chromium: apt-get install chromium (the report test renders the handoff page with it)');
    const install = spawnSync('apt-get', ['install', '-y', '-q', '--no-install-recommends', 'chromium'], {
      stdio: ['ignore', 2, 2],
      env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' },
    });
    if (install.status === 0 && chromiumPath()) return true;
    say('Chromium: apt-get install chromium failed (see above)');
    return false;
  }
  say(
    'Chromium is not installed, and the report test needs it. Install it with `sudo apt-get install chromium` ' +
      `(Debian/Ubuntu), or point ${toolEnvVar('chromium')} at a Chrome or Chromium binary.`,
  );
  return false;
}

async function main(argv: string[]): Promise<number> {
  await provisionMonitoringTools();
  if (argv.includes('--chromium') && !provisionChromium()) return 1;
  return 0;
}

if (require.main === module) {
  main(process.argv.slice(2)).then(
    (code) => process.exit(code),
    (err: unknown) => {
      say((err as Error).message);
      process.exit(1);
    },
  );
}
