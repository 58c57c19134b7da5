// The project-built Temporal dev server for the load benchmark, started here rather than through
// the SDK so the bench sets its SQLite pragmas and dynamic config, binds every port to loopback,
// and keeps the server's log (whose errors are evidence when it falls behind).
import { spawn } from 'node:child_process';
import { createWriteStream } from 'node:fs';
import { Client, Connection } from '@temporalio/client';
import { temporalCliPath } from '../src/temporal/binaries.js';
import { SEARCH_ATTRIBUTES } from '../src/workflows/search-attributes.js';
import { freePort } from '../test/support/prometheus.js';

const READY_TIMEOUT_MS = 60_000;
const STOP_TIMEOUT_MS = 15_000;

export interface DevServerOptions {
  /** SQLite file for the server's state. */
  dbFilename: string;
  /** Where the server's log goes (JSON lines). */
  logFile: string;
  /** `--sqlite-pragma` values, e.g. { journal_mode: 'WAL', synchronous: 'OFF' }. */
  sqlitePragmas?: Record<string, string>;
  /** `--dynamic-config-value` pairs (values are JSON). */
  dynamicConfig?: Record<string, unknown>;
}

export interface DevServer {
  address: string;
  metricsUrl: string;
  pid: number;
  client: Client;
  /** Log lines at WARN or above, counted by level and message. */
  problems(): Record<string, number>;
  stop(): Promise<void>;
}

function keywordFlag(key: (typeof SEARCH_ATTRIBUTES)[number]): string {
  // KEYWORD → Keyword, as `temporal server start-dev --search-attribute` spells the types.
  return `${key.name}=${key.type.charAt(0)}${key.type.slice(1).toLowerCase()}`;
}

export async function startDevServer(options: DevServerOptions): Promise<DevServer> {
  const [port, httpPort, metricsPort] = [await freePort(), await freePort(), await freePort()];
  const args = [
    'server', 'start-dev', '--headless',
    '--ip', '127.0.0.1', '--port', String(port), '--http-port', String(httpPort), '--metrics-port', String(metricsPort),
    '--db-filename', options.dbFilename,
    '--log-format', 'json', '--log-level', 'warn',
    ...SEARCH_ATTRIBUTES.flatMap((key) => ['--search-attribute', keywordFlag(key)]),
    ...Object.entries(options.sqlitePragmas ?? {}).flatMap(([k, v]) => ['--sqlite-pragma', `${k}=${v}`]),
    ...Object.entries(options.dynamicConfig ?? {}).flatMap(([k, v]) => ['--dynamic-config-value', `${k}=${JSON.stringify(v)}`]),
  ];
  const child = spawn(temporalCliPath(), args, { stdio: ['ignore', 'pipe', 'pipe'] });
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  const log = createWriteStream(options.logFile);
  const counts = new Map<string, number>();
  let partial = '';
  const onData = (chunk: Buffer): void => {
    log.write(chunk);
    const lines = (partial + chunk.toString('utf8')).split('\n');
    partial = lines.pop() ?? '';
    for (const line of lines) {
      try {
        const entry = JSON.parse(line) as { level?: string; msg?: string };
        if (entry.level && entry.msg) counts.set(`${entry.level} ${entry.msg}`, (counts.get(`${entry.level} ${entry.msg}`) ?? 0) + 1);
      } catch {
        // The start-up banner is not JSON.
      }
    }
  };
  child.stdout.on('data', onData);
  child.stderr.on('data', onData);

  let connection: Connection | undefined;
  const stop = async (): Promise<void> => {
    await connection?.close().catch(() => undefined);
    if (child.exitCode === null && child.signalCode === null) {
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), STOP_TIMEOUT_MS);
      await exited;
      clearTimeout(timer);
    }
    await new Promise<void>((resolve) => log.end(() => resolve()));
  };
  try {
    const address = `127.0.0.1:${port}`;
    const deadline = Date.now() + READY_TIMEOUT_MS;
    let exitCode: number | null | undefined;
    void exited.then((code) => (exitCode = code));
    for (;;) {
      if (exitCode !== undefined) throw new Error(`the dev server exited (code ${exitCode}) before it was ready; see ${options.logFile}`);
      try {
        connection ??= await Connection.connect({ address, connectTimeout: 1000 });
        await connection.workflowService.describeNamespace({ namespace: 'default' });
        break;
      } catch (err) {
        if (Date.now() > deadline) throw new Error(`the dev server was not ready within ${READY_TIMEOUT_MS} ms: ${String(err)}`);
        await new Promise((resolve) => setTimeout(resolve, 200));
      }
    }
    return {
      address,
      metricsUrl: `http://127.0.0.1:${metricsPort}/metrics`,
      pid: child.pid ?? -1,
      client: new Client({ connection, namespace: 'default' }),
      problems: () => Object.fromEntries([...counts].sort(([, a], [, b]) => b - a)),
      stop,
    };
  } catch (err) {
    await stop();
    throw err;
  }
}
