// CPU accounting from /proc: what the bench's own processes used, and what the rest of this shared
// machine used meanwhile (other users' work competes for the same cores and skews every figure).
import { readFileSync } from 'node:fs';
import { descendants } from './cleanup.js';

/** Clock ticks per second on Linux (getconf CLK_TCK). */
export const TICKS_PER_SECOND = 100;

/** CPU ticks of a process and of its children it has reaped (utime, stime, cutime, cstime). */
export function ticksOf(pid: number): number {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // Fields 14-17 of stat are 12-15 after "(comm) ": comm may hold spaces and parentheses.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return [11, 12, 13, 14].reduce((sum, i) => sum + Number(fields[i]), 0);
  } catch {
    return 0;
  }
}

/** Busy ticks of the whole machine, all CPUs (/proc/stat: user nice system idle iowait irq softirq steal). */
export function machineBusyTicks(): number {
  const fields = readFileSync('/proc/stat', 'utf8').split('\n')[0]!.trim().split(/\s+/).slice(1).map(Number);
  return fields[0]! + fields[1]! + fields[2]! + fields[5]! + fields[6]! + fields[7]!;
}

export interface CpuShare {
  /** Cores used by this process and everything it started. */
  benchCores: number;
  /** Cores the rest of the machine used meanwhile. */
  otherCores: number;
}

const round2 = (x: number): number => Math.round(x * 100) / 100;

/** Starts measuring; call the result to stop. Processes must outlive the measurement to be counted. */
export function cpuMeter(): () => CpuShare {
  const tree = (): Map<number, number> => new Map([process.pid, ...descendants()].map((pid) => [pid, ticksOf(pid)]));
  const startedAt = Date.now();
  const machineFrom = machineBusyTicks();
  const from = tree();
  return () => {
    const seconds = (Date.now() - startedAt) / 1000;
    const to = tree();
    const bench = [...to].reduce((sum, [pid, ticks]) => sum + ticks - (from.get(pid) ?? 0), 0);
    const machine = machineBusyTicks() - machineFrom;
    return {
      benchCores: round2(bench / TICKS_PER_SECOND / seconds),
      otherCores: round2(Math.max(0, machine - bench) / TICKS_PER_SECOND / seconds),
    };
  };
}
