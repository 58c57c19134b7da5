// The default plan squeezed into minutes, for tests that run whole windows on a real dev server:
// the seed's three phases (fast, slower, slowest) over 162 s, with local commands and a 1 s scrape.
import { stringify } from 'yaml';
import { DEFAULT_PLAN_PATH, loadPlanFile, parsePlan } from '../../src/plan/load.js';
import { buildSchedule } from '../../src/plan/schedule.js';
import type { Plan } from '../../src/plan/schema.js';
import { withFixtureCommands } from './plans.js';

export interface ShortPlanOptions {
  prometheusUrl: string;
  /** Where handoff reports go (a test's temp dir). */
  reportDir: string;
  /** Replaces the plan's Slack routes (the seed's by default). */
  slack?: Plan['channels']['slack'];
}

/**
 * T+0, then every 9 s to 54 s, every 18 s to 108 s and every 27 s to 162 s (12 checkpoints); one
 * extension of 36 s at 12 s. Measurement windows of 30 s, so the criteria judge minutes of data.
 * Validated as a plan file would be, so the tests run a plan an author could write.
 */
export async function shortPlan(options: ShortPlanOptions): Promise<Plan> {
  const base = withFixtureCommands(await loadPlanFile(DEFAULT_PLAN_PATH), { prometheusUrl: options.prometheusUrl });
  const [intensive, active, passive] = base.phases;
  const plan: Plan = {
    ...base,
    prometheus: { ...base.prometheus, scrapeInterval: '1s' },
    window: { durationHours: 0.045, extension: { hours: 0.01, cadenceMinutes: 0.2, maxExtensions: 1 } },
    phases: [
      { ...intensive!, untilHours: 0.015, cadenceMinutes: 0.15, run: [{ command: 'health-check' }, { command: 'production-tests' }, { command: 'log-review' }] },
      { ...active!, untilHours: 0.03, cadenceMinutes: 0.3, run: [{ command: 'health-check' }, { command: 'log-review' }] },
      { ...passive!, untilHours: 0.045, cadenceMinutes: 0.45, run: [{ command: 'health-check' }, { command: 'full-suite' }] },
    ],
    checklist: [
      { atHours: 0, title: 'Deployment complete, all services up', asserts: ['all-services-up'] },
      { atHours: 0.0025, title: 'First health check pass', asserts: ['health-check-pass'] },
      { atHours: 0.045, title: 'Final deployment review - handoff to BAU', asserts: ['review'], review: 'final' },
    ],
    // 48 h pass in 162 s (about 1,067 times faster): a growth rate per day scales by as much.
    criteria: { ...base.criteria, measurementWindow: '30s', resourceGrowthPercentPerDay: Math.round(base.criteria.resourceGrowthPercentPerDay * ((48 * 3600) / 162)) },
    handoff: { ...base.handoff, reportDir: options.reportDir },
    channels: options.slack === undefined ? base.channels : { ...base.channels, slack: options.slack },
  };
  return parsePlan(stringify(plan), 'short plan');
}

/** How many checkpoints the plan's own window has (extensions not counted). */
export function checkpointCount(plan: Plan): number {
  return buildSchedule(plan).length;
}
