// What a checkpoint reports back to the monitor. Plain data: it is stored in workflow history,
// so it stays small (output tails, counts), never whole logs.
import type { Priority } from './schema.js';

export type Health = 'healthy' | 'degraded' | 'critical' | 'blind';

export interface TestSummary {
  passed: number;
  failed: number;
  skipped: number;
  total: number;
  /** Percent of executed (non-skipped) tests that passed; null when nothing ran. */
  passRate: number | null;
  failing: string[];
}

export interface CommandResult {
  id: string;
  ok: boolean;
  exitCode: number | null;
  /** Set when the command could not run or was killed (timeout, missing binary). */
  error?: string;
  durationMs: number;
  outputTail: string;
  tests?: TestSummary;
}

export interface Finding {
  alert: string;
  priority: Priority;
  summary: string;
  startedAt?: string;
  endedAt?: string | null;
  worst?: number | null;
}

export interface CheckpointResult {
  commands: CommandResult[];
  findings: Finding[];
  health: Health;
}
