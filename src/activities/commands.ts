// Runs a plan command as argv (no shell): nothing from the plan or the inputs is interpolated by a shell.
// The command runs in the command runner's small process, never forked from the worker itself.
import type { CommandRunner } from '../command-runner/command-runner.js';
import type { CommandSpec } from '../plan/schema.js';
import type { CommandResult } from '../plan/results.js';

export { classifyLogLine, type LogLevel } from '../command-runner/log-levels.js';

const OUTPUT_TAIL_CHARS = 2048;

export interface RunOptions {
  /** Values for `{name}` placeholders in argv, e.g. {junit}, {since}, {evaluationTime}. */
  placeholders: Record<string, string>;
  signal?: AbortSignal;
  /** Called while the command runs, so long commands keep their activity heartbeat alive. */
  onTick?: () => void;
  /** Count every stdout line (the whole output, not just the tail) into `logCounts` by log level. */
  countLogLevels?: boolean;
}

export function substitute(argv: string[], placeholders: Record<string, string>): string[] {
  return argv.map((arg) => arg.replace(/\{(\w+)\}/g, (whole, key: string) => placeholders[key] ?? whole));
}

export async function runCommand(runner: CommandRunner, id: string, spec: CommandSpec, options: RunOptions): Promise<CommandResult> {
  const [program, ...args] = substitute(spec.argv, options.placeholders);
  const outcome = await runner.run(
    {
      program: program!,
      args,
      ...(spec.cwd !== undefined ? { cwd: spec.cwd } : {}),
      env: spec.env,
      timeoutMs: spec.timeoutSeconds * 1000,
      tailChars: OUTPUT_TAIL_CHARS,
      countLogLevels: options.countLogLevels ?? false,
    },
    { signal: options.signal, onHeartbeat: options.onTick },
  );
  const error =
    outcome.spawnError ??
    (outcome.cancelled ? 'cancelled' : outcome.timedOut ? `timed out after ${spec.timeoutSeconds}s` : outcome.signal ? `killed by ${outcome.signal}` : undefined);
  const result: CommandResult = {
    id,
    ok: error === undefined && outcome.exitCode === 0,
    exitCode: outcome.exitCode,
    durationMs: outcome.durationMs,
    outputTail: outcome.outputTail,
  };
  if (error !== undefined) result.error = error;
  if (outcome.logCounts) result.logCounts = outcome.logCounts;
  return result;
}
