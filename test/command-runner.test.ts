// The command runner: a small process that runs plan commands for the worker. Real processes,
// real signals: timeouts, output limits, cancellation and the runner's death kill whole process groups.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { MockActivityEnvironment } from '@temporalio/testing';
import { startCommandRunner, type CommandRunner } from '../src/command-runner/command-runner.js';
import { runCommand } from '../src/activities/commands.js';
import { createRollbackActivity, type RollbackInput, type RollbackResult } from '../src/activities/rollback.js';
import type { CommandSpec } from '../src/plan/schema.js';

const TIMEOUT = { timeout: 60_000 };
const sh = (script: string, extra: Partial<CommandSpec> = {}): CommandSpec => ({
  title: 'test command',
  argv: ['sh', '-c', script],
  timeoutSeconds: 60,
  junit: false,
  env: {},
  ...extra,
});

/** True once the process no longer runs (gone, or a zombie nobody has reaped yet). */
function gone(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch {
    return true;
  }
  try {
    return /^\d+ \(.*\) Z/.test(readFileSync(`/proc/${pid}/stat`, 'utf8'));
  } catch {
    return true;
  }
}

async function until(what: () => boolean): Promise<void> {
  while (!what()) await sleep(20);
}

/** A script that starts a grandchild (sleep) and writes "<shell pid> <grandchild pid>" to `file`. */
const withGrandchild = (file: string): string => `sleep 300 & echo "$$ $!" > ${file}.tmp && mv ${file}.tmp ${file}; wait`;

async function pids(file: string): Promise<number[]> {
  await until(() => existsSync(file));
  return (await readFile(file, 'utf8')).trim().split(' ').map(Number);
}

// One runner for the file, beating fast so heartbeats show up at once.
let runner: CommandRunner;
let dir: string;
before(async () => {
  runner = startCommandRunner({ heartbeatMs: 50 });
  dir = await mkdtemp(join(tmpdir(), 'deploywatch-runner-'));
}, TIMEOUT);
after(async () => {
  await runner.close();
  await rm(dir, { recursive: true, force: true });
}, TIMEOUT);

describe('command runner', () => {

  it('reports exit codes; only exit 0 is ok', TIMEOUT, async () => {
    const passed = await runCommand(runner, 'pass', sh('echo fine'), { placeholders: {} });
    assert.equal(passed.ok, true);
    assert.equal(passed.exitCode, 0);
    assert.equal(passed.outputTail, 'fine\n');
    const failed = await runCommand(runner, 'fail', sh('echo broken >&2; exit 3'), { placeholders: {} });
    assert.equal(failed.ok, false);
    assert.equal(failed.exitCode, 3);
    assert.equal(failed.error, undefined);
    assert.equal(failed.outputTail, 'broken\n');
  });

  it('says why a program could not start', TIMEOUT, async () => {
    const missing = await runCommand(runner, 'missing', { ...sh(''), argv: ['/nonexistent/deploywatch-check'] }, { placeholders: {} });
    assert.equal(missing.ok, false);
    assert.match(missing.error ?? '', /ENOENT/);
  });

  it('passes the plan env on top of the worker environment, and placeholders as argv', TIMEOUT, async () => {
    process.env.DEPLOYWATCH_RUNNER_TEST_INHERITED = 'from-worker';
    const spec = { ...sh(''), argv: ['sh', '-c', 'echo "$PLAN_VAR $DEPLOYWATCH_RUNNER_TEST_INHERITED $1"', 'sh', '{deploymentId}'], env: { PLAN_VAR: 'from-plan' } };
    // A fresh runner: it inherits the worker's environment when it is forked.
    const fresh = startCommandRunner();
    try {
      const result = await runCommand(fresh, 'env', spec, { placeholders: { deploymentId: 'dep 1; rm -rf /' } });
      assert.equal(result.outputTail, 'from-plan from-worker dep 1; rm -rf /\n');
    } finally {
      await fresh.close();
      delete process.env.DEPLOYWATCH_RUNNER_TEST_INHERITED;
    }
  });

  it('keeps only the tail of a large output, and counts log levels over all of it', TIMEOUT, async () => {
    const script = 'i=0; while [ $i -lt 3000 ]; do echo "ERROR line $i"; echo "WARNING line $i"; i=$((i+1)); done; echo THE-END';
    const result = await runCommand(runner, 'logs', sh(script), { placeholders: {}, countLogLevels: true });
    assert.equal(result.ok, true);
    assert.equal(result.outputTail.length, 2048);
    assert.ok(result.outputTail.endsWith('WARNING line 2999\nTHE-END\n'));
    assert.deepEqual(result.logCounts, { errors: 3000, warnings: 3000 });
  });

  it('kills the whole process group when a command times out', TIMEOUT, async () => {
    const file = join(dir, 'timeout.pids');
    const running = runCommand(runner, 'hung', sh(withGrandchild(file), { timeoutSeconds: 1 }), { placeholders: {} });
    const [shell, grandchild] = await pids(file);
    const result = await running;
    assert.equal(result.ok, false);
    assert.equal(result.error, 'timed out after 1s');
    await until(() => gone(shell!) && gone(grandchild!));
  });

  it('passes heartbeats to the caller while the command runs', TIMEOUT, async () => {
    const file = join(dir, 'heartbeat.flag');
    let beats = 0;
    // The command ends only once the caller has seen a heartbeat.
    const result = await runCommand(runner, 'slow', sh(`while [ ! -e ${file} ]; do sleep 0.02; done`), {
      placeholders: {},
      onTick: () => {
        beats++;
        void writeFile(file, '');
      },
    });
    assert.equal(result.ok, true);
    assert.ok(beats >= 1);
  });

  it('kills the whole process group when the caller cancels', TIMEOUT, async () => {
    const file = join(dir, 'cancel.pids');
    const abort = new AbortController();
    const running = runCommand(runner, 'cancelled', sh(withGrandchild(file)), { placeholders: {}, signal: abort.signal });
    const [shell, grandchild] = await pids(file);
    abort.abort();
    const result = await running;
    assert.equal(result.error, 'cancelled');
    await until(() => gone(shell!) && gone(grandchild!));
  });

  it('fails and kills the commands of a runner that died, and forks a new one for the next', TIMEOUT, async () => {
    const own = startCommandRunner();
    try {
      const file = join(dir, 'died.pids');
      const running = runCommand(own, 'orphaned', sh(withGrandchild(file)), { placeholders: {} });
      const [shell, grandchild] = await pids(file);
      const first = own.pid!;
      process.kill(first, 'SIGKILL');
      const result = await running;
      assert.match(result.error ?? '', /command runner exited/);
      await until(() => gone(shell!) && gone(grandchild!));
      const next = await runCommand(own, 'after', sh('echo again'), { placeholders: {} });
      assert.equal(next.outputTail, 'again\n');
      assert.notEqual(own.pid, first);
    } finally {
      await own.close();
    }
  });
});

describe('rollback activity through the runner', () => {
  const input = (command: CommandSpec): RollbackInput => ({
    deploymentId: 'dep-1',
    version: '1.2.3',
    reason: 'P0',
    actor: 'deploywatch',
    idempotencyKey: 'monitor-dep-1/rollback',
    procedure: { command },
  });

  it('heartbeats the activity while the script runs', TIMEOUT, async () => {
    const file = join(dir, 'beat.flag');
    const env = new MockActivityEnvironment();
    env.on('heartbeat', () => void writeFile(file, ''));
    const rollback = createRollbackActivity({ runner });
    const result: RollbackResult = await env.run(rollback, input(sh(`while [ ! -e ${file} ]; do sleep 0.02; done; echo rolled back`)));
    assert.equal(result.ok, true);
    assert.match(result.detail, /rolled back/);
  });

  it('kills the script and its children when the activity is cancelled', TIMEOUT, async () => {
    const file = join(dir, 'rollback.pids');
    const env = new MockActivityEnvironment();
    const rollback = createRollbackActivity({ runner });
    const running: Promise<RollbackResult> = env.run(rollback, input(sh(withGrandchild(file))));
    const [shell, grandchild] = await pids(file);
    env.cancel();
    const result = await running;
    assert.equal(result.ok, false);
    assert.match(result.detail, /cancelled/);
    await until(() => gone(shell!) && gone(grandchild!));
  });
});

describe('the runner dies with its worker', () => {
  it('exits, killing its commands and their children, when the worker is SIGKILLed', TIMEOUT, async () => {
    const file = join(dir, 'orphan.pids');
    const parent = spawn(process.execPath, ['--import', 'tsx', resolve(__dirname, 'fixtures', 'runner-parent.ts'), file], { stdio: ['ignore', 'pipe', 'inherit'] });
    try {
      let out = '';
      parent.stdout.on('data', (chunk: Buffer) => (out += chunk.toString()));
      await until(() => out.includes('\n'));
      const { runner } = JSON.parse(out) as { runner: number };
      const [shell, grandchild] = await pids(file);
      assert.ok(!gone(runner) && !gone(shell!) && !gone(grandchild!));
      parent.kill('SIGKILL');
      await until(() => gone(runner) && gone(shell!) && gone(grandchild!));
    } finally {
      parent.kill('SIGKILL');
    }
  });
});
