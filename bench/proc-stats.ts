/**
 * CPU and memory figures of processes, read the way the kernel reports them: `/proc/<pid>/stat`
 * (CPU ticks of a process and of its waited-for children), `/proc/<pid>/status` (peak RSS, VmHWM) and
 * the output of `/usr/bin/time -f`. The parsers are pure; the readers only add the file access.
 */
import { readdir, readFile } from "node:fs/promises";

/** Clock ticks per second of /proc/<pid>/stat (USER_HZ, 100 on every Linux architecture in use). */
export const CLOCK_TICKS = 100;

export interface ProcStat {
  pid: number;
  comm: string;
  ppid: number;
  /** CPU seconds of the process itself. */
  userSeconds: number;
  systemSeconds: number;
  /** CPU seconds of its children that exited and were waited for. */
  childrenUserSeconds: number;
  childrenSystemSeconds: number;
}

/**
 * Parses one `/proc/<pid>/stat` line. The command name (field 2) is in parentheses and may itself
 * contain spaces and parentheses, so the fields are counted from the last ")".
 */
export function parseProcStat(line: string): ProcStat {
  const open = line.indexOf("(");
  const close = line.lastIndexOf(")");
  if (open < 0 || close < open) throw new Error(`Cannot parse /proc stat line: no command name in "${line}"`);
  const rest = line
    .slice(close + 1)
    .trim()
    .split(/\s+/);
  // rest[0] is field 3 (state); utime is field 14, so rest[11].
  const field = (n: number) => {
    const value = Number(rest[n - 3]);
    if (!Number.isFinite(value))
      throw new Error(`Cannot parse /proc stat line: field ${n} missing in "${line}"`);
    return value;
  };
  return {
    pid: Number(line.slice(0, open).trim()),
    comm: line.slice(open + 1, close),
    ppid: field(4),
    userSeconds: field(14) / CLOCK_TICKS,
    systemSeconds: field(15) / CLOCK_TICKS,
    childrenUserSeconds: field(16) / CLOCK_TICKS,
    childrenSystemSeconds: field(17) / CLOCK_TICKS,
  };
}

/** Reads a `kB` line such as `VmHWM:   81234 kB` from `/proc/<pid>/status`, in bytes; null when absent. */
export function parseStatusKb(status: string, key: string): number | null {
  const match = new RegExp(`^${key}:\\s+(\\d+)\\s+kB`, "m").exec(status);
  return match ? Number(match[1]) * 1024 : null;
}

export interface TimeReport {
  wallSeconds: number;
  userSeconds: number;
  systemSeconds: number;
  /** Largest resident set of the process (or of its largest child), bytes. */
  maxRssBytes: number;
}

/** The `/usr/bin/time` format that {@link parseTimeReport} reads. */
export const TIME_FORMAT = "bench-time %e %U %S %M";

/** Parses the line `/usr/bin/time -f "${TIME_FORMAT}"` wrote (other lines, e.g. exit notes, are skipped). */
export function parseTimeReport(output: string): TimeReport {
  const line = output.split("\n").find((l) => l.startsWith("bench-time "));
  if (!line)
    throw new Error(`Cannot read the /usr/bin/time report: no "bench-time" line in "${output.trim()}"`);
  const [wall, user, system, rssKb] = line.split(/\s+/).slice(1).map(Number);
  if (![wall, user, system, rssKb].every((v) => Number.isFinite(v))) {
    throw new Error(`Cannot read the /usr/bin/time report: malformed line "${line}"`);
  }
  return {
    wallSeconds: wall as number,
    userSeconds: user as number,
    systemSeconds: system as number,
    maxRssBytes: (rssKb as number) * 1024,
  };
}

/**
 * CPU seconds used by a process tree whose root reaps its children (the Postgres postmaster): the root's
 * own and reaped children's time, plus the live children's time. The difference of two readings is the
 * CPU spent in between, including by backends that started and exited meanwhile.
 */
export function treeCpuSeconds(root: ProcStat, liveChildren: readonly ProcStat[]): number {
  let total = root.userSeconds + root.systemSeconds + root.childrenUserSeconds + root.childrenSystemSeconds;
  for (const child of liveChildren) total += child.userSeconds + child.systemSeconds;
  return total;
}

/** Reads {@link treeCpuSeconds} for a live process and its direct children. */
export async function readTreeCpuSeconds(pid: number): Promise<number> {
  const root = parseProcStat(await readFile(`/proc/${pid}/stat`, "utf8"));
  const children: ProcStat[] = [];
  for (const entry of await readdir("/proc")) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = parseProcStat(await readFile(`/proc/${entry}/stat`, "utf8"));
      if (stat.ppid === pid) children.push(stat);
    } catch {
      // The process ended between the listing and the read.
    }
  }
  return treeCpuSeconds(root, children);
}

/**
 * {@link readTreeCpuSeconds} once the tree has settled: a backend that just exited may have left the list of
 * children before the postmaster reaped it (its time then appears in neither place for a moment), so the
 * reading is repeated until two in a row agree, for at most `timeoutMs`.
 */
export async function readSettledTreeCpuSeconds(
  pid: number,
  timeoutMs = 1000,
  stepMs = 100,
): Promise<number> {
  const deadline = Date.now() + timeoutMs;
  let previous = await readTreeCpuSeconds(pid);
  while (Date.now() < deadline) {
    await new Promise((resolve) => setTimeout(resolve, stepMs));
    const current = await readTreeCpuSeconds(pid);
    if (Math.abs(current - previous) < 0.005) return current;
    previous = current;
  }
  return previous;
}
