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
  /** Classifies every stdout line (the whole output, not just the tail) into `logCounts`. */
  classifyLine?: (line: string) => LogLevel | null;
}

export type LogLevel = 'error' | 'warning';

// journalctl -o json carries the journal's own priority: 0-3 are errors, 4 warnings.
const JOURNAL_PRIORITY = /"PRIORITY"\s*:\s*"([0-7])"/;
// Plain text: upper-case level words, logfmt/JSON levels, "Error:" prefixes, Python tracebacks.
// "no warnings since …" or "0 errors" are not log levels and do not count.
const ERROR_LINE =
  /\b(?:ERROR|ERR|FATAL|CRITICAL|CRIT|ALERT|EMERG|PANIC)\b|\blevel=(?:error|err|fatal|critical|crit|alert|emerg|panic)\b|"level"\s*:\s*"(?:error|fatal|critical|panic)"|\b(?:[Ee]rror|[Ff]atal|[Pp]anic)(?=:)|^Traceback \(most recent call last\)/;
const WARNING_LINE = /\b(?:WARN|WARNING)\b|\blevel=warn(?:ing)?\b|"level"\s*:\s*"warn(?:ing)?"|\b[Ww]arn(?:ing)?(?=:)/;

/** A log line's level, for the log-review command's counts; null when it is neither. */
export function classifyLogLine(line: string): LogLevel | null {
  const journal = JOURNAL_PRIORITY.exec(line);
  if (journal) {
    const priority = Number(journal[1]);
    return priority <= 3 ? 'error' : priority === 4 ? 'warning' : null;
  }
  if (ERROR_LINE.test(line)) return 'error';
  if (WARNING_LINE.test(line)) return 'warning';
  return null;
}

/** Counts classified lines of a stream that arrives in chunks split anywhere. */
function lineCounter(classify: (line: string) => LogLevel | null) {
  const counts = { errors: 0, warnings: 0 };
  let partial = '';
  const count = (line: string): void => {
    const level = classify(line);
    if (level === 'error') counts.errors++;
    else if (level === 'warning') counts.warnings++;
  };
  return {
    counts,
    write(chunk: Buffer): void {
      const lines = (partial + chunk.toString('utf8')).split('\n');
      partial = lines.pop() ?? '';
      lines.forEach(count);
    },
    end(): void {
      if (partial !== '') count(partial);
      partial = '';
    },
  };
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
    // Only stdout is the log under review; stderr is the tool's own diagnostics.
    const counter = options.classifyLine ? lineCounter(options.classifyLine) : undefined;
    if (counter) child.stdout.on('data', (chunk: Buffer) => counter.write(chunk));
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
      if (counter) {
        counter.end();
        result.logCounts = counter.counts;
      }
      resolve(result);
    });
  });
}
