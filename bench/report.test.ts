import { describe, expect, it } from "vitest";
import { recommendedLevel, type LevelEstimate } from "./report.ts";

const estimate = (method: string, compressionRatio: number, cpuPer100MB: number): LevelEstimate => ({
  method,
  compressionRatio,
  cpuPer100MB,
  largestBytes: 2e8 / cpuPer100MB,
  fileBytes: 4.6e8 / compressionRatio,
});

describe("recommendedLevel", () => {
  const estimates = [
    estimate("no compression", 1, 1.0),
    estimate("CompressionStream gzip", 6.49, 1.8),
    estimate("node:zlib gzip level 1", 4.12, 1.3),
    estimate("node:zlib gzip level 2", 5.78, 1.32),
    estimate("node:zlib gzip level 3", 6.02, 1.4),
    estimate("node:zlib gzip level 6", 6.5, 1.78),
  ];

  it("picks the cheapest node:zlib level whose file is at most 10% larger than level 6's", () => {
    expect(recommendedLevel(estimates)?.method).toBe("node:zlib gzip level 3");
  });

  it("needs level 6 as the yardstick", () => {
    expect(recommendedLevel(estimates.filter((e) => !/level 6/.test(e.method)))).toBeNull();
  });
});
