// Everything the bench starts is stopped: on success, on failure, and on Ctrl-C. Each resource
// registers its stop function; a signal runs them all, then kills any process still descended
// from this one (a server the SDK spawned, a Prometheus) by its pid. If the bench is killed
// outright (SIGKILL runs no handler), a watchdog stops the processes it had started.
import { spawn } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

type Stop = () => Promise<unknown>;

const pending = new Map<number, { name: string; stop: Stop }>();
let nextId = 1;
let label = 'bench';

/** Names the process in cleanup messages: the bench, or the demo that uses the same cleanup. */
export function nameCleanup(name: string): void {
  label = name;
}

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
        console.error(`${label}: stopping ${name} took over ${timeoutMs} ms; moving on`);
        resolve();
      }, timeoutMs);
    });
    await Promise.race([stop().catch((err: unknown) => console.error(`${label}: stopping ${name}: ${String(err)}`)), timeout]);
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

/** The process's start time in clock ticks since boot: with the pid, it names one process. */
function startTimeOf(pid: number): string {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2).split(' ')[19] ?? '';
  } catch {
    return '';
  }
}

function commandOf(pid: number): string {
  try {
    return readFileSync(`/proc/${pid}/comm`, 'utf8').trim();
  } catch {
    return '';
  }
}

let watchdogPid: number | undefined;

/** Pids of every live process descended from this one, but tsx's own esbuild service and the watchdog. */
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
      if (child === watchdogPid) continue;
      found.push(child);
      queue.push(child);
    }
  }
  return found.filter((pid) => commandOf(pid) !== 'esbuild');
}

// Waits for the bench to die, then stops every process on the list that is still the same process
// (pid and start time), TERM first, KILL 5 s later. After a normal exit the list is empty.
const WATCHDOG = `
bench=$1; list=$2
while kill -0 "$bench" 2>/dev/null; do sleep 1; done
for signal in TERM KILL; do
  while read -r pid start; do
    [ -n "$pid" ] && [ -r "/proc/$pid/stat" ] || continue
    now=$(sed 's/^.*) //' "/proc/$pid/stat" | cut -d' ' -f20)
    [ "$now" = "$start" ] && kill -$signal "$pid" 2>/dev/null
  done < "$list"
  [ $signal = TERM ] && [ -s "$list" ] && sleep 5
done
rm -rf "$(dirname "$list")"
`;

/** Starts the watchdog and keeps its list of this process's descendants current. */
export function startWatchdog(): void {
  const list = join(mkdtempSync(join(tmpdir(), 'deploywatch-bench-watchdog-')), 'pids');
  writeFileSync(list, '');
  const dog = spawn('sh', ['-c', WATCHDOG, 'bench-watchdog', String(process.pid), list], { detached: true, stdio: 'ignore' });
  dog.unref();
  watchdogPid = dog.pid;
  const update = (): void => writeFileSync(list, descendants().map((pid) => `${pid} ${startTimeOf(pid)}\n`).join(''));
  setInterval(update, 1000).unref();
  process.on('exit', () => writeFileSync(list, ''));
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
      console.error(`\n${label}: ${signal}, stopping everything it started`);
      void cleanupAll(10_000).finally(() => {
        killDescendants();
        process.exit(code);
      });
    });
  }
}
