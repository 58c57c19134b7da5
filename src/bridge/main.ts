// `npm run bridge`: the alert bridge as its own process, or beside the worker
// (DEPLOYWATCH_BRIDGE_EMBED=1, see withEmbeddedBridge). Configuration comes from the environment
// and is checked before anything starts.
import { Client, Connection } from '@temporalio/client';
import type { Logger } from 'pino';
import { createLogger } from '../logger.js';
import { connectConfig } from '../temporal/connection.js';
import { bridgeConfigFromEnv } from './config.js';
import { createBridge, type Bridge } from './server.js';

export interface RunningBridge {
  bridge: Bridge;
  url: string;
  /** Stops listening, then closes the bridge's own Temporal connection. */
  stop(): Promise<void>;
}

/**
 * Starts a bridge from the environment. The Temporal connection is lazy: a bridge that starts while
 * Temporal is down answers 503 (Alertmanager retries) until Temporal is back.
 */
export async function startBridge(logger: Logger, env: NodeJS.ProcessEnv = process.env): Promise<RunningBridge> {
  const config = bridgeConfigFromEnv(env);
  const { namespace, options, address } = connectConfig();
  const connection = Connection.lazy(options);
  const client = new Client({ connection, namespace });
  const bridge = createBridge({ client, logger, token: config.token, maxBodyBytes: config.maxBodyBytes });
  try {
    const { url } = await bridge.listen(config.port, config.host);
    logger.info({ url, temporal: address, namespace }, 'alert bridge listening');
    return {
      bridge,
      url,
      stop: async () => {
        await bridge.close();
        await connection.close();
      },
    };
  } catch (err) {
    await connection.close();
    throw err;
  }
}

/**
 * Runs `run` (the worker) with a bridge beside it when DEPLOYWATCH_BRIDGE_EMBED=1, stopping the
 * bridge when `run` ends. In src/worker.ts: `await withEmbeddedBridge(logger, () => worker.run());`
 */
export async function withEmbeddedBridge<T>(logger: Logger, run: () => Promise<T>, env: NodeJS.ProcessEnv = process.env): Promise<T> {
  if (env.DEPLOYWATCH_BRIDGE_EMBED !== '1') return await run();
  const running = await startBridge(logger.child({ component: 'bridge' }), env);
  try {
    return await run();
  } finally {
    await running.stop();
  }
}

async function main(): Promise<void> {
  const logger = createLogger('deploywatch-bridge');
  const running = await startBridge(logger);
  await new Promise<void>((resolve) => {
    process.once('SIGINT', resolve);
    process.once('SIGTERM', resolve);
  });
  logger.info('alert bridge stopping');
  await running.stop();
}

if (require.main === module) {
  main().catch((err: unknown) => {
    console.error(`deploywatch bridge: ${(err as Error).message}`);
    process.exit(1);
  });
}
