// Records workflow histories from full runs of the current code, for the replay tests
// (test/replay.test.ts). Run once per released version: `npx tsx scripts/record-histories.ts <version>`.
// The tests never regenerate them: a history is what a running monitor of that version looks like.
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import pino from 'pino';
import { createActivities } from '../src/activities/index.js';
import { createWorkerGroup } from '../src/worker.js';
import { DEFAULT_PLAN_PATH, loadPlanFile } from '../src/plan/load.js';
import { REPO_ROOT } from '../src/temporal/binaries.js';
import { deploymentMonitor } from '../src/workflows/deployment-monitor/index.js';
import { signOffSignal, statusQuery } from '../src/workflows/messages.js';
import { genesisHistory } from '../test/support/genesis-history.js';
import { withFixtureCommands } from '../test/support/plans.js';
import { openMetrics, startPrometheus } from '../test/support/prometheus.js';
import { timeSkippingEnv, workflowBundle } from '../test/support/temporal.js';

const HOUR = 3600;

async function main(): Promise<void> {
  const version = process.argv[2];
  if (!version) throw new Error('usage: npx tsx scripts/record-histories.ts <version, e.g. 0.1.0>');
  const out = join(REPO_ROOT, 'test', 'histories', version);
  await mkdir(out, { recursive: true });

  const env = await timeSkippingEnv();
  const start = Math.floor((await env.currentTimeMs()) / 60_000) * 60;
  // Healthy to T+40h, then a latency regression that opens an incident with a full escalation.
  const prometheus = await startPrometheus({
    history: openMetrics(genesisHistory({ fromSec: start - HOUR, toSec: start + 50 * HOUR, stepSec: 60, p95Seconds: (t) => (t >= start + 40 * HOUR ? 0.35 : 0.15) })),
  });
  try {
    const base = withFixtureCommands(await loadPlanFile(DEFAULT_PLAN_PATH), { prometheusUrl: prometheus.url });
    // Extensions off, so the window ends with the engineering lead's decision: every path of the ending is recorded.
    const plan = { ...base, window: { ...base.window, extension: { ...base.window.extension, maxExtensions: 0 } }, channels: { ...base.channels, slack: {}, pagerduty: [], email: [] } };
    const worker = await createWorkerGroup({
      connection: env.nativeConnection,
      taskQueue: 'record',
      workflowBundle: await workflowBundle(),
      activities: createActivities({ logger: pino({ level: 'silent' }), client: () => env.client, taskQueue: 'record' }),
    });
    await worker.runUntil(async () => {
      const handle = await env.client.workflow.start(deploymentMonitor, {
        workflowId: 'monitor-recorded',
        taskQueue: 'record',
        args: [{ deployment: { id: 'recorded', version, service: 'genesis-orchestration', deployedAt: new Date(start * 1000).toISOString() }, plan }],
      });
      const result = handle.result();
      let status = await handle.query(statusQuery);
      while (!status.incidents.some((i) => i.alert === 'ExtensionLimitReached')) {
        await new Promise((r) => setTimeout(r, 200));
        status = await handle.query(statusQuery);
      }
      await handle.signal(signOffSignal, { role: 'engineering-lead', actor: 'lead' });
      while (!status.handoff) {
        await new Promise((r) => setTimeout(r, 200));
        status = await handle.query(statusQuery);
      }
      await handle.signal(signOffSignal, { role: 'sre-lead', actor: 'sre' });
      for (const incident of status.incidents.filter((i) => i.status !== 'resolved')) {
        await env.client.workflow.getHandle(handle.workflowId).signal('resolve', { incident: incident.number, actor: 'lead' });
      }
      await result;
      const ids = [handle.workflowId, ...status.incidents.map((i) => i.workflowId)];
      for (const id of ids) {
        const history = await env.client.workflow.getHandle(id).fetchHistory();
        const file = join(out, `${id.replace(/[^A-Za-z0-9-]+/g, '_')}.json`);
        await writeFile(file, JSON.stringify(history));
        console.error(`recorded ${id}: ${history.events?.length ?? 0} events -> ${file}`);
      }
    });
  } finally {
    await prometheus.stop();
    await env.teardown();
  }
}

main().catch((err: unknown) => {
  console.error(`record-histories: ${(err as Error).message}`);
  process.exit(1);
});
