// `deploywatch plan …`: work with a plan file without touching Temporal.
import type { Command } from 'commander';
import { loadPlanFile } from '../plan/load.js';
import { buildSchedule } from '../plan/schedule.js';

/**
 * Adds the `plan` command group. Errors are thrown, not printed: the program's single error
 * handler prints them (PlanError lists every problem) and exits 1.
 */
export function registerPlanCommands(program: Command): Command {
  const plan = program.command('plan').description('check and show monitoring plan files');

  plan
    .command('validate')
    .description('validate a plan file: schema, cross-references, schedule and PromQL syntax')
    .argument('<file>', 'plan file (YAML)')
    .action(async (file: string) => {
      const loaded = await loadPlanFile(file);
      const checkpoints = buildSchedule(loaded).length;
      console.log(`${file}: valid plan '${loaded.name}' — ${checkpoints} checkpoints, ${loaded.alerts.length} alerts`);
    });

  // `plan render <file>` (the plan as a readable checklist) is registered here next.

  return plan;
}
