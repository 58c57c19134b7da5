// JUnit XML (pytest --junitxml and most runners) to pass/fail counts and failing test names.
import { XMLParser } from 'fast-xml-parser';
import type { TestSummary } from '../plan/results.js';

/** Failing names kept for history; `failed` stays the exact count. */
export const MAX_FAILING_NAMES = 20;

const parser = new XMLParser({
  ignoreAttributes: false,
  attributeNamePrefix: '',
  isArray: (name) => name === 'testsuite' || name === 'testcase',
});

interface TestCase {
  name?: string;
  classname?: string;
  failure?: unknown;
  error?: unknown;
  skipped?: unknown;
}
interface TestSuite {
  testcase?: TestCase[];
  testsuite?: TestSuite[];
}

function collect(suites: TestSuite[] | undefined, into: TestCase[]): void {
  for (const suite of suites ?? []) {
    into.push(...(suite.testcase ?? []));
    collect(suite.testsuite, into);
  }
}

export function parseJUnit(xml: string): TestSummary {
  const doc = parser.parse(xml) as { testsuites?: TestSuite; testsuite?: TestSuite[] };
  const cases: TestCase[] = [];
  collect(doc.testsuites ? [doc.testsuites] : doc.testsuite, cases);
  if (!doc.testsuites && !doc.testsuite) throw new Error('not a JUnit XML report (no <testsuites> or <testsuite>)');
  let passed = 0;
  let failed = 0;
  let skipped = 0;
  const failing: string[] = [];
  for (const tc of cases) {
    if (tc.failure !== undefined || tc.error !== undefined) {
      failed += 1;
      failing.push(tc.classname ? `${tc.classname}::${tc.name ?? '?'}` : (tc.name ?? '?'));
    } else if (tc.skipped !== undefined) {
      skipped += 1;
    } else {
      passed += 1;
    }
  }
  const executed = passed + failed;
  return {
    passed,
    failed,
    skipped,
    total: cases.length,
    passRate: executed === 0 ? null : Math.round((passed / executed) * 10000) / 100,
    failing: failing.slice(0, MAX_FAILING_NAMES),
  };
}
