// The monitor's own JUnit counts, pushed to a Pushgateway under the Genesis monitoring plan's metric names so the
// dashboards' test panels show them. Best effort: a failed push is logged, never a failed check.
import { request, type Dispatcher } from 'undici';
import type { Logger } from 'pino';
import type { TestSummary } from '../plan/results.js';

export interface PushTarget {
  pushgatewayUrl: string;
  deploymentId: string;
  /** The command id (production-tests, full-suite), the `suite` label. */
  suite: string;
}

/** Prometheus text format. Gauges: each value is one run's, not a running total (despite `_total`). */
export function testMetricsText(tests: TestSummary): string {
  const metrics: Array<[string, string, number]> = [
    ['genesis_tests_passed_total', 'Tests passed in the latest run', tests.passed],
    ['genesis_tests_failed_total', 'Tests failed in the latest run', tests.failed],
    ['genesis_tests_skipped_total', 'Tests skipped in the latest run', tests.skipped],
    ['genesis_tests_total_total', 'Tests in the latest run', tests.total],
    ['genesis_test_pass_rate', 'Percent of executed tests that passed in the latest run', tests.passRate ?? NaN],
  ];
  return metrics.map(([name, help, value]) => `# HELP ${name} ${help}\n# TYPE ${name} gauge\n${name} ${Number.isNaN(value) ? 'NaN' : value}\n`).join('');
}

/** A grouping-key path segment; values with "/" (or empty ones) use the Pushgateway's base64 form. */
function groupingSegment(label: string, value: string): string {
  if (value !== '' && !value.includes('/')) return `${label}/${encodeURIComponent(value)}`;
  return `${label}@base64/${Buffer.from(value, 'utf8').toString('base64url') || '='}`;
}

export function pushUrl(target: PushTarget): string {
  const base = target.pushgatewayUrl.replace(/\/+$/, '');
  return `${base}/metrics/job/deploywatch/${groupingSegment('deployment', target.deploymentId)}/${groupingSegment('suite', target.suite)}`;
}

/** PUT replaces the group's metrics, so a suite's series always show its latest run. */
export async function pushTestMetrics(
  target: PushTarget,
  tests: TestSummary,
  options: { logger: Logger; dispatcher?: Dispatcher; timeoutMs?: number; signal?: AbortSignal },
): Promise<boolean> {
  const url = pushUrl(target);
  try {
    const timeout = AbortSignal.timeout(options.timeoutMs ?? 5000);
    const res = await request(url, {
      method: 'PUT',
      headers: { 'content-type': 'text/plain; version=0.0.4' },
      body: testMetricsText(tests),
      dispatcher: options.dispatcher,
      signal: options.signal ? AbortSignal.any([options.signal, timeout]) : timeout,
    });
    const body = await res.body.text();
    if (res.statusCode >= 200 && res.statusCode < 300) return true;
    options.logger.warn({ url, status: res.statusCode, body: body.slice(0, 200) }, 'pushgateway rejected test metrics');
  } catch (err) {
    options.logger.warn({ url, error: (err as Error).message }, 'could not push test metrics');
  }
  return false;
}
