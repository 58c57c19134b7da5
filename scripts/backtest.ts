// `npm run backtest -- --prometheus-url <url> --deployed-at <ISO-8601> [--plan <file>]`
// One JSON document on stdout; progress and logs on stderr.
import { Command } from 'commander';
import { runBacktest } from '../src/backtest.js';
import { makeTelemetryFilterString, Runtime } from '@temporalio/worker';
import { createLogger, temporalLogger } from '../src/logger.js';
import { DEFAULT_PLAN_PATH, loadPlanFile } from '../src/plan/load.js';

const program = new Command('backtest')
  .description('replay the monitoring plan over history already stored in a Prometheus, in seconds')
  .requiredOption('--prometheus-url <url>', 'Prometheus holding the history (e.g. http://127.0.0.1:9090)')
  .requiredOption('--deployed-at <iso>', 'the deployment time (T+0) to replay from')
  .option('--plan <file>', 'monitoring plan file', DEFAULT_PLAN_PATH)
  .showHelpAfterError();

async function main(): Promise<void> {
  program.parse();
  const opts = program.opts<{ prometheusUrl: string; deployedAt: string; plan: string }>();
  if (Number.isNaN(Date.parse(opts.deployedAt))) {
    throw new Error(`--deployed-at: "${opts.deployedAt}" is not an ISO-8601 time`);
  }
  const logger = createLogger('deploywatch-backtest');
  // Core's own log lines too go through the logger (stderr): stdout holds the JSON document only.
  Runtime.install({
    logger: temporalLogger(logger.child({}, { level: 'warn' })),
    telemetryOptions: { logging: { filter: makeTelemetryFilterString({ core: 'WARN' }), forward: {} } },
  });
  const plan = await loadPlanFile(opts.plan);
  const result = await runBacktest({ prometheusUrl: opts.prometheusUrl, deployedAt: opts.deployedAt, plan, logger });
  process.stdout.write(`${JSON.stringify(result, null, 2)}\n`);
  logger.info({ outcome: result.outcome, wallSeconds: result.wallSeconds }, 'backtest finished');
}

main().catch((err: unknown) => {
  console.error(`backtest: ${(err as Error).message}`);
  process.exit(1);
});
