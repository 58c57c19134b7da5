// The default plan with its commands pointed at local stand-ins for the service's own scripts.
import { join, resolve } from 'node:path';
import type { CommandSpec, Plan } from '../../src/plan/schema.js';

const FIXTURES = resolve(__dirname, '..', 'fixtures', 'bin');

function command(title: string, argv: string[], junit = false): CommandSpec {
  return { title, argv, timeoutSeconds: 60, junit, env: {} };
}

export function withFixtureCommands(plan: Plan, options: { slowAtOffsetSeconds?: number; slowSeconds?: number } = {}): Plan {
  const slow = options.slowAtOffsetSeconds === undefined ? [] : [String(options.slowAtOffsetSeconds), String(options.slowSeconds ?? 3)];
  return {
    ...plan,
    commands: {
      'health-check': command('Health check', [join(FIXTURES, 'health-check.sh'), '{offsetSeconds}', ...slow]),
      'production-tests': command('Production health tests', [join(FIXTURES, 'junit-report.sh'), '{junit}', '20', '0'], true),
      'full-suite': command('Full monitoring suite', [join(FIXTURES, 'junit-report.sh'), '{junit}', '50', '0'], true),
      'log-review': command('Log review', ['echo', 'no warnings since {since}']),
    },
  };
}
