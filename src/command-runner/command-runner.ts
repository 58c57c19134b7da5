// The worker's side of the command runner: forks the spawner process on first use, sends it
// commands and passes its heartbeats to the caller (the activity). If the spawner dies, running
// commands fail and the next command forks a new one.
import { fork, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import type { CommandOutcome, FromRunner, RunMessage } from './protocol.js';

export type { CommandOutcome } from './protocol.js';

export type CommandRequest = Omit<RunMessage, 'type' | 'id'>;

export interface RunControl {
  /** Aborting kills the command and its process group; the outcome says `cancelled`. */
  signal?: AbortSignal;
  /** Called at the runner's heartbeat interval while the command runs. */
  onHeartbeat?: () => void;
}

export interface CommandRunner {
  run(request: CommandRequest, control?: RunControl): Promise<CommandOutcome>;
  /** The spawner's pid, once it runs. */
  readonly pid: number | undefined;
  /** Stops the spawner; commands still running are killed with their process groups. */
  close(): Promise<void>;
}

export interface CommandRunnerOptions {
  /** How often a running command reports that it is alive (default 5 s, well inside a 60 s heartbeat timeout). */
  heartbeatMs?: number;
  /** The spawner's V8 heap limit: it holds only pipes and tails. */
  maxOldSpaceMb?: number;
}

const SPAWNER = join(__dirname, `spawner-process${__filename.endsWith('.ts') ? '.ts' : '.js'}`);
// Run from sources (tsx), the spawner needs the TypeScript loader; built, it is plain JavaScript.
const LOADER = __filename.endsWith('.ts') ? ['--require', require.resolve('tsx/cjs')] : [];

function killGroup(pgid: number): void {
  try {
    process.kill(-pgid, 'SIGKILL');
  } catch {
    // Already gone.
  }
}

function notRun(durationMs: number, fields: Partial<CommandOutcome>): CommandOutcome {
  return { exitCode: null, signal: null, timedOut: false, cancelled: false, durationMs, outputTail: '', ...fields };
}

export function startCommandRunner(options: CommandRunnerOptions = {}): CommandRunner {
  const heartbeatMs = options.heartbeatMs ?? 5000;
  const pending = new Map<number, { resolve: (outcome: CommandOutcome) => void; onHeartbeat?: () => void; started: number; pgid?: number }>();
  let spawner: ChildProcess | undefined;
  let nextId = 1;

  // The runner never keeps the worker alive by itself: its handles count only while a command runs.
  const holdOpen = (): void => {
    if (!spawner) return;
    if (pending.size > 0) {
      spawner.ref();
      spawner.channel?.ref();
    } else {
      spawner.unref();
      spawner.channel?.unref();
    }
  };

  const ensureSpawner = (): ChildProcess => {
    if (spawner?.connected) return spawner;
    const child = fork(SPAWNER, [String(heartbeatMs)], {
      // Not the worker's own flags (heap size, inspector, test runner): a small plain process.
      execArgv: [...LOADER, `--max-old-space-size=${options.maxOldSpaceMb ?? 64}`],
      stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
      serialization: 'json',
    });
    child.on('message', (message: FromRunner) => {
      const waiting = pending.get(message.id);
      if (!waiting) return;
      if (message.type === 'started') {
        waiting.pgid = message.pgid;
        return;
      }
      if (message.type === 'heartbeat') {
        waiting.onHeartbeat?.();
        return;
      }
      pending.delete(message.id);
      holdOpen();
      waiting.resolve(message.outcome);
    });
    child.on('exit', (code, signal) => {
      if (spawner === child) spawner = undefined;
      const why = `the command runner exited (${signal ?? `code ${code}`}) while the command ran`;
      for (const [id, waiting] of pending) {
        pending.delete(id);
        // Nobody else will end its commands now: no timeout, no cancellation.
        if (waiting.pgid !== undefined) killGroup(waiting.pgid);
        waiting.resolve(notRun(Date.now() - waiting.started, { spawnError: why }));
      }
    });
    spawner = child;
    return child;
  };

  return {
    get pid() {
      return spawner?.pid;
    },
    async run(request, control = {}) {
      const started = Date.now();
      if (control.signal?.aborted) return notRun(0, { cancelled: true });
      const id = nextId++;
      const child = ensureSpawner();
      const cancel = (): void => {
        // A lost cancel is harmless: the runner is gone, and its commands with it.
        if (child.connected) child.send({ type: 'cancel', id }, () => undefined);
      };
      control.signal?.addEventListener('abort', cancel, { once: true });
      try {
        return await new Promise<CommandOutcome>((resolve) => {
          pending.set(id, { resolve, onHeartbeat: control.onHeartbeat, started });
          holdOpen();
          child.send({ type: 'run', id, ...request } satisfies RunMessage, (err) => {
            if (!err || !pending.delete(id)) return;
            holdOpen();
            resolve(notRun(Date.now() - started, { spawnError: `the command runner could not take the command: ${err.message}` }));
          });
        });
      } finally {
        control.signal?.removeEventListener('abort', cancel);
      }
    },
    async close() {
      const child = spawner;
      if (!child?.connected) return;
      const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
      // Wait for it: an unreferenced child would let the event loop end first.
      child.ref();
      child.disconnect();
      await exited;
    },
  };
}

let shared: CommandRunner | undefined;

/** One runner per process for callers that were not given one (tests, scripts); forked on first use. */
export function sharedCommandRunner(): CommandRunner {
  return (shared ??= startCommandRunner());
}
