// The default plan with its commands pointed at local stand-ins for the service's own scripts (and,
// optionally, its Prometheus at one a test started).
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import type { CommandSpec, Plan } from '../../src/plan/schema.js';

const FIXTURES = resolve(__dirname, '..', 'fixtures', 'bin');

function command(title: string, argv: string[], junit = false): CommandSpec {
  return { title, argv, timeoutSeconds: 60, junit, env: {} };
}

export function withFixtureCommands(
  plan: Plan,
  options: { slowAtOffsetSeconds?: number; slowSeconds?: number; prometheusUrl?: string } = {},
): Plan {
  const slow = options.slowAtOffsetSeconds === undefined ? [] : [String(options.slowAtOffsetSeconds), String(options.slowSeconds ?? 3)];
  return {
    ...plan,
    prometheus: options.prometheusUrl === undefined ? plan.prometheus : { ...plan.prometheus, url: options.prometheusUrl },
    commands: {
      'health-check': command('Health check', [join(FIXTURES, 'health-check.sh'), '{offsetSeconds}', ...slow]),
      'production-tests': command('Production health tests', [join(FIXTURES, 'junit-report.sh'), '{junit}', '20', '0'], true),
      'full-suite': command('Full monitoring suite', [join(FIXTURES, 'junit-report.sh'), '{junit}', '50', '0'], true),
      'log-review': command('Log review', ['echo', 'no warnings since {since}']),
      'failing-tests': command('Failing production tests', ['echo', 'no failing tests']),
      'service-status': command('Service status', ['echo', 'genesis-orchestration: active (running)']),
      'crash-logs': command('Recent service logs', ['echo', 'no crash since 5 minutes ago']),
    },
    rollback: { command: command('Roll back', ['echo', 'rolled back {deploymentId}']) },
    handoff: { ...plan.handoff, reportDir: join(tmpdir(), 'deploywatch-test-reports') },
  };
}
