// The checkpoint judge: what a checkpoint's observation means against the plan.
export { emptyHistory, type JudgeHistory, type RunSummary, type SuiteRecord, type TestOutcomes } from './history.js';
export { HEALTH_CHECK_COMMAND, MONITOR_FINDINGS, type JudgeInput } from './judgement.js';
export { judgeCheckpoint } from './judge-checkpoint.js';
