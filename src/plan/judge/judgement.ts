// One judgement in progress: the input, the findings so far, and the small helpers every part of
// the judge uses to word its findings.
import type { Checkpoint } from '../schedule.js';
import type { AlertRule, Plan, Priority } from '../schema.js';
import type { AlertObservation, CommandResult, Finding, Observation, SloReading } from '../results.js';
import { sloRoles } from '../slos.js';
import { copyHistory, emptyHistory, type JudgeHistory } from './history.js';

export interface JudgeInput {
  plan: Plan;
  checkpoint: Checkpoint;
  evaluationTime: string;
  /** Start of the interval the observation covers (the previous evaluation time); default: evaluationTime. */
  intervalStart?: string;
  observation: Observation;
  history: JudgeHistory;
  /**
   * The monitor's own sight problems (MonitoringBlind, TestSuiteNotRunning, PlanQueryError) make a
   * checkpoint blind or degraded, not critical: nothing is known to be wrong with the service.
   * Default true; false reproduces 0.1.0 for monitors that started before the change.
   */
  sightProblemsAreNotCritical?: boolean;
}

/** The plan's health-check command: its exit code is the service's own verdict on itself. */
export const HEALTH_CHECK_COMMAND = 'health-check';

/**
 * Findings of the monitor's own checks that the Genesis monitoring plan has no alert rule for. A plan may define a
 * rule with the same name to change its priority. HealthCheckFailed is P1: the service's own
 * script says it is unhealthy, which needs action within 15 minutes, but only a real `up == 0`
 * (the plan's service-down alert, P0) may roll back. LogErrors is P3: errors in the journal are a trend to look
 * into, not an outage. PlanQueryError is P1 when it blinds a P0/P1 alert or a critical SLO, else P2.
 */
export const MONITOR_FINDINGS = {
  HealthCheckFailed: 'P1',
  LogErrors: 'P3',
} as const satisfies Record<string, Priority>;

/** Problems with the monitor's own sight, not with the service: not counted as "multiple P1 alerts". */
export const MONITOR_HEALTH_ALERTS = new Set(['MonitoringBlind', 'TestSuiteNotRunning', 'PlanQueryError']);

export const MAX_TRACKED_TESTS = 20;

export const MAX_RUNS_PER_TEST = 96;



type RuleLike = Pick<AlertRule, 'name' | 'priority' | 'op' | 'threshold' | 'for'>;

/** The plan's rule by name (the plan is the authority), else the Genesis monitoring plan's values. */
export function ruleFor(plan: Plan, name: string): RuleLike {
  const rule = plan.alerts.find((a) => a.name === name);
  if (rule) return rule;
  const defaults: Record<string, Omit<RuleLike, 'name'>> = {
    TestPassRateLow: { priority: 'P1', op: '<', threshold: plan.criteria.testPassRatePercent, for: '5m' },
    TestPassRateDegrading: { priority: 'P2', op: '<', threshold: 99, for: '10m' },
    TestSuiteNotRunning: { priority: 'P1', op: '==', threshold: 1, for: '15m' },
    IntermittentTestFailures: { priority: 'P4', op: '>', threshold: plan.intermittent.maxFailuresPerDay, for: '1m' },
    MonitoringBlind: { priority: 'P1', op: '>=', threshold: 2, for: '1m' },
  };
  const priority = (MONITOR_FINDINGS as Record<string, Priority>)[name] ?? 'P1';
  return { name, ...(defaults[name] ?? { priority, op: '>', threshold: 0, for: '1m' }) };
}

export function fmt(value: number | null | undefined, unit = ''): string {
  if (value === null || value === undefined) return 'no data';
  return `${Number(value.toPrecision(4))}${unit}`;
}

export function names(list: readonly string[], max = 10): string {
  if (list.length === 0) return 'none';
  return list.length <= max ? list.join(', ') : `${list.slice(0, max).join(', ')} and ${list.length - max} more`;
}

export function alertFinding(partial: Pick<Finding, 'alert' | 'priority' | 'summary'> & Partial<Finding>): Finding {
  return { kind: 'alert', startedAt: null, endedAt: null, worst: null, evidence: {}, straightToCommander: false, ...partial };
}

export function trigger(alert: string, summary: string, partial: Partial<Finding> = {}): Finding {
  return { alert, priority: 'P1', kind: 'trigger', summary, startedAt: null, endedAt: null, worst: null, evidence: {}, straightToCommander: true, ...partial };
}

/** Everything one judgement works with. */
export class Judgement {
  readonly findings: Finding[] = [];
  /** Names judged and found clear at this checkpoint (before findings and inconclusives are removed). */
  readonly judgedOk = new Set<string>();
  readonly inconclusive = new Set<string>();
  /** Breached briefly (a blip, or pending at the end): no finding, but not clear whatever else says so. */
  readonly notClear = new Set<string>();
  readonly blindReasons: string[] = [];
  /** Critical alerts (or the health check) could not be judged. */
  criticalBlind = false;
  readonly evalMs: number;
  readonly history: JudgeHistory;
  readonly roles: ReturnType<typeof sloRoles>;

  constructor(readonly input: JudgeInput) {
    this.evalMs = Date.parse(input.evaluationTime);
    // Histories written by older versions lack newer fields: fill them in.
    this.history = copyHistory({ ...emptyHistory(), ...input.history });
    this.roles = sloRoles(input.plan.slos);
  }

  get plan(): Plan {
    return this.input.plan;
  }

  get observation(): Observation {
    return this.input.observation;
  }

  get at(): string {
    return this.input.evaluationTime;
  }

  reading(id: string | undefined): SloReading | undefined {
    return id === undefined ? undefined : this.observation.slos.find((s) => s.id === id);
  }

  alert(name: string): AlertObservation | undefined {
    return this.observation.alerts.find((a) => a.alert === name);
  }

  command(id: string): CommandResult | undefined {
    return this.observation.commands.find((c) => c.id === id);
  }

  junitRuns(): Array<{ command: CommandResult; tests: NonNullable<CommandResult['tests']> }> {
    return this.observation.commands.flatMap((c) => (c.tests && c.tests.passRate !== null ? [{ command: c, tests: c.tests }] : []));
  }

  /** Records a finding of the plan's rule `name` (or the Genesis monitoring plan's default for it). */
  findRule(name: string, seen: Pick<Finding, 'summary'> & Partial<Omit<Finding, 'alert' | 'priority'>>): void {
    const rule = ruleFor(this.plan, name);
    this.findings.push(alertFinding({ alert: rule.name, priority: rule.priority, ...seen }));
  }

  live(): Finding[] {
    return this.findings.filter((f) => f.endedAt === null);
  }
}
