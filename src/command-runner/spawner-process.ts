// The command runner's own process: a small Node process the worker forks once and asks, over IPC,
// to run commands. Forking from here is cheap; forking from the worker copies its page tables
// (about 1 GB of cached workflows), which made spawn the worker's main cost.
// Each command gets its own process group, so a timeout or a cancellation kills its children too.
// argv[2]: heartbeat interval in ms.
import { spawn, type ChildProcess } from 'node:child_process';
import { logLevelCounter } from './log-levels.js';
import type { CommandOutcome, FromRunner, RunMessage, ToRunner } from './protocol.js';

/** After its group is killed, how long a command's pipes may stay open (held by a process that left the group). */
const PIPE_GRACE_MS = 2000;

const heartbeatMs = Number(process.argv[2] ?? 5000);
const running = new Map<number, { child: ChildProcess; cancel: () => void }>();

function send(message: FromRunner): void {
  if (process.connected) process.send!(message);
}

function killGroup(child: ChildProcess): void {
  if (child.pid === undefined) return;
  try {
    process.kill(-child.pid, 'SIGKILL');
  } catch {
    // The group is already gone.
  }
}

function run(request: RunMessage): void {
  const started = Date.now();
  let tail = '';
  const keep = (chunk: Buffer): void => {
    tail = (tail + chunk.toString('utf8')).slice(-request.tailChars);
  };
  const outcome = { timedOut: false, cancelled: false } as Pick<CommandOutcome, 'timedOut' | 'cancelled' | 'spawnError'>;
  const child = spawn(request.program, request.args, {
    cwd: request.cwd,
    env: { ...process.env, ...request.env },
    stdio: ['ignore', 'pipe', 'pipe'],
    // A new process group (and session): the command and everything it starts die together.
    detached: true,
  });
  const stop = (reason: 'timedOut' | 'cancelled'): void => {
    outcome[reason] = true;
    killGroup(child);
    setTimeout(() => {
      child.stdout?.destroy();
      child.stderr?.destroy();
    }, PIPE_GRACE_MS).unref();
  };
  const timer = setTimeout(() => stop('timedOut'), request.timeoutMs);
  const heartbeat = setInterval(() => send({ type: 'heartbeat', id: request.id }), heartbeatMs);
  running.set(request.id, { child, cancel: () => stop('cancelled') });
  if (child.pid !== undefined) send({ type: 'started', id: request.id, pgid: child.pid });
  // Only stdout is the log under review; stderr is the tool's own diagnostics.
  const counter = request.countLogLevels ? logLevelCounter() : undefined;
  if (counter) child.stdout.on('data', (chunk: Buffer) => counter.write(chunk));
  child.stdout.on('data', keep);
  child.stderr.on('data', keep);
  child.on('error', (err) => {
    outcome.spawnError = err.message;
  });
  child.on('close', (code, signal) => {
    clearTimeout(timer);
    clearInterval(heartbeat);
    running.delete(request.id);
    counter?.end();
    send({
      type: 'finished',
      id: request.id,
      outcome: {
        ...outcome,
        exitCode: code,
        signal,
        durationMs: Date.now() - started,
        outputTail: tail,
        ...(counter ? { logCounts: counter.counts } : {}),
      },
    });
  });
}

process.on('message', (message: ToRunner) => {
  if (message.type === 'run') run(message);
  else running.get(message.id)?.cancel();
});

// The worker is gone (exited, crashed or killed): take every running command with us.
process.on('disconnect', () => {
  for (const { child } of running.values()) killGroup(child);
  process.exit(0);
});
