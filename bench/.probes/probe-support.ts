/**
 * What every Deno probe of the benchmark shares: reading its flags, timing a section of work (wall clock
 * and the process's own CPU seconds) and reporting peak RSS, then printing one JSON line for `bench/run.ts`.
 */
import process from "node:process";
import { createGraphClient } from "../../supabase/functions/_shared/graph/client.ts";

export interface Section {
  seconds: number;
  cpuSeconds: number;
}

/** Starts a section; calling the result ends it. CPU is user + system time of this whole process. */
export function startSection(): () => Section {
  const wall = performance.now();
  const cpu = process.cpuUsage();
  return () => {
    const used = process.cpuUsage(cpu);
    return { seconds: (performance.now() - wall) / 1000, cpuSeconds: (used.user + used.system) / 1e6 };
  };
}

/** Peak resident set size of this process so far (VmHWM), in bytes. */
export function peakRssBytes(): number {
  const status = Deno.readTextFileSync("/proc/self/status");
  const match = /^VmHWM:\s+(\d+)\s+kB/m.exec(status);
  if (!match) throw new Error("Cannot read the peak RSS: /proc/self/status has no VmHWM line");
  return Number(match[1]) * 1024;
}

/**
 * CPU seconds of this process so far by thread name (/proc/self/task): the JavaScript thread is "deno";
 * "V8 DefaultWorke(r)" threads run garbage collection and compilation; "tokio-runtime-w(orker)" threads I/O.
 */
export function threadCpuSeconds(): Record<string, number> {
  const threads: Record<string, number> = {};
  for (const entry of Deno.readDirSync("/proc/self/task")) {
    let line: string;
    try {
      line = Deno.readTextFileSync(`/proc/self/task/${entry.name}/stat`);
    } catch {
      continue; // the thread ended meanwhile
    }
    const name = line.slice(line.indexOf("(") + 1, line.lastIndexOf(")"));
    // Fields after the name start at field 3; utime and stime are fields 14 and 15, in 1/100 s.
    const fields = line.slice(line.lastIndexOf(")") + 2).split(" ");
    const seconds = (Number(fields[11]) + Number(fields[12])) / 100;
    threads[name] = Math.round(((threads[name] ?? 0) + seconds) * 100) / 100;
  }
  return threads;
}

/** A required string flag of `values` (from node:util parseArgs). */
export function required(values: Record<string, unknown>, name: string): string {
  const value = values[name];
  if (typeof value !== "string" || value === "") {
    throw new Error(`Cannot run the probe: the flag --${name} is required`);
  }
  return value;
}

/** Prints the probe's result as the last line of stdout. */
export function report(result: Record<string, unknown>): void {
  console.log(JSON.stringify({ ...result, peakRssBytes: peakRssBytes() }));
}

/** The function's own Graph client, pointed at the Graph emulator with the AZURE_* settings it was given. */
export function emulatorGraphClient(graphUrl: string) {
  return createGraphClient({
    tenantId: Deno.env.get("AZURE_TENANT_ID") ?? "",
    clientId: Deno.env.get("AZURE_CLIENT_ID") ?? "",
    clientSecret: Deno.env.get("AZURE_CLIENT_SECRET") ?? "",
    authorityHost: graphUrl,
    graphBaseUrl: graphUrl,
    uploadOrigins: (Deno.env.get("GRAPH_UPLOAD_ORIGINS") ?? "").split(",").filter(Boolean),
  });
}
