// A node:test reporter that records how long each test file ran, from its first event to its
// last, and keeps the slowest ten in the file named by DEPLOYWATCH_TEST_TIMES, so a creeping suite
// is seen in CI. It rewrites that file on every event, synchronously: --test-force-exit ends the
// process before a reporter's final output would be written.
// Plain JavaScript: node loads reporters before --import hooks can compile TypeScript.
import { writeFileSync } from 'node:fs';

/** @param {Map<string, { first: number, last: number, failed: boolean }>} spans */
function slowest(spans) {
  const rows = [...spans].map(([file, s]) => ({ file: file.replace(`${process.cwd()}/`, ''), seconds: (s.last - s.first) / 1000, failed: s.failed }));
  rows.sort((a, b) => b.seconds - a.seconds);
  const lines = rows.slice(0, 10).map((r) => `${r.seconds.toFixed(1).padStart(8)} s  ${r.file}${r.failed ? '  (failed)' : ''}`);
  return [`slowest test files (of ${rows.length}):`, ...lines, ''].join('\n');
}

/** @param {AsyncIterable<{ type: string, data?: { file?: string } }>} source */
export default async function* fileTimes(source) {
  const out = process.env.DEPLOYWATCH_TEST_TIMES;
  /** @type {Map<string, { first: number, last: number, failed: boolean }>} */
  const spans = new Map();
  for await (const event of source) {
    const file = event.data?.file;
    if (!file || !out) continue;
    const now = Date.now();
    const span = spans.get(file) ?? { first: now, last: now, failed: false };
    span.last = now;
    if (event.type === 'test:fail') span.failed = true;
    spans.set(file, span);
    writeFileSync(out, slowest(spans));
  }
  yield '';
}
