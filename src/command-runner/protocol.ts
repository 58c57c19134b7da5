// Messages between a worker and its command-runner process, over the fork's IPC channel (JSON).

export interface RunMessage {
  type: 'run';
  id: number;
  program: string;
  args: string[];
  cwd?: string;
  /** Added to the runner's environment, which it inherited from the worker when forked. */
  env: Record<string, string>;
  timeoutMs: number;
  /** How much of the combined stdout and stderr to keep: the last `tailChars` characters. */
  tailChars: number;
  /** Count error and warning lines of stdout (the log-review command). */
  countLogLevels: boolean;
}

export interface CancelMessage {
  type: 'cancel';
  id: number;
}

export type ToRunner = RunMessage | CancelMessage;

export interface CommandOutcome {
  exitCode: number | null;
  /** The signal that ended the command, when one did. */
  signal: string | null;
  /** Set when the program could not be started (missing binary, bad cwd). */
  spawnError?: string;
  /** Killed, with its process group, because it ran past `timeoutMs`. */
  timedOut: boolean;
  /** Killed, with its process group, because the caller cancelled it. */
  cancelled: boolean;
  durationMs: number;
  outputTail: string;
  logCounts?: { errors: number; warnings: number };
}

export type FromRunner =
  /** The command's process group: if the runner itself dies, the worker kills it. */
  | { type: 'started'; id: number; pgid: number }
  | { type: 'heartbeat'; id: number }
  | { type: 'finished'; id: number; outcome: CommandOutcome };
