// Judges one checkpoint's observation against the plan: findings (with P0–P4 priorities), the
// checklist's assertions, and the monitor's health. Pure: the workflow calls it deterministically.
import type { Checkpoint } from './schedule.js';
import type { Plan } from './schema.js';
import type { CheckpointResult, Finding, Health, Observation } from './results.js';

/** What judging needs to remember between checkpoints (carried in workflow state). */
export interface JudgeHistory {
  /** Consecutive checkpoints with at least one inconclusive alert. */
  inconclusiveStreak: number;
}

export function emptyHistory(): JudgeHistory {
  return { inconclusiveStreak: 0 };
}

export interface JudgeInput {
  plan: Plan;
  checkpoint: Checkpoint;
  evaluationTime: string;
  observation: Observation;
  history: JudgeHistory;
}

function alertFindings(input: JudgeInput): Finding[] {
  const findings: Finding[] = [];
  for (const a of input.observation.alerts) {
    if (a.state !== 'firing') continue;
    for (const b of a.breaches) {
      findings.push({
        alert: a.alert,
        priority: a.priority,
        kind: 'alert',
        summary: `${a.alert} ${b.endedAt ? 'breached' : 'firing'} since ${b.startedAt} (worst ${b.worst ?? 'n/a'})`,
        startedAt: b.startedAt,
        endedAt: b.endedAt,
        worst: b.worst,
        evidence: { firingAt: b.firingAt, worst: b.worst },
        straightToCommander: false,
      });
    }
  }
  return findings;
}

function healthOf(findings: Finding[], blind: boolean, commandsOk: boolean): Health {
  const live = findings.filter((f) => f.endedAt === null);
  if (live.some((f) => f.priority === 'P0' || f.priority === 'P1')) return 'critical';
  if (blind) return 'blind';
  if (live.length > 0 || !commandsOk) return 'degraded';
  return 'healthy';
}

export function judgeCheckpoint(input: JudgeInput): { result: CheckpointResult; history: JudgeHistory } {
  const { observation } = input;
  const inconclusive = observation.alerts.filter((a) => a.state === 'inconclusive').map((a) => a.alert);
  const clear = observation.alerts.filter((a) => a.state === 'ok').map((a) => a.alert);
  const history: JudgeHistory = {
    inconclusiveStreak: inconclusive.length > 0 ? input.history.inconclusiveStreak + 1 : 0,
  };
  const findings = alertFindings(input);
  const blind = inconclusive.length > 0;
  return {
    result: {
      commands: observation.commands,
      alerts: observation.alerts,
      slos: observation.slos,
      anomalies: observation.anomalies,
      findings,
      health: healthOf(findings, blind, observation.commands.every((c) => c.ok)),
      assertions: [],
      inconclusive,
      clear,
    },
    history,
  };
}
