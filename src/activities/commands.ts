// Runs a plan command as argv (no shell): nothing from the plan or the inputs is interpolated by a shell.
import { spawn } from 'node:child_process';
import type { CommandSpec } from '../plan/schema.js';
import type { CommandResult } from '../plan/results.js';

const OUTPUT_TAIL_BYTES = 2048;

export interface RunOptions {
  /** Values for `{name}` placeholders in argv, e.g. {junit}, {since}, {evaluationTime}. */
  placeholders: Record<string, string>;
  signal?: AbortSignal;
  /** Called while the command runs, so long commands keep their activity heartbeat alive. */
  onTick?: () => void;
}

export function substitute(argv: string[], placeholders: Record<string, string>): string[] {
  return argv.map((arg) => arg.replace(/\{(\w+)\}/g, (whole, key: string) => placeholders[key] ?? whole));
}

export async function runCommand(id: string, spec: CommandSpec, options: RunOptions): Promise<CommandResult> {
  const [program, ...args] = substitute(spec.argv, options.placeholders);
  const started = Date.now();
  let tail = '';
  const keep = (chunk: Buffer): void => {
    tail = (tail + chunk.toString('utf8')).slice(-OUTPUT_TAIL_BYTES);
  };
  return await new Promise<CommandResult>((resolve) => {
    const child = spawn(program!, args, {
      cwd: spec.cwd,
      env: { ...process.env, ...spec.env },
      stdio: ['ignore', 'pipe', 'pipe'],
      signal: options.signal,
      timeout: spec.timeoutSeconds * 1000,
      killSignal: 'SIGKILL',
    });
    const ticker = options.onTick ? setInterval(options.onTick, 5000) : undefined;
    let spawnError: string | undefined;
    child.stdout.on('data', keep);
    child.stderr.on('data', keep);
    child.on('error', (err) => {
      spawnError = err.name === 'AbortError' ? 'cancelled' : err.message;
    });
    child.on('close', (code, signal) => {
      if (ticker) clearInterval(ticker);
      const timedOut = signal === 'SIGKILL' && Date.now() - started >= spec.timeoutSeconds * 1000;
      const error = spawnError ?? (timedOut ? `timed out after ${spec.timeoutSeconds}s` : signal ? `killed by ${signal}` : undefined);
      const result: CommandResult = {
        id,
        ok: error === undefined && code === 0,
        exitCode: code,
        durationMs: Date.now() - started,
        outputTail: tail,
      };
      if (error !== undefined) result.error = error;
      resolve(result);
    });
  });
}
