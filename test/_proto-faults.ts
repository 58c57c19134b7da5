import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Worker } from '@temporalio/worker';
import pino from 'pino';
import { createActivities } from '../src/activities/index.js';
import { startMonitor } from '../src/monitor-client.js';
import { signOffSignal, statusQuery } from '../src/workflows/messages.js';
import { startLiveGenesis } from './support/live-genesis.js';
import { shortPlan } from './support/short-plan.js';
import { devServerEnv, workflowBundle } from './support/temporal.js';

async function main() {
  const t0 = Date.now();
  const dir = await mkdtemp(join(tmpdir(), 'proto-'));
  const live = await startLiveGenesis(); const prometheus = live.prometheus;
  const env = await devServerEnv({ dbFilename: join(dir, 'db.sqlite') });
  const plan = await shortPlan({ prometheusUrl: prometheus.url, reportDir: dir });
  const worker = await Worker.create({ connection: env.nativeConnection, taskQueue: 'proto', workflowBundle: await workflowBundle(), activities: createActivities({ logger: pino({ level: 'warn' }), client: () => env.client, taskQueue: 'proto' }) });
  const running = worker.run();
  console.log('setup', Date.now() - t0);
  await new Promise((r) => setTimeout(r, 3000));
  const { workflowId } = await startMonitor(env.client, { deployment: { id: 'proto-1', version: '1', service: 'genesis-orchestration', deployedAt: new Date().toISOString() }, plan, taskQueue: 'proto' });
  const handle = env.client.workflow.getHandle(workflowId);
  let signed = false;
  for (let i = 0; i < 400; i++) {
    const s = await handle.query(statusQuery);
    if (i % 10 === 0) console.log(((Date.now() - t0) / 1000).toFixed(0), s.checklist.map((c) => c.status[0]).join(''), s.incidents.map((x) => x.alert + ':' + x.status).join(','), s.verdicts.map((v) => JSON.stringify(v.criteria.map((c) => [c.id, c.passed, c.detail.slice(0, 100)]))).join(' '));
    if (s.handoff && !signed) { signed = true; await handle.signal(signOffSignal, { role: 'engineering-lead', actor: 'e' }); await handle.signal(signOffSignal, { role: 'sre-lead', actor: 's' }); }
    if (s.completed) break;
    await new Promise((r) => setTimeout(r, 1000));
  }
  const s = await handle.query(statusQuery);
  for (const c of s.checklist) console.log(c.label, c.status, JSON.stringify(c.result?.findings.map(f=>f.alert)), JSON.stringify(c.result?.inconclusive), JSON.stringify(c.result?.assertions.filter(a=>!a.passed)));
  console.log(JSON.stringify(s.verdicts, null, 1).slice(0, 4000));
  console.log('total', Date.now() - t0);
  worker.shutdown(); await running; await env.teardown(); await live.stop();
}
main().catch((e) => { console.error(e); process.exit(1); });
