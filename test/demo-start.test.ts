// `npm start` (scripts/demo.ts) leaves nothing behind: a step that fails, or a Ctrl-C in the middle
// of the start, stops every process it had started. Every process the demo starts inherits a marker
// in its environment, so the test finds them after the demo has exited, whoever their parent is now.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { waitFor } from './support/harness.js';
import { freePort } from './support/prometheus.js';

const DEMO = resolve(__dirname, '..', 'scripts', 'demo.ts');
const MARKER = 'DEPLOYWATCH_DEMO_TEST_MARK';

/** Live processes whose environment carries `mark` (zombies have an empty environ). */
function marked(mark: string): Array<{ pid: number; command: string }> {
  const found: Array<{ pid: number; command: string }> = [];
  for (const entry of readdirSync('/proc')) {
    const pid = Number(entry);
    if (!Number.isInteger(pid) || pid === process.pid) continue;
    try {
      if (!readFileSync(`/proc/${pid}/environ`, 'latin1').split('\0').includes(`${MARKER}=${mark}`)) continue;
      found.push({ pid, command: readFileSync(`/proc/${pid}/cmdline`, 'latin1').split('\0').join(' ').trim() });
    } catch {
      // Gone meanwhile, or not ours to read.
    }
  }
  return found;
}

/** The marked processes still alive after `graceMs`: the demo's watchdog and tsx's esbuild end just after it. */
async function leftBehind(mark: string, graceMs = 10_000): Promise<string[]> {
  const left = await waitFor('the marked processes to end', async () => (marked(mark).length === 0 ? [] : undefined), { timeoutMs: graceMs, everyMs: 250 }).catch(() =>
    marked(mark),
  );
  return left.map((p) => `${p.pid} ${p.command}`);
}

interface DemoRun {
  mark: string;
  stderr: () => string;
  /** Resolves when a debug "ready" line names `name`. */
  ready: (name: string) => Promise<void>;
  signal: (signal: NodeJS.Signals) => void;
  exited: Promise<number | null>;
}

async function startDemo(stateDir: string, extraEnv: Record<string, string>): Promise<DemoRun> {
  const mark = randomUUID();
  const env = {
    ...process.env,
    [MARKER]: mark,
    LOG_LEVEL: 'debug',
    DEMO_STATE_DIR: stateDir,
    TEMPORAL_ADDRESS: `127.0.0.1:${await freePort()}`,
    DEMO_UI_PORT: String(await freePort()),
    DEMO_PROMETHEUS_PORT: String(await freePort()),
    DEMO_PUSHGATEWAY_PORT: String(await freePort()),
    DEMO_SERVICE_PORT: String(await freePort()),
    ...extraEnv,
  };
  const child = spawn(process.execPath, ['--import', 'tsx', DEMO], { env, stdio: ['ignore', 'pipe', 'pipe'] });
  let stderr = '';
  const waiters: Array<{ name: string; resolve: () => void }> = [];
  child.stderr.on('data', (chunk: Buffer) => {
    stderr += chunk.toString('utf8');
    for (const w of waiters) if (readyNames(stderr).includes(w.name)) w.resolve();
  });
  child.stdout.resume();
  const exited = new Promise<number | null>((r) => child.once('exit', (code) => r(code)));
  return {
    mark,
    stderr: () => stderr,
    ready: (name) => new Promise<void>((r) => (readyNames(stderr).includes(name) ? r() : waiters.push({ name, resolve: r }))),
    signal: (signal) => void child.kill(signal),
    exited,
  };
}

function readyNames(stderr: string): string[] {
  return stderr
    .split('\n')
    .filter((line) => line.startsWith('{'))
    .map((line) => JSON.parse(line) as { msg?: string; name?: string })
    .filter((l) => l.msg === 'ready')
    .map((l) => l.name ?? '');
}

describe('npm start leaves no process behind', { timeout: 240_000 }, () => {
  let stateDir: string;
  before(async () => {
    stateDir = await mkdtemp(join(tmpdir(), 'deploywatch-demo-start-'));
  });
  after(async () => {
    await rm(stateDir, { recursive: true, force: true });
  });

  it('a step that fails (Prometheus missing) stops the dev server, Pushgateway and service, and says what failed', { timeout: 120_000 }, async () => {
    const demo = await startDemo(join(stateDir, 'fail'), { DEPLOYWATCH_PROMETHEUS_BIN: '/nonexistent/prometheus' });
    const code = await demo.exited;
    assert.equal(code, 1, demo.stderr());
    assert.deepEqual(readyNames(demo.stderr()).sort(), ['Pushgateway', 'the Temporal dev server'], 'the steps before the failing one had started');
    assert.match(demo.stderr(), /the Prometheus step failed: DEPLOYWATCH_PROMETHEUS_BIN=\/nonexistent\/prometheus is not an executable/);
    assert.match(demo.stderr(), /What to do: /);
    assert.deepEqual(await leftBehind(demo.mark), []);
  });

  it('Ctrl-C in the middle of the start stops what had started', { timeout: 120_000 }, async () => {
    const demo = await startDemo(join(stateDir, 'interrupt'), {});
    await demo.ready('Pushgateway');
    assert.ok(marked(demo.mark).length >= 2, 'the dev server and Pushgateway run before the interrupt');
    demo.signal('SIGINT');
    assert.equal(await demo.exited, 130, demo.stderr());
    assert.deepEqual(await leftBehind(demo.mark), []);
  });
});
