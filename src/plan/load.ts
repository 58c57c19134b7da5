// Plan file → validated Plan. Every problem is reported at once, by field path and line, so an
// author fixes a plan in one pass; a plan that loads is one the monitor can run for 48 hours.
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { LineCounter, isMap, isScalar, isSeq, parseDocument, visit, type Document } from 'yaml';
import type { core } from 'zod';
import { promqlErrors } from './promql.js';
import { buildSchedule, offsetLabel } from './schedule.js';
import { planSchema, type Plan } from './schema.js';

type Path = readonly PropertyKey[];

interface Problem {
  path: Path;
  message: string;
}

/** The plan is invalid; `problems` lists every reason, each naming the field ("alerts[3].for: …"). */
export class PlanError extends Error {
  override readonly name = 'PlanError';

  constructor(
    readonly source: string,
    readonly problems: string[],
  ) {
    const count = problems.length === 1 ? '1 problem' : `${problems.length} problems`;
    super(`${source}: invalid plan (${count})\n${problems.map((p) => `  - ${p}`).join('\n')}`);
  }
}

/** The plan file could not be read at all (missing, unreadable). */
export class PlanFileError extends Error {
  override readonly name = 'PlanFileError';
}

function packageRoot(from: string): string {
  for (let dir = from; ; dir = dirname(dir)) {
    if (existsSync(join(dir, 'package.json'))) return dir;
    if (dirname(dir) === dir) return from;
  }
}

/** plans/genesis.yaml of this package, wherever it runs from (src/ under tsx or a dist/ build). */
export const DEFAULT_PLAN_PATH = join(packageRoot(__dirname), 'plans', 'genesis.yaml');

const IDENTIFIER = /^[A-Za-z_][\w-]*$/;

/** `alerts[3].for`, `commands.health-check.argv`, `channels.slackWebhookEnv["#genesis-alerts"]`. */
export function formatPath(path: Path): string {
  let out = '';
  for (const segment of path) {
    if (typeof segment === 'number') out += `[${segment}]`;
    else {
      const key = String(segment);
      if (!IDENTIFIER.test(key)) out += `[${JSON.stringify(key)}]`;
      else out += out === '' ? key : `.${key}`;
    }
  }
  return out === '' ? '(plan)' : out;
}

/** Line of the deepest YAML node on `path` that exists (the key, for a map entry). */
function lineOf(doc: Document, lines: LineCounter, path: Path): number | undefined {
  let node: unknown = doc.contents;
  let offset: number | undefined;
  for (const segment of path) {
    if (isMap(node)) {
      const pair = node.items.find((p) => isScalar(p.key) && String(p.key.value) === String(segment));
      if (!pair) break;
      offset = (isScalar(pair.key) ? pair.key.range?.[0] : undefined) ?? offset;
      node = pair.value;
    } else if (isSeq(node) && typeof segment === 'number') {
      const item: unknown = node.items[segment];
      if (item === undefined) break;
      offset = (isScalar(item) || isMap(item) || isSeq(item) ? item.range?.[0] : undefined) ?? offset;
      node = item;
    } else {
      break;
    }
  }
  return offset === undefined ? undefined : lines.linePos(offset).line;
}

/** The alias that stops the document from being read: the first with no anchor before it, else the first (too many). */
function aliasLine(doc: Document, lines: LineCounter): number | undefined {
  let first: number | undefined;
  let unresolved: number | undefined;
  visit(doc, {
    Alias(_key, node) {
      const line = node.range ? lines.linePos(node.range[0]).line : undefined;
      first ??= line;
      if (node.resolve(doc) !== undefined) return undefined;
      unresolved = line;
      return visit.BREAK;
    },
  });
  return unresolved ?? first;
}

function valueAt(data: unknown, path: Path): { parent: unknown; present: boolean; value: unknown } {
  let parent: unknown = undefined;
  let value: unknown = data;
  let present = true;
  for (const segment of path) {
    parent = value;
    if (value !== null && typeof value === 'object' && Object.hasOwn(value, segment)) {
      value = (value as Record<PropertyKey, unknown>)[segment];
    } else {
      present = false;
      value = undefined;
      break;
    }
  }
  return { parent, present, value };
}

function shown(value: unknown): string {
  const text = JSON.stringify(value) ?? String(value);
  return text.length > 40 ? `${text.slice(0, 40)}…` : text;
}

function schemaProblems(issues: readonly core.$ZodIssue[], data: unknown): Problem[] {
  const problems: Problem[] = [];
  for (const issue of issues) {
    if (issue.code === 'unrecognized_keys') {
      for (const key of issue.keys) problems.push({ path: [...issue.path, key], message: 'unknown field' });
      continue;
    }
    const { present, value } = valueAt(data, issue.path);
    const zodDefault = issue.message.startsWith('Invalid input');
    let message = issue.message;
    if (!present || value === null) {
      const what = present ? 'has no value' : 'is required';
      message = zodDefault ? what : `${what}: ${issue.message}`;
    } else if (issue.code === 'invalid_type' || issue.code === 'invalid_value' || issue.code === 'custom') {
      message = `${issue.message} (got ${shown(value)})`;
    }
    problems.push({ path: issue.path, message });
  }
  return problems;
}

function hoursToSeconds(hours: number): number {
  return Math.round(hours * 3600);
}

function phaseProblems(plan: Plan): Problem[] {
  const problems: Problem[] = [];
  const ids = new Map<string, number>();
  let previousEnd = 0;
  plan.phases.forEach((phase, i) => {
    const seen = ids.get(phase.id);
    if (seen !== undefined) problems.push({ path: ['phases', i, 'id'], message: `'${phase.id}' is already the id of phases[${seen}]` });
    else ids.set(phase.id, i);
    if (i > 0 && phase.untilHours <= previousEnd) {
      problems.push({
        path: ['phases', i, 'untilHours'],
        message: `must be greater than phases[${i - 1}].untilHours (${previousEnd}): phases follow one another`,
      });
    } else {
      const spanSeconds = hoursToSeconds(phase.untilHours - previousEnd);
      const cadenceSeconds = Math.round(phase.cadenceMinutes * 60);
      if (spanSeconds % cadenceSeconds !== 0) {
        problems.push({
          path: ['phases', i, 'cadenceMinutes'],
          message: `T+${previousEnd}h to T+${phase.untilHours}h is not a whole number of ${phase.cadenceMinutes}-minute intervals, so the phase's end would not be a checkpoint`,
        });
      }
    }
    previousEnd = Math.max(previousEnd, phase.untilHours);
  });
  const last = plan.phases.length - 1;
  const lastPhase = plan.phases[last];
  if (lastPhase && lastPhase.untilHours !== plan.window.durationHours) {
    problems.push({
      path: ['phases', last, 'untilHours'],
      message: `the last phase must end at window.durationHours (${plan.window.durationHours}), not ${lastPhase.untilHours}`,
    });
  }
  return problems;
}

function commandProblems(plan: Plan): Problem[] {
  const problems: Problem[] = [];
  const known = Object.keys(plan.commands);
  const unknown = (id: string): string => `unknown command '${id}' (commands defines: ${known.join(', ') || 'none'})`;
  plan.phases.forEach((phase, i) => {
    const listed = new Map<string, number>();
    phase.run.forEach((task, j) => {
      if (!Object.hasOwn(plan.commands, task.command)) problems.push({ path: ['phases', i, 'run', j, 'command'], message: unknown(task.command) });
      const seen = listed.get(task.command);
      if (seen !== undefined) problems.push({ path: ['phases', i, 'run', j, 'command'], message: `'${task.command}' is already listed at run[${seen}]` });
      else listed.set(task.command, j);
    });
  });
  for (const [alert, triage] of Object.entries(plan.triage)) {
    if (!plan.alerts.some((a) => a.name === alert)) problems.push({ path: ['triage', alert], message: `no alert named '${alert}' in alerts` });
    triage.commands.forEach((id, i) => {
      if (!Object.hasOwn(plan.commands, id)) problems.push({ path: ['triage', alert, 'commands', i], message: unknown(id) });
    });
  }
  if (plan.logReview && !Object.hasOwn(plan.commands, plan.logReview.command)) {
    problems.push({ path: ['logReview', 'command'], message: unknown(plan.logReview.command) });
  }
  for (const [id, command] of Object.entries(plan.commands)) {
    const mentionsJUnit = command.argv.some((arg) => arg.includes('{junit}'));
    if (command.junit && !mentionsJUnit) {
      problems.push({ path: ['commands', id, 'argv'], message: 'junit is true but no argument contains {junit}, so no report would be written' });
    } else if (!command.junit && mentionsJUnit) {
      problems.push({ path: ['commands', id, 'junit'], message: 'argv uses {junit}, which is only substituted when junit is true' });
    }
  }
  return problems;
}

/** Checks that need the schedule; only meaningful once the phases themselves are sound. */
function scheduleProblems(plan: Plan): Problem[] {
  const problems: Problem[] = [];
  const schedule = buildSchedule(plan);
  const offsets = schedule.map((c) => c.offsetSeconds);
  const items = new Map<number, number>();
  plan.checklist.forEach((item, i) => {
    const at = hoursToSeconds(item.atHours);
    const path = ['checklist', i, 'atHours'];
    if (!offsets.includes(at)) {
      const before = offsets.filter((o) => o < at).at(-1);
      const after = offsets.find((o) => o > at);
      const near = [before, after].filter((o) => o !== undefined).map((o) => offsetLabel(o));
      problems.push({ path, message: `${offsetLabel(at)} is not a checkpoint of the schedule (nearest: ${near.join(', ')})` });
    }
    const seen = items.get(at);
    if (seen !== undefined) {
      problems.push({ path, message: `${offsetLabel(at)} already has a checklist item (checklist[${seen}]): one item per checkpoint` });
    } else {
      items.set(at, i);
    }
  });
  plan.phases.forEach((phase, i) => {
    const runs = schedule.filter((c) => c.phaseId === phase.id);
    phase.run.forEach((task, j) => {
      if (task.everyHours !== undefined && !runs.some((c) => c.commands.includes(task.command))) {
        problems.push({
          path: ['phases', i, 'run', j],
          message: `with everyHours ${task.everyHours} and firstAtHours ${task.firstAtHours ?? 0}, '${task.command}' never runs in this phase`,
        });
      }
    });
  });
  return problems;
}

function expressionProblems(plan: Plan): Problem[] {
  const problems: Problem[] = [];
  const check = (path: Path, expr: string | undefined): void => {
    if (expr === undefined) return;
    for (const error of promqlErrors(expr)) problems.push({ path, message: `PromQL ${error}` });
  };
  for (const group of ['critical', 'performance', 'resources'] as const) {
    plan.slos[group].forEach((slo, i) => check(['slos', group, i, 'expr'], slo.expr));
  }
  plan.alerts.forEach((alert, i) => check(['alerts', i, 'expr'], alert.expr));
  for (const [alert, triage] of Object.entries(plan.triage)) {
    triage.queries.forEach((q, i) => check(['triage', alert, 'queries', i, 'expr'], q.expr));
  }
  return problems;
}

function uniquenessProblems(plan: Plan): Problem[] {
  const problems: Problem[] = [];
  const alerts = new Map<string, number>();
  plan.alerts.forEach((alert, i) => {
    const seen = alerts.get(alert.name);
    if (seen !== undefined) problems.push({ path: ['alerts', i, 'name'], message: `'${alert.name}' is already the name of alerts[${seen}]` });
    else alerts.set(alert.name, i);
  });
  const slos = new Map<string, string>();
  const phaseIds = new Set(plan.phases.map((p) => p.id));
  for (const group of ['critical', 'performance', 'resources'] as const) {
    plan.slos[group].forEach((slo, i) => {
      const seen = slos.get(slo.id);
      if (seen !== undefined) problems.push({ path: ['slos', group, i, 'id'], message: `'${slo.id}' is already the id of ${seen}` });
      else slos.set(slo.id, formatPath(['slos', group, i]));
    });
  }
  plan.slos.critical.forEach((slo, i) => {
    for (const phase of Object.keys(slo.phaseTargets)) {
      if (!phaseIds.has(phase)) {
        problems.push({ path: ['slos', 'critical', i, 'phaseTargets', phase], message: `no phase has the id '${phase}'` });
      }
    }
  });
  return problems;
}

function crossFieldProblems(plan: Plan): Problem[] {
  const phases = phaseProblems(plan);
  return [
    ...phases,
    ...commandProblems(plan),
    ...(phases.length === 0 ? scheduleProblems(plan) : []),
    ...expressionProblems(plan),
    ...uniquenessProblems(plan),
  ];
}

/** Parses and validates plan YAML. `source` names the file in error messages. */
export function parsePlan(text: string, source = '<plan>'): Plan {
  const lines = new LineCounter();
  const doc = parseDocument(text, { lineCounter: lines, prettyErrors: false });
  if (doc.errors.length > 0) {
    throw new PlanError(
      source,
      doc.errors.map((err) => {
        const { line, col } = lines.linePos(err.pos[0]);
        return `line ${line}, column ${col}: YAML syntax error: ${err.message}`;
      }),
    );
  }
  const located = (problems: Problem[]): string[] =>
    problems.map(({ path, message }) => {
      const line = lineOf(doc, lines, path);
      return `${formatPath(path)}: ${message}${line === undefined ? '' : ` (line ${line})`}`;
    });

  let data: unknown;
  try {
    data = doc.toJS();
  } catch (err) {
    // An alias without its anchor (or too many aliases): say where, as a syntax error would.
    const line = aliasLine(doc, lines);
    throw new PlanError(source, [`(plan): cannot read the YAML document: ${(err as Error).message}${line === undefined ? '' : ` (line ${line})`}`]);
  }
  if (data === null || data === undefined) throw new PlanError(source, ['(plan): the document is empty']);

  const parsed = planSchema.safeParse(data);
  if (!parsed.success) throw new PlanError(source, located(schemaProblems(parsed.error.issues, data)));
  const problems = crossFieldProblems(parsed.data);
  if (problems.length > 0) throw new PlanError(source, located(problems));
  return parsed.data;
}

/** Reads and validates a plan file; throws PlanFileError if it cannot be read, PlanError if invalid. */
export async function loadPlanFile(path: string): Promise<Plan> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (err) {
    const { code, message } = err as NodeJS.ErrnoException;
    const reason = code === 'ENOENT' ? 'no such file' : code === 'EISDIR' ? 'is a directory' : message;
    throw new PlanFileError(`${path}: cannot read plan file: ${reason}`);
  }
  return parsePlan(text, path);
}
