/**
 * CPU time, so a slower box shows for what it is beside a ratio: this Node process's
 * (process.cpuUsage) and another process's, read from /proc/<pid>/stat (DynamoDB Local's JVM).
 */
import { readFileSync } from 'node:fs';

// Linux reports utime and stime in clock ticks: USER_HZ is 100 on every mainstream kernel build.
const TICK_MS = 10;

/** ms of CPU (user + system) a process has used so far; undefined where /proc does not exist. */
export function processCpuMs(pid: number | undefined): number | undefined {
  if (pid === undefined) return undefined;
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // Fields after the command name (which may hold spaces): state is field 3, utime 14, stime 15.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(fields[11]) + Number(fields[12])) * TICK_MS;
  } catch {
    return undefined;
  }
}

/** Starts a CPU clock for Node and, where given, another process; the returned function reads both since. */
export function cpuClock(pid?: number): () => { nodeMs: number; otherMs?: number } {
  const node = process.cpuUsage();
  const other = processCpuMs(pid);
  return () => {
    const used = process.cpuUsage(node);
    const now = processCpuMs(pid);
    return {
      nodeMs: (used.user + used.system) / 1000,
      ...(other !== undefined && now !== undefined ? { otherMs: now - other } : {}),
    };
  };
}
