// Determinism across upgrades: histories recorded from full runs of each released version
// (scripts/record-histories.ts, never regenerated here) must replay against the current code.
// A 48-hour monitor is running while a new worker version is deployed; this is what guards it.
import { before, test } from 'node:test';
import assert from 'node:assert/strict';
import { cp, mkdir, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import type { HistoryAndWorkflowId } from '@temporalio/client';
import { temporal } from '@temporalio/proto';
import { DeterminismViolationError } from '@temporalio/workflow';
import { bundleWorkflowCode, Worker } from '@temporalio/worker';
import { REPO_ROOT } from '../src/temporal/binaries.js';
import { testRuntime, workflowBundle } from './support/temporal.js';

const HISTORIES = resolve(__dirname, 'histories');
let recorded: HistoryAndWorkflowId[];

before(async () => {
  testRuntime();
  recorded = [];
  for (const version of await readdir(HISTORIES)) {
    for (const file of (await readdir(join(HISTORIES, version))).filter((f) => f.endsWith('.json'))) {
      // Recorded with JSON.stringify(handle.fetchHistory()): protobuf's own JSON form.
      const history = temporal.api.history.v1.History.fromObject(JSON.parse(await readFile(join(HISTORIES, version, file), 'utf8')));
      recorded.push({ workflowId: `${version}/${file}`, history });
    }
  }
}, { timeout: 3 * 60_000 });

test('every recorded history of every released version replays against the current workflow code', { timeout: 3 * 60_000 }, async () => {
  assert.ok(recorded.length >= 3, 'the monitor and its escalations are recorded');
  const failures: string[] = [];
  for await (const result of Worker.runReplayHistories({ workflowBundle: await workflowBundle() }, recorded)) {
    if (result.error) failures.push(`${result.workflowId}: ${result.error.message}`);
  }
  assert.deepEqual(failures, []);
});

test('the guard works: an unpatched change to running workflow code is a determinism violation', { timeout: 3 * 60_000 }, async () => {
  // A copy of the workflow code with one unpatched change: a timer before each checkpoint's activity.
  // Inside the checkout (git-ignored), so the bundler resolves node_modules as for the real code.
  const mutant = join(REPO_ROOT, '.cache', 'replay-mutant');
  await rm(mutant, { recursive: true, force: true });
  await mkdir(mutant, { recursive: true });
  await cp(resolve(__dirname, '..', 'src'), join(mutant, 'src'), { recursive: true });
  const file = join(mutant, 'src', 'workflows', 'deployment-monitor', 'checkpoint-loop.ts');
  const source = await readFile(file, 'utf8');
  const anchor = "    record.status = 'running';";
  assert.ok(source.includes(anchor), 'the mutation point exists');
  await writeFile(file, source.replace(anchor, `    await sleep('1s');\n${anchor}`));

  const bundle = await bundleWorkflowCode({ workflowsPath: join(mutant, 'src', 'workflows'), logger: { log() {}, trace() {}, debug() {}, info() {}, warn() {}, error() {} } });
  const monitor = recorded.find((r) => r.workflowId.endsWith('/monitor-recorded.json'))!;
  await assert.rejects(Worker.runReplayHistory({ workflowBundle: bundle }, monitor.history, monitor.workflowId), (err: unknown) => {
    assert.ok(err instanceof DeterminismViolationError, `expected a DeterminismViolationError, got ${String(err)}`);
    return true;
  });
  await rm(mutant, { recursive: true, force: true });
});
