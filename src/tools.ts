// Where the monitoring tools the demo, tests and bench run are found: Prometheus, promtool,
// Alertmanager, amtool, Pushgateway and Chromium. Debian and upstream name some of them differently
// (`prometheus-pushgateway` vs `pushgateway`); this is the one place that knows both.
// scripts/provision-tools.ts puts them under <cache>/tools/bin by their upstream names.
import { readFileSync } from 'node:fs';
import { delimiter, join } from 'node:path';
import { cacheDir, executable } from './temporal/binaries.js';

export const MONITORING_TOOLS = ['prometheus', 'promtool', 'alertmanager', 'amtool', 'pushgateway'] as const;
export type MonitoringTool = (typeof MONITORING_TOOLS)[number];

export interface ToolSpec {
  /** The Debian package that ships it, and the file name it has there (under usr/bin). */
  debianPackage: string;
  debianName: string;
  /** The upstream Go module, its pinned release, and the main package inside it. */
  goModule: string;
  goVersion: string;
  goPackage: string;
}

const PROMETHEUS_MODULE = { goModule: 'github.com/prometheus/prometheus', goVersion: 'v0.316.0' };
// v0.32+ embeds UI assets that its module zip lacks (go install fails); v0.31.1 is the newest that builds.
const ALERTMANAGER_MODULE = { goModule: 'github.com/prometheus/alertmanager', goVersion: 'v0.31.1' };

export const TOOL_SPECS: Record<MonitoringTool, ToolSpec> = {
  prometheus: { debianPackage: 'prometheus', debianName: 'prometheus', ...PROMETHEUS_MODULE, goPackage: 'cmd/prometheus' },
  promtool: { debianPackage: 'prometheus', debianName: 'promtool', ...PROMETHEUS_MODULE, goPackage: 'cmd/promtool' },
  alertmanager: { debianPackage: 'prometheus-alertmanager', debianName: 'prometheus-alertmanager', ...ALERTMANAGER_MODULE, goPackage: 'cmd/alertmanager' },
  amtool: { debianPackage: 'prometheus-alertmanager', debianName: 'amtool', ...ALERTMANAGER_MODULE, goPackage: 'cmd/amtool' },
  pushgateway: { debianPackage: 'prometheus-pushgateway', debianName: 'prometheus-pushgateway', goModule: 'github.com/prometheus/pushgateway', goVersion: 'v1.11.1', goPackage: '' },
};

/** How the provisioned tools were obtained: Debian's packages unpacked, or `go install`. */
export type ToolsRoute = 'debian' | 'go';

export interface ToolsStamp {
  route: ToolsRoute;
  /** What was asked for; a change of pins or packages provisions again. */
  pins: string;
  /** `<tool> --version` first lines, for the log and the README's supported versions. */
  versions: Record<string, string>;
}

export function toolsDir(): string {
  return join(cacheDir(), 'tools');
}

export function toolsStamp(): ToolsStamp | undefined {
  try {
    return JSON.parse(readFileSync(join(toolsDir(), 'stamp.json'), 'utf8')) as ToolsStamp;
  } catch {
    return undefined;
  }
}

/** The environment variable that points at a specific binary, e.g. DEPLOYWATCH_PUSHGATEWAY_BIN. */
export function toolEnvVar(tool: MonitoringTool | 'chromium'): string {
  return `DEPLOYWATCH_${tool.toUpperCase()}_BIN`;
}

function onPath(names: string[]): string | undefined {
  const dirs = (process.env.PATH ?? '').split(delimiter).filter(Boolean);
  for (const name of names) {
    const found = dirs.map((dir) => join(dir, name)).find(executable);
    if (found) return found;
  }
  return undefined;
}

/** The override, else the provisioned one in the cache, else PATH by its upstream then its Debian name. */
export function findTool(tool: MonitoringTool): string | undefined {
  const override = process.env[toolEnvVar(tool)];
  if (override) return executable(override) ? override : undefined;
  const cached = join(toolsDir(), 'bin', tool);
  if (executable(cached)) return cached;
  return onPath([tool, TOOL_SPECS[tool].debianName]);
}

export function toolPath(tool: MonitoringTool): string {
  const found = findTool(tool);
  if (found) return found;
  const override = process.env[toolEnvVar(tool)];
  throw new Error(
    override
      ? `${toolEnvVar(tool)}=${override} is not an executable`
      : `no ${tool} found (in ${join(toolsDir(), 'bin')} or on PATH): run \`npm run provision\`, which fetches it`,
  );
}

/** Chromium (or Chrome) for rendering the handoff report: the override, else PATH. */
export function chromiumPath(): string | undefined {
  const override = process.env[toolEnvVar('chromium')];
  if (override) return executable(override) ? override : undefined;
  return onPath(['chromium', 'chromium-browser', 'google-chrome', 'google-chrome-stable']);
}
