// A node:test reporter that adds up how long each test file's top-level tests and suites ran
// (their durations include the file's before hooks), and keeps the slowest ten in the file named
// by DEPLOYWATCH_TEST_TIMES, so a creeping suite is seen in CI. Durations, not arrival times:
// files run side by side and their reports arrive one file after another. It rewrites that file on every event, synchronously: --test-force-exit ends the
// process before a reporter's final output would be written.
// Plain JavaScript: node loads reporters before --import hooks can compile TypeScript.
import { writeFileSync } from 'node:fs';

/** @param {Map<string, { ms: number, failed: boolean }>} files */
function slowest(files) {
  const rows = [...files].map(([file, f]) => ({ file: file.replace(`${process.cwd()}/`, ''), seconds: f.ms / 1000, failed: f.failed }));
  rows.sort((a, b) => b.seconds - a.seconds);
  const lines = rows.slice(0, 10).map((r) => `${r.seconds.toFixed(1).padStart(8)} s  ${r.file}${r.failed ? '  (failed)' : ''}`);
  return [`slowest test files (of ${rows.length}):`, ...lines, ''].join('\n');
}

/** @param {AsyncIterable<{ type: string, data?: { file?: string, nesting?: number, details?: { duration_ms?: number } } }>} source */
export default async function* fileTimes(source) {
  const out = process.env.DEPLOYWATCH_TEST_TIMES;
  /** @type {Map<string, { ms: number, failed: boolean }>} */
  const files = new Map();
  for await (const event of source) {
    const { file, nesting, details } = event.data ?? {};
    if (!out || !file || nesting !== 0 || (event.type !== 'test:pass' && event.type !== 'test:fail')) continue;
    const entry = files.get(file) ?? { ms: 0, failed: false };
    entry.ms += details?.duration_ms ?? 0;
    if (event.type === 'test:fail') entry.failed = true;
    files.set(file, entry);
    writeFileSync(out, slowest(files));
  }
  yield '';
}
