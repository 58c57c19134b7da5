// The bridge's configuration from the environment, checked before anything starts: a bridge that
// cannot authenticate Alertmanager must not start at all.
import { DEFAULT_MAX_BODY_BYTES } from './server.js';

export const DEFAULT_BRIDGE_PORT = 9095;
export const DEFAULT_BRIDGE_HOST = '127.0.0.1';
/** Shorter tokens are guessable; Alertmanager sends whatever its credentials file holds. */
const MIN_TOKEN_LENGTH = 16;

export interface BridgeConfig {
  token: string;
  port: number;
  host: string;
  maxBodyBytes: number;
}

/** The environment does not describe a bridge that can start; the message says what to set. */
export class BridgeConfigError extends Error {
  override readonly name = 'BridgeConfigError';
}

function integer(env: NodeJS.ProcessEnv, name: string, fallback: number, min: number, max: number): number {
  const raw = env[name]?.trim();
  if (raw === undefined || raw === '') return fallback;
  const value = Number(raw);
  if (!Number.isInteger(value) || value < min || value > max) {
    throw new BridgeConfigError(`${name}="${raw}" must be a whole number from ${min} to ${max}`);
  }
  return value;
}

export function bridgeConfigFromEnv(env: NodeJS.ProcessEnv = process.env): BridgeConfig {
  const token = env.DEPLOYWATCH_BRIDGE_TOKEN?.trim() ?? '';
  if (token === '') {
    throw new BridgeConfigError(
      'DEPLOYWATCH_BRIDGE_TOKEN is not set: set it to the bearer token Alertmanager sends (the contents of its http_config.authorization credentials_file)',
    );
  }
  if (token.length < MIN_TOKEN_LENGTH || /\s/.test(token)) {
    throw new BridgeConfigError(`DEPLOYWATCH_BRIDGE_TOKEN must be at least ${MIN_TOKEN_LENGTH} characters with no spaces (try: openssl rand -hex 32)`);
  }
  return {
    token,
    port: integer(env, 'DEPLOYWATCH_BRIDGE_PORT', DEFAULT_BRIDGE_PORT, 1, 65535),
    host: env.DEPLOYWATCH_BRIDGE_HOST?.trim() || DEFAULT_BRIDGE_HOST,
    maxBodyBytes: integer(env, 'DEPLOYWATCH_BRIDGE_MAX_BODY_BYTES', DEFAULT_MAX_BODY_BYTES, 1024, 64 * 1024 * 1024),
  };
}
