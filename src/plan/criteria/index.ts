// The success criteria of a window: judged from evidence, one result per criterion.
export { CRITERION_IDS, type CriterionId, type CriterionResult } from './result.js';
export { criticalStepSeconds, MIN_COVERAGE, sloKey, windowGrid, type CriteriaEvidence, type SloGroup, type TestRun, type WindowData, type WindowGrid } from './evidence.js';
export { convertUnit, describeValue } from './units.js';
export { trend, type Trend } from './trend.js';
export { percentWorse, windowAverages, type WindowAverage } from './baseline-criteria.js';
export { judgeCriteria } from './judge-criteria.js';
