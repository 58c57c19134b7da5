// Acceptance: a breach between checkpoints reaches the monitor through real Prometheus, real
// Alertmanager and the bridge, and the incident opens before the next scheduled checkpoint.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { startAlertPipeline, type AlertPipeline } from './support/alert-pipeline.js';

let pipeline: AlertPipeline;

before(async () => {
  // The rendered rules and routes, with seconds-scale `for` and group_wait so this runs in a minute.
  pipeline = await startAlertPipeline({ groupWait: '1s', alertFor: '2s' });
}, { timeout: 3 * 60_000 });
after(async () => {
  await pipeline?.stop();
}, { timeout: 3 * 60_000 });

test('Prometheus fires, Alertmanager posts, the bridge signals: the incident opens before the next checkpoint', { timeout: 3 * 60_000 }, async (t) => {
  const handle = await pipeline.start('e2e-1');
  const detection = await pipeline.breachAndDetect('e2e-1');

  const { status } = detection;
  const incident = status.incidents.find((i) => i.alert === 'TestPassRateLow')!;
  const next = status.checklist[1]!;
  assert.equal(next.status, 'pending', 'the next checkpoint has not run');
  assert.equal(status.nextCheckpoint?.index, 1);
  assert.ok(
    Date.parse(incident.detectedAt) < Date.parse(next.plannedAt),
    `incident opened at ${incident.detectedAt}, before ${next.label} planned at ${next.plannedAt}`,
  );
  // T+0 had finished before the breach, so nothing but the bridge could have opened the incident.
  const first = status.checklist[0]!;
  assert.ok(first.finishedAt && Date.parse(first.finishedAt) < Date.parse(incident.detectedAt), `T+0 finished at ${first.finishedAt}`);
  // The summary is the rendered rule's annotation: the incident came through Alertmanager.
  assert.equal(incident.summary, pipeline.plan.alerts.find((a) => a.name === 'TestPassRateLow')?.description);
  assert.equal(incident.priority, 'P1');
  assert.equal(incident.status, 'open');
  assert.ok(Number.isFinite(detection.forwardedAt), 'routed by the service label: the rules carry no deployment_id');

  // A figure for the benchmark, not an assertion.
  t.diagnostic(
    `firing → incident opened: ${detection.openedAt - detection.firingAt} ms (group_wait ${pipeline.groupWaitMs} ms; bridge → incident ${detection.openedAt - detection.forwardedAt} ms)`,
  );
  await handle.terminate('test over');
});
