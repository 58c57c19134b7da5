// The report's checkpoint table and health timeline, from the monitor's checkpoint records.
import type { CheckpointRecord, CheckpointStatus } from '../plan/records.js';
import type { HandoffReport, HealthSpan } from './model.js';

function checkpointNotes(r: CheckpointRecord): string[] {
  const result = r.result;
  if (!result) return [];
  return [
    ...result.findings.map((f) => `${f.priority} ${f.alert}: ${f.summary}`),
    ...result.assertions.filter((a) => !a.passed).map((a) => `${a.assert}: ${a.detail}`),
    ...result.commands.filter((c) => !c.ok).map((c) => `${c.id} failed${c.error ? `: ${c.error}` : c.exitCode !== null ? ` (exit ${c.exitCode})` : ''}`),
    ...(result.inconclusive.length ? [`inconclusive: ${result.inconclusive.join(', ')}`] : []),
  ];
}

export function checkpointsOf(records: readonly CheckpointRecord[]): HandoffReport['checkpoints'] {
  const count = (s: CheckpointStatus): number => records.filter((r) => r.status === s).length;
  return {
    planned: records.length,
    run: records.filter((r) => r.status !== 'pending').length,
    passed: count('passed'),
    failed: count('failed'),
    inconclusive: count('inconclusive'),
    pending: count('pending'),
    list: records.map((r) => ({
      index: r.index,
      label: r.label,
      title: r.title,
      phaseId: r.phaseId,
      at: r.evaluationTime,
      status: r.status,
      health: r.result?.health ?? null,
      notes: checkpointNotes(r),
    })),
  };
}

/** Each checkpoint's health covers the interval since the previous one; equal neighbours merge. */
export function healthTimeline(records: readonly CheckpointRecord[], from: string): HealthSpan[] {
  const spans: HealthSpan[] = [];
  let previous = from;
  for (const r of records) {
    if (!r.result) continue;
    const health = r.result.health;
    const last = spans[spans.length - 1];
    if (last && last.health === health) {
      last.to = r.evaluationTime;
      last.checkpoints++;
    } else {
      spans.push({ from: previous, to: r.evaluationTime, health, checkpoints: 1 });
    }
    previous = r.evaluationTime;
  }
  return spans;
}
