// Prometheus-style durations ("90s", "5m", "1h30m"): the plan and Prometheus rules speak the same units.
const UNIT_SECONDS: Record<string, number> = { ms: 0.001, s: 1, m: 60, h: 3600, d: 86400, w: 604800 };
const DURATION_RE = /^(\d+(?:ms|s|m|h|d|w))+$/;
const PART_RE = /(\d+)(ms|s|m|h|d|w)/g;

export function isDuration(text: string): boolean {
  return DURATION_RE.test(text);
}

export function parseDurationSeconds(text: string): number {
  if (!isDuration(text)) {
    throw new Error(`"${text}" is not a duration such as 30s, 5m or 1h30m`);
  }
  let total = 0;
  for (const [, count, unit] of text.matchAll(PART_RE)) {
    total += Number(count) * UNIT_SECONDS[unit as string]!;
  }
  return total;
}

export const DAY_SECONDS = 86_400;

/** An epoch-milliseconds time as ISO-8601. */
export const iso = (ms: number): string => new Date(ms).toISOString();

export function formatDuration(seconds: number): string {
  if (seconds % 3600 === 0) return `${seconds / 3600}h`;
  if (seconds % 60 === 0) return `${seconds / 60}m`;
  return `${seconds}s`;
}
