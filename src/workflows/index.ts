export { deploymentMonitor } from './deployment-monitor.js';
export { incidentEscalation } from './escalation.js';
