// The report's incidents: durations, time to detect, how each was resolved, its runbook.
import type { IncidentSummary } from '../plan/records.js';
import { formatMinutes, minutesBetween } from './format.js';
import type { ReportIncident, ReportInput } from './model.js';

function runbookFor(alert: string, input: ReportInput): string | null {
  const anchor = input.alerts?.find((a) => a.name === alert)?.runbook;
  if (!anchor || !input.runbookBaseUrl) return null;
  return `${input.runbookBaseUrl}#${anchor}`;
}

function resolutionOf(i: IncidentSummary): string {
  if (i.status !== 'resolved') return `Unresolved (${i.status}${i.acknowledgedBy ? `, acknowledged by ${i.acknowledgedBy}` : ''}).`;
  const note = [...i.timeline].reverse().find((t) => t.event === 'resolved')?.detail;
  const after = i.resolvedAt ? ` after ${formatMinutes(minutesBetween(i.startedAt, i.resolvedAt))}` : '';
  if (i.resolvedBy === 'ended-before-detection') return `Had already ended when it was found${after}: recorded, nobody paged.`;
  if (i.resolvedBy === 'auto') return `Resolved automatically${after}: ${note?.replace(/^auto: /, '') ?? 'the condition cleared'}.`;
  return `Resolved by ${i.resolvedBy ?? 'unknown'}${after}${note ? `: ${note.replace(/^[^:]+: /, '')}` : ''}.`;
}

export function incidentsOf(input: ReportInput, windowTo: string): ReportIncident[] {
  return [...input.incidents]
    .sort((a, b) => a.startedAt.localeCompare(b.startedAt) || a.number - b.number)
    .map((i) => ({
      number: i.number,
      alert: i.alert,
      priority: i.priority,
      status: i.status,
      summary: i.summary,
      startedAt: i.startedAt,
      detectedAt: i.detectedAt,
      resolvedAt: i.resolvedAt,
      resolvedBy: i.resolvedBy,
      acknowledgedBy: i.acknowledgedBy,
      escalatedTo: [...i.escalatedTo],
      durationMinutes: Math.max(0, minutesBetween(i.startedAt, i.resolvedAt ?? windowTo)),
      minutesToDetect: Math.max(0, minutesBetween(i.startedAt, i.detectedAt)),
      resolution: resolutionOf(i),
      runbook: runbookFor(i.alert, input),
      timeline: [...i.timeline],
    }));
}
