// The handoff report: a pure model and its renderers (Markdown, one self-contained HTML page, JSON, Slack).
export {
  BAU_SCHEDULE,
  type ActionItem,
  type ArchiveOutcome,
  type Baseline,
  type BauItem,
  type HandoffReport,
  type KnownIssue,
  type ReportChart,
  type ReportCriterion,
  type ReportIncident,
  type ReportInput,
  type ReportReview,
  type ReportSeries,
  type ReportSignOff,
  type SeriesLine,
  type WindowJudgement,
} from './model.js';
export { buildReport, reportSpan } from './build-report.js';
export { renderHtml } from './html.js';
export { renderJson } from './json.js';
export { renderMarkdown } from './markdown.js';
export { renderSummary } from './summary.js';
