/**
 * Runs one measured command under `/usr/bin/time` (wall clock, user and system CPU, peak RSS as the
 * kernel accounts them) and returns its standard output, so a probe's own JSON line can be read too.
 */
import { spawn } from "node:child_process";
import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { parseTimeReport, TIME_FORMAT, type TimeReport } from "./proc-stats.ts";

export interface MeasureOptions {
  env?: NodeJS.ProcessEnv;
  cwd?: string;
  /** Called once the process started, with a function that closes its standard input. */
  onStart?: (closeStdin: () => void) => void;
}

export interface Measured {
  time: TimeReport;
  stdout: string;
  stderr: string;
}

/** Where `/usr/bin/time` lives; the benchmark checks it once at start. */
export const TIME_BINARY = "/usr/bin/time";

export async function measureProcess(
  command: string,
  args: readonly string[],
  options: MeasureOptions = {},
): Promise<Measured> {
  const dir = await mkdtemp(path.join(tmpdir(), "bench-time-"));
  const reportFile = path.join(dir, "time.txt");
  try {
    const { code, stdout, stderr } = await new Promise<{
      code: number | null;
      stdout: string;
      stderr: string;
    }>((resolve, reject) => {
      const child = spawn(TIME_BINARY, ["-f", TIME_FORMAT, "-o", reportFile, command, ...args], {
        env: options.env ?? process.env,
        cwd: options.cwd,
        stdio: [options.onStart ? "pipe" : "ignore", "pipe", "pipe"],
      });
      let out = "";
      let err = "";
      child.stdout?.on("data", (chunk: Buffer) => (out += chunk.toString()));
      // Keep only the tail of standard error: enough to explain a failure.
      child.stderr?.on("data", (chunk: Buffer) => (err = (err + chunk.toString()).slice(-8000)));
      child.once("error", reject);
      child.once("close", (exit) => resolve({ code: exit, stdout: out, stderr: err }));
      options.onStart?.(() => child.stdin?.end());
    });
    if (code !== 0) {
      const shown = [command, ...args].map((a) => (a.includes("://") ? "<url>" : a)).join(" ");
      throw new Error(
        `Cannot measure "${shown.slice(0, 300)}": it exited with code ${code}: ${stderr.trim().slice(-1500)}`,
      );
    }
    return { time: parseTimeReport(await readFile(reportFile, "utf8")), stdout, stderr };
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

/** The last line of a probe's standard output, parsed as JSON. */
export function probeResult<T>(stdout: string): T {
  const line = stdout.trim().split("\n").at(-1) ?? "";
  try {
    return JSON.parse(line) as T;
  } catch {
    throw new Error(`Cannot read the probe's result: its last line is not JSON: "${line.slice(0, 300)}"`);
  }
}
