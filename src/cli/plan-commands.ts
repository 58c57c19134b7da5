// `deploywatch plan …`: work with a plan file without touching Temporal.
import { mkdir, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import { Argument, type Command } from 'commander';
import { DEFAULT_PLAN_PATH, loadPlanFile } from '../plan/load.js';
import { buildSchedule } from '../plan/schedule.js';
import type { Plan } from '../plan/schema.js';
import {
  DEFAULT_ALERTMANAGER_OPTIONS,
  renderAlertmanagerConfig,
  renderGrafanaDashboard,
  renderPrometheusConfig,
  renderPrometheusRules,
} from '../render/index.js';

export const RENDER_KINDS = ['rules', 'alertmanager', 'dashboard', 'prometheus'] as const;
export type RenderKind = (typeof RENDER_KINDS)[number];

interface RenderOptions {
  plan: string;
  out?: string;
  bridgeUrl: string;
  tokenFile: string;
  pagerdutyKeyFile?: string;
  slackUrlFile?: string;
  serviceTarget?: string[];
  nodeTarget?: string[];
}

/** What `plan render <kind>` prints; with default options, the file committed under deploy/. */
export function render(kind: RenderKind, plan: Plan, opts: Partial<RenderOptions> = {}): string {
  switch (kind) {
    case 'rules':
      return renderPrometheusRules(plan);
    case 'alertmanager':
      return renderAlertmanagerConfig(plan, {
        bridgeUrl: opts.bridgeUrl ?? DEFAULT_ALERTMANAGER_OPTIONS.bridgeUrl,
        tokenFile: opts.tokenFile ?? DEFAULT_ALERTMANAGER_OPTIONS.tokenFile,
        pagerdutyRoutingKeyFile: opts.pagerdutyKeyFile,
        slackWebhookUrlFile: opts.slackUrlFile,
      });
    case 'dashboard':
      return renderGrafanaDashboard(plan);
    case 'prometheus':
      return renderPrometheusConfig(plan, { serviceTargets: opts.serviceTarget, nodeTargets: opts.nodeTarget });
  }
}

/**
 * Adds the `plan` command group. Errors are thrown, not printed: the program's single error
 * handler prints them (PlanError lists every problem) and exits 1.
 */
export function registerPlanCommands(program: Command): Command {
  const plan = program.command('plan').description('check and show monitoring plan files');

  plan
    .command('validate')
    .description('validate a plan file: schema, cross-references, schedule and PromQL syntax')
    .argument('<file>', 'plan file (YAML)')
    .action(async (file: string) => {
      const loaded = await loadPlanFile(file);
      const checkpoints = buildSchedule(loaded).length;
      console.log(`${file}: valid plan '${loaded.name}' — ${checkpoints} checkpoints, ${loaded.alerts.length} alerts`);
    });

  plan
    .command('render')
    .description('generate a config from the plan: Prometheus rules, Alertmanager routes, Grafana dashboard or Prometheus scrape config')
    .addArgument(new Argument('<kind>', 'what to generate').choices(RENDER_KINDS))
    .option('--plan <file>', 'plan file (YAML)', DEFAULT_PLAN_PATH)
    .option('--out <file>', 'write to this file instead of stdout')
    .option('--bridge-url <url>', 'alertmanager: the bridge webhook URL', DEFAULT_ALERTMANAGER_OPTIONS.bridgeUrl)
    .option('--token-file <path>', "alertmanager: file holding the bridge's bearer token", DEFAULT_ALERTMANAGER_OPTIONS.tokenFile)
    .option('--pagerduty-key-file <path>', "alertmanager: file holding the PagerDuty routing key for deploywatch's own pages (default: beside the token file)")
    .option('--slack-url-file <path>', 'alertmanager: file holding the Slack webhook URL for #genesis-sre (default: beside the token file)')
    .option('--service-target <host:port...>', "prometheus: the service's scrape targets")
    .option('--node-target <host:port...>', "prometheus: node exporters on the service's hosts")
    .addHelpText(
      'after',
      '\nThe defaults match docker-compose.yml: `deploywatch plan render rules --out deploy/prometheus/rules.yml` regenerates the committed file.',
    )
    .action(async (kind: RenderKind, opts: RenderOptions) => {
      const loaded = await loadPlanFile(opts.plan);
      const text = render(kind, loaded, opts);
      if (opts.out === undefined) {
        process.stdout.write(text);
        return;
      }
      await mkdir(dirname(opts.out), { recursive: true });
      await writeFile(opts.out, text);
      console.log(`${opts.out}: ${kind} generated from plan '${loaded.name}' (${opts.plan})`);
    });

  return plan;
}
