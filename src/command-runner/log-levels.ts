// Error and warning lines of a log under review, counted over the whole output as it streams.

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
export function logLevelCounter() {
  const counts = { errors: 0, warnings: 0 };
  let partial = '';
  const count = (line: string): void => {
    const level = classifyLogLine(line);
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
