export { deploymentMonitor } from './deployment-monitor/index.js';
export { incidentEscalation } from './escalation.js';
export { bauTask } from './bau.js';
