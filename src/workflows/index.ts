export { deploymentMonitor } from './deployment-monitor.js';
