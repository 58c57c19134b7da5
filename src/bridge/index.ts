export { createBridge, DEFAULT_MAX_BODY_BYTES, type Bridge, type BridgeAnswer, type BridgeOptions } from './server.js';
export { bridgeConfigFromEnv, BridgeConfigError, DEFAULT_BRIDGE_HOST, DEFAULT_BRIDGE_PORT, type BridgeConfig } from './config.js';
export { startBridge, withEmbeddedBridge, type RunningBridge } from './main.js';
export { toBridgedAlert, webhookPayloadSchema, type WebhookAlert, type WebhookPayload } from './alertmanager-payload.js';
