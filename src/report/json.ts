// The handoff report as JSON: the model itself, for tools (every time an ISO-8601 string).
import type { HandoffReport } from './model.js';

export function renderJson(report: HandoffReport): string {
  return `${JSON.stringify(report, null, 2)}\n`;
}
