// The plan's checkpoints as data. Pure: no Temporal, no I/O; the monitor workflow walks this list.
import type { Assertion, Plan } from './schema.js';

export interface Checkpoint {
  /** Position in the whole window, extensions included. */
  index: number;
  /** Seconds after deployment: the authority for when the checkpoint runs and what it evaluates. */
  offsetSeconds: number;
  phaseId: string;
  /** Plain English for the Temporal UI: "T+6h intensive check". */
  label: string;
  title: string;
  /** Command ids from the plan, in the order the phase lists them. */
  commands: string[];
  asserts: Assertion[];
  review?: string;
}

const SECONDS_PER_HOUR = 3600;

/** "T+0.25h", "T+6h", "T+48h": the Genesis monitoring plan's own notation. */
export function offsetLabel(offsetSeconds: number): string {
  const hours = Math.round((offsetSeconds / SECONDS_PER_HOUR) * 100) / 100;
  return `T+${hours}h`;
}

function hoursToSeconds(hours: number): number {
  return Math.round(hours * SECONDS_PER_HOUR);
}

interface PhaseLike {
  id: string;
  title: string;
  cadenceSeconds: number;
  startSeconds: number;
  endSeconds: number;
  run: Plan['phases'][number]['run'];
}

function commandsAt(phase: PhaseLike, offsetSeconds: number): string[] {
  return phase.run
    .filter((task) => {
      if (task.everyHours === undefined) return true;
      const first = hoursToSeconds(task.firstAtHours ?? 0);
      const every = hoursToSeconds(task.everyHours);
      return offsetSeconds >= first && (offsetSeconds - first) % every === 0;
    })
    .map((task) => task.command);
}

function phaseCheckpoints(phase: PhaseLike, plan: Plan, firstIndex: number): Checkpoint[] {
  const checklist = new Map(plan.checklist.map((item) => [hoursToSeconds(item.atHours), item]));
  const checkpoints: Checkpoint[] = [];
  for (let at = phase.startSeconds + phase.cadenceSeconds; at <= phase.endSeconds; at += phase.cadenceSeconds) {
    checkpoints.push(makeCheckpoint(phase, at, firstIndex + checkpoints.length, checklist));
  }
  return checkpoints;
}

function makeCheckpoint(
  phase: PhaseLike,
  at: number,
  index: number,
  checklist: Map<number, Plan['checklist'][number]>,
): Checkpoint {
  const item = checklist.get(at);
  const checkpoint: Checkpoint = {
    index,
    offsetSeconds: at,
    phaseId: phase.id,
    label: `${offsetLabel(at)} ${phase.id} check`,
    title: item?.title ?? `${phase.title} check`,
    commands: commandsAt(phase, at),
    asserts: item?.asserts ?? [],
  };
  if (item?.review !== undefined) checkpoint.review = item.review;
  return checkpoint;
}

function planPhases(plan: Plan): PhaseLike[] {
  let start = 0;
  return plan.phases.map((phase) => {
    const like: PhaseLike = {
      id: phase.id,
      title: phase.title,
      cadenceSeconds: Math.round(phase.cadenceMinutes * 60),
      startSeconds: start,
      endSeconds: hoursToSeconds(phase.untilHours),
      run: phase.run,
    };
    start = like.endSeconds;
    return like;
  });
}

/** Every checkpoint of the plan's window: T+0 (deployment complete), then each phase at its cadence. */
export function buildSchedule(plan: Plan): Checkpoint[] {
  const phases = planPhases(plan);
  const first = phases[0];
  if (first === undefined) return [];
  const checklist = new Map(plan.checklist.map((item) => [hoursToSeconds(item.atHours), item]));
  const schedule: Checkpoint[] = [makeCheckpoint(first, 0, 0, checklist)];
  for (const phase of phases) {
    schedule.push(...phaseCheckpoints(phase, plan, schedule.length));
  }
  return schedule;
}

/**
 * The checkpoints of extension number `extension` (1-based), appended after `windowEndSeconds`:
 * the plan's extension cadence running the last phase's commands.
 */
export function buildExtension(plan: Plan, windowEndSeconds: number, extension: number, firstIndex: number): Checkpoint[] {
  const last = plan.phases[plan.phases.length - 1];
  if (last === undefined) return [];
  const phase: PhaseLike = {
    id: `extension-${extension}`,
    title: `Extension ${extension} monitoring`,
    cadenceSeconds: Math.round(plan.window.extension.cadenceMinutes * 60),
    startSeconds: windowEndSeconds,
    endSeconds: windowEndSeconds + hoursToSeconds(plan.window.extension.hours),
    run: last.run,
  };
  return phaseCheckpoints(phase, plan, firstIndex);
}

/** The phase a given offset falls in (the first phase for T+0). */
export function phaseAt(plan: Plan, offsetSeconds: number): string {
  const phase = planPhases(plan).find((p) => offsetSeconds <= p.endSeconds);
  return phase?.id ?? plan.phases[plan.phases.length - 1]?.id ?? 'unknown';
}
