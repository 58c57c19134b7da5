// The harness's own proof: a test file whose workflows wait forever fails within its timeouts with
// a message that says what it waited for and shows the workflow's history, and leaves no process
// behind (not even the Java test server, which would otherwise outlive a forced exit).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { readdir, readFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { waitFor } from './support/harness.js';

const FIXTURE = resolve(__dirname, 'fixtures', 'hang.fixture.ts');

/** Processes whose environment carries `marker`: everything the fixture's run started. */
async function processesMarked(marker: string): Promise<string[]> {
  const found: string[] = [];
  for (const pid of (await readdir('/proc')).filter((d) => /^\d+$/.test(d))) {
    const environ = await readFile(`/proc/${pid}/environ`, 'latin1').catch(() => '');
    if (environ.includes(marker)) found.push(`${pid} ${(await readFile(`/proc/${pid}/cmdline`, 'latin1').catch(() => '')).replaceAll('\0', ' ').slice(0, 120)}`);
  }
  return found;
}

test('a hanging test fails with what it waited for and the history tail, and leaves no process', { timeout: 180_000 }, async () => {
  const marker = `DEPLOYWATCH_HARNESS_PROOF=${randomUUID()}`;
  const [key, value] = marker.split('=') as [string, string];
  const child = spawn(process.execPath, ['--import', 'tsx', '--test', '--test-force-exit', '--test-reporter=spec', FIXTURE], {
    // Without NODE_TEST_CONTEXT, so the child runs its file as a test run of its own.
    env: { ...Object.fromEntries(Object.entries(process.env).filter(([k]) => k !== 'NODE_TEST_CONTEXT')), [key]: value },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout.on('data', (d: Buffer) => (output += d.toString()));
  child.stderr.on('data', (d: Buffer) => (output += d.toString()));
  // A ceiling for a run that should end by its own timeouts; killing it would be a failure below.
  const ceiling = setTimeout(() => child.kill('SIGKILL'), 150_000);
  const [code, signal] = await new Promise<[number | null, NodeJS.Signals | null]>((done) => child.on('exit', (c, s) => done([c, s])));
  clearTimeout(ceiling);

  assert.equal(signal, null, `the run ended by itself, not by the ceiling:\n${output}`);
  assert.notEqual(code, 0, output);
  // The wait with a deadline: its error names the wait and shows the workflow's events.
  assert.match(output, /timed out after 2000 ms waiting for the sleepy workflow to wake up/);
  assert.match(output, /hang-deadline: 5 events, the last 5:\n(\s+#\d .*\n)*\s+#5 TimerStarted/);
  // The test timeout: the test named, the wait it was in, the workflow it watched.
  assert.match(output, /a wait with no deadline of its own is ended by the test timeout/);
  assert.match(output, /test timed out after 4000ms/);
  assert.match(output, /the test timed out while waiting for a status that never comes/);
  assert.match(output, /hang-timeout: \d+ events/);
  // Nothing the run started is still alive: the processes carry the marker in their environment.
  const left = await waitFor('the fixture run to leave no process', async () => {
    const alive = await processesMarked(marker);
    return alive.length === 0 ? alive : undefined;
  }, { timeoutMs: 10_000, everyMs: 250 }).catch(async () => await processesMarked(marker));
  assert.deepEqual(left, [], `processes left behind:\n${left.join('\n')}`);
  await sleep(0);
});
