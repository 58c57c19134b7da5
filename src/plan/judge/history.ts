// What the judge remembers between checkpoints: bounded, carried in workflow state across
// continue-as-new, so its shape is part of recorded histories.
import type { Finding, Health } from '../results.js';

/** What a JUnit command last showed, and whether a scheduled run of it has gone without results. */
export interface SuiteRecord {
  lastResultsAt: string | null;
  /** The first scheduled run since the last results that produced none; null while results come. */
  missedSince: string | null;
  missReason: string | null;
  lastPassRate: number | null;
  lastFailing: string[];
}

/** Pass/fail of one test across runs in the last 24 h: [epoch seconds, 1 when it failed]. */
export interface TestOutcomes {
  test: string;
  command: string;
  runs: Array<[number, 0 | 1]>;
}

export interface RunSummary {
  since: string | null;
  checkpoints: number;
  healthy: number;
  degraded: number;
  critical: number;
  blind: number;
  /** Distinct names of findings, first seen first (bounded). */
  alerts: string[];
  failedCommands: number;
}

/** What judging needs to remember between checkpoints (carried in workflow state, bounded). */
export interface JudgeHistory {
  /** Consecutive checkpoints that could not see everything (MonitoringBlind counts these). */
  inconclusiveStreak: number;
  blindSince: string | null;
  /** Service P1 alerts seen, with the last time each was seen, within manualTriggers.multipleP1WithinMinutes. */
  recentP1: Array<{ alert: string; at: string }>;
  /** The first JUnit results (the T+0 production tests): what later runs must not regress from. */
  testBaseline: { command: string; at: string; passRate: number | null; failing: string[] } | null;
  suites: Record<string, SuiteRecord>;
  /** Only tests that failed in the last 24 h, at most MAX_TRACKED_TESTS. */
  testOutcomes: TestOutcomes[];
  window: RunSummary;
  phase: RunSummary & { id: string | null };
}

export function emptySummary(): RunSummary {
  return { since: null, checkpoints: 0, healthy: 0, degraded: 0, critical: 0, blind: 0, alerts: [], failedCommands: 0 };
}

export function emptyHistory(): JudgeHistory {
  return {
    inconclusiveStreak: 0,
    blindSince: null,
    recentP1: [],
    testBaseline: null,
    suites: {},
    testOutcomes: [],
    window: emptySummary(),
    phase: { ...emptySummary(), id: null },
  };
}

export function copyHistory(h: JudgeHistory): JudgeHistory {
  return {
    ...h,
    recentP1: h.recentP1.map((p) => ({ ...p })),
    testBaseline: h.testBaseline ? { ...h.testBaseline, failing: [...h.testBaseline.failing] } : null,
    suites: Object.fromEntries(Object.entries(h.suites).map(([k, v]) => [k, { ...v, lastFailing: [...v.lastFailing] }])),
    testOutcomes: h.testOutcomes.map((t) => ({ ...t, runs: t.runs.map(([s, f]) => [s, f] as [number, 0 | 1]) })),
    window: { ...h.window, alerts: [...h.window.alerts] },
    phase: { ...h.phase, alerts: [...h.phase.alerts] },
  };
}

const MAX_SUMMARY_ALERTS = 15;

export function recordRun(summary: RunSummary, at: string, health: Health, findings: Finding[], failedCommands: number): void {
  summary.since ??= at;
  summary.checkpoints++;
  summary[health]++;
  summary.failedCommands += failedCommands;
  for (const f of findings) {
    if (!summary.alerts.includes(f.alert) && summary.alerts.length < MAX_SUMMARY_ALERTS) summary.alerts.push(f.alert);
  }
}
