// The Genesis monitoring plan's business-as-usual schedule: what runs after graduation.
import type { CommandSpec, Plan } from './schema.js';

export type BauKind = 'daily-health-check' | 'weekly-performance-review' | 'monthly-capacity-planning' | 'quarterly-optimization';

/** One BAU run, started by a Temporal Schedule (the input of the `bauTask` workflow). */
export interface BauInput {
  kind: BauKind;
  deploymentId: string;
  service: string;
  channels: Plan['channels'];
  healthCheck: CommandSpec | null;
}
