import { describe, expect, it } from "vitest";
import { summarizeCpuProfile, type CpuProfile } from "./cpu-profile.ts";

const frame = (functionName: string, url = "") => ({ functionName, url, lineNumber: 0 });

// root → pump (export.ts) → push (copy-rows.ts); root → gzip caller (zlib.js) → native write; idle; GC.
const PROFILE: CpuProfile = {
  nodes: [
    { id: 1, callFrame: frame("(root)"), children: [2, 4, 6, 7] },
    {
      id: 2,
      callFrame: frame("pump", "file:///app/supabase/functions/_shared/backup/export/export.ts"),
      children: [3],
    },
    { id: 3, callFrame: frame("push", "file:///app/supabase/functions/_shared/backup/export/copy-rows.ts") },
    { id: 4, callFrame: frame("processChunk", "ext:deno_node/internal/zlib.js"), children: [5] },
    { id: 5, callFrame: frame("write") },
    { id: 6, callFrame: frame("(idle)") },
    { id: 7, callFrame: frame("(garbage collector)") },
  ],
  samples: [3, 3, 5, 5, 5, 6, 6, 6, 6, 7, 2],
  timeDeltas: [1000, 1000, 1000, 1000, 1000, 1000, 1000, 1000, 1000, 1000, 1000],
};

describe("summarizeCpuProfile", () => {
  it("sums self time and leaves idle time out of the busy share", () => {
    const summary = summarizeCpuProfile(PROFILE);
    expect(summary.totalMs).toBe(11);
    expect(summary.busyMs).toBe(7);
    expect(summary.functions[0]).toMatchObject({ name: "write", ms: 3 });
    expect(summary.functions.find((f) => f.name.startsWith("push"))?.share).toBeCloseTo(2 / 7);
  });

  it("puts native functions in the area of their JavaScript caller", () => {
    const areas = Object.fromEntries(summarizeCpuProfile(PROFILE).areas.map((a) => [a.name, a.ms]));
    expect(areas["gzip (node:zlib; CompressionStream runs on it too)"]).toBe(3);
    expect(areas["COPY framing (copy-rows.ts)"]).toBe(2);
    expect(areas["export and spool (export.ts, spool.ts)"]).toBe(1);
    expect(areas["garbage collection"]).toBe(1);
  });
});
