// One durable monitor per deployment (workflow type `deploymentMonitor`): walks the plan's
// checkpoints on an absolute clock, opens an incident (with its own escalation workflow) for what
// the checks find, and rolls back on P0. Each concern has its file in this folder.
export { deploymentMonitor } from './checkpoint-loop.js';
