export { deploymentMonitor } from './deployment-monitor.js';
export { incidentEscalation } from './escalation.js';
export { bauTask } from './bau.js';
