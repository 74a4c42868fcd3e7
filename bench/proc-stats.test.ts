import { describe, expect, it } from "vitest";
import { parseProcStat, parseStatusKb, parseTimeReport, TIME_FORMAT, treeCpuSeconds } from "./proc-stats.ts";

// A real /proc/<pid>/stat line, with a command name holding a space and parentheses.
const STAT =
  "4242 (tokio (rt) w) S 4200 4242 4200 0 -1 4194560 1500 0 0 0 123 45 67 8 20 0 12 0 9000 100000000 20000 " +
  "18446744073709551615 1 1 0 0 0 0 0 4096 0 0 0 0 17 1 0 0 0 0 0";

describe("parseProcStat", () => {
  it("reads the parent and the CPU ticks after the last parenthesis", () => {
    const stat = parseProcStat(STAT);
    expect(stat).toMatchObject({ pid: 4242, comm: "tokio (rt) w", ppid: 4200 });
    expect(stat.userSeconds).toBeCloseTo(1.23);
    expect(stat.systemSeconds).toBeCloseTo(0.45);
    expect(stat.childrenUserSeconds).toBeCloseTo(0.67);
    expect(stat.childrenSystemSeconds).toBeCloseTo(0.08);
  });

  it("refuses a line without a command name", () => {
    expect(() => parseProcStat("garbage")).toThrow(/Cannot parse \/proc stat line/);
  });
});

describe("treeCpuSeconds", () => {
  it("adds the root, its reaped children and its live children", () => {
    const root = parseProcStat(STAT);
    const child = { ...root, pid: 5000, ppid: 4242, userSeconds: 2, systemSeconds: 0.5 };
    expect(treeCpuSeconds(root, [child])).toBeCloseTo(1.23 + 0.45 + 0.67 + 0.08 + 2.5);
  });
});

describe("parseStatusKb", () => {
  it("reads kB lines in bytes, null when absent", () => {
    const status = "Name:\tdeno\nVmPeak:\t  999 kB\nVmHWM:\t   81234 kB\nVmRSS:\t 70000 kB\n";
    expect(parseStatusKb(status, "VmHWM")).toBe(81234 * 1024);
    expect(parseStatusKb(status, "VmSwap")).toBeNull();
  });
});

describe("parseTimeReport", () => {
  it("reads the line /usr/bin/time writes with the benchmark's format", () => {
    expect(TIME_FORMAT.startsWith("bench-time ")).toBe(true);
    const report = parseTimeReport(
      "Command exited with non-zero status 1\nbench-time 4.91 1.52 0.31 80123\n",
    );
    expect(report).toEqual({
      wallSeconds: 4.91,
      userSeconds: 1.52,
      systemSeconds: 0.31,
      maxRssBytes: 80123 * 1024,
    });
  });

  it("explains a missing or malformed report", () => {
    expect(() => parseTimeReport("")).toThrow(/no "bench-time" line/);
    expect(() => parseTimeReport("bench-time 1 2 x 4")).toThrow(/malformed line/);
  });
});
