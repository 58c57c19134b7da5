// Connection settings from Temporal's standard environment config (TEMPORAL_ADDRESS,
// TEMPORAL_NAMESPACE, TEMPORAL_API_KEY, TLS, or a profile in temporal.toml).
import { loadClientConnectConfig } from '@temporalio/envconfig';
import { Client, Connection } from '@temporalio/client';
import { NativeConnection } from '@temporalio/worker';

export const DEFAULT_ADDRESS = 'localhost:7233';

export function connectConfig(): { address: string; namespace: string; options: ReturnType<typeof loadClientConnectConfig>['connectionOptions'] } {
  const config = loadClientConnectConfig();
  const address = config.connectionOptions.address ?? DEFAULT_ADDRESS;
  return { address, namespace: config.namespace ?? 'default', options: { ...config.connectionOptions, address } };
}

export async function connectClient(): Promise<Client> {
  const { namespace, options } = connectConfig();
  const connection = await Connection.connect(options);
  return new Client({ connection, namespace });
}

export async function connectWorkerConnection(): Promise<{ connection: NativeConnection; namespace: string }> {
  const { namespace, options } = connectConfig();
  return { connection: await NativeConnection.connect(options), namespace };
}

/** The Web UI page of a workflow; TEMPORAL_UI_URL overrides the dev server's default. */
export function webUiLink(namespace: string, workflowId: string): string {
  const base = process.env.TEMPORAL_UI_URL ?? 'http://localhost:8233';
  return `${base}/namespaces/${encodeURIComponent(namespace)}/workflows/${encodeURIComponent(workflowId)}`;
}
