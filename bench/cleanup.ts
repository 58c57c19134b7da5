// Everything the bench starts is stopped: on success, on failure, and on Ctrl-C. Each resource
// registers its stop function; a signal runs them all, then kills any process still descended
// from this one (a server the SDK spawned, a Prometheus) by its pid.
import { readdirSync, readFileSync } from 'node:fs';

type Stop = () => Promise<unknown>;

const pending = new Map<number, { name: string; stop: Stop }>();
let nextId = 1;

/** Registers `stop`; the returned function runs it once (later calls and signals skip it). */
export function onCleanup(name: string, stop: Stop): () => Promise<void> {
  const id = nextId++;
  pending.set(id, { name, stop });
  return async () => {
    if (!pending.delete(id)) return;
    await stop();
  };
}

/** Runs every registered stop, newest first; each gets `timeoutMs`. */
export async function cleanupAll(timeoutMs = 20_000): Promise<void> {
  for (const [id, { name, stop }] of [...pending].reverse()) {
    pending.delete(id);
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<void>((resolve) => {
      timer = setTimeout(() => {
        console.error(`bench: stopping ${name} took over ${timeoutMs} ms; moving on`);
        resolve();
      }, timeoutMs);
    });
    await Promise.race([stop().catch((err: unknown) => console.error(`bench: stopping ${name}: ${String(err)}`)), timeout]);
    clearTimeout(timer);
  }
}

function parentOf(pid: number): number | undefined {
  try {
    // /proc/<pid>/stat: "pid (comm) state ppid ..."; comm may hold spaces and parentheses.
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
  } catch {
    return undefined;
  }
}

function commandOf(pid: number): string {
  try {
    return readFileSync(`/proc/${pid}/comm`, 'utf8').trim();
  } catch {
    return '';
  }
}

/** Pids of every live process descended from this one, but tsx's own esbuild service. */
export function descendants(root = process.pid): number[] {
  const children = new Map<number, number[]>();
  for (const entry of readdirSync('/proc')) {
    const pid = Number(entry);
    if (!Number.isInteger(pid)) continue;
    const ppid = parentOf(pid);
    if (ppid === undefined) continue;
    children.set(ppid, [...(children.get(ppid) ?? []), pid]);
  }
  const found: number[] = [];
  const queue = [root];
  while (queue.length > 0) {
    for (const child of children.get(queue.shift()!) ?? []) {
      found.push(child);
      queue.push(child);
    }
  }
  return found.filter((pid) => commandOf(pid) !== 'esbuild');
}

/** The backstop: SIGKILL whatever this process started and did not stop. Returns the pids. */
export function killDescendants(): number[] {
  const left = descendants();
  for (const pid of left) {
    try {
      process.kill(pid, 'SIGKILL');
    } catch {
      // Already gone.
    }
  }
  return left;
}

/** Ctrl-C / SIGTERM: stop everything, then exit 130 / 143. */
export function installSignalHandlers(): void {
  let stopping = false;
  for (const [signal, code] of [['SIGINT', 130], ['SIGTERM', 143]] as const) {
    process.on(signal, () => {
      if (stopping) return;
      stopping = true;
      console.error(`\nbench: ${signal}, stopping everything it started`);
      void cleanupAll(10_000).finally(() => {
        killDescendants();
        process.exit(code);
      });
    });
  }
}
