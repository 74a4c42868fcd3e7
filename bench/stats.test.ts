import { describe, expect, it } from "vitest";
import {
  cpuPer100MB,
  formatBytes,
  formatPercent,
  formatRatio,
  median,
  percentile,
  ratio,
  throughput,
} from "./stats.ts";

describe("median", () => {
  it("takes the middle value, or the mean of the two middle values", () => {
    expect(median([3, 1, 2])).toBe(2);
    expect(median([4, 1, 3, 2])).toBe(2.5);
    expect(median([7])).toBe(7);
  });

  it("does not reorder its input and is NaN when empty", () => {
    const values = [3, 1, 2];
    median(values);
    expect(values).toEqual([3, 1, 2]);
    expect(median([])).toBeNaN();
  });
});

describe("percentile", () => {
  it("uses the nearest rank", () => {
    const values = Array.from({ length: 100 }, (_, i) => 100 - i); // 100 … 1
    expect(percentile(values, 50)).toBe(50);
    expect(percentile(values, 95)).toBe(95);
    expect(percentile(values, 100)).toBe(100);
    expect(percentile(values, 0)).toBe(1);
    expect(percentile([5, 9], 95)).toBe(9);
  });

  it("refuses a percentile out of range", () => {
    expect(() => percentile([1], 101)).toThrow(/Cannot compute percentile 101/);
  });
});

describe("throughput and ratios", () => {
  it("computes MB/s and CPU per 100 MB in decimal megabytes", () => {
    expect(throughput(300_000_000, 4)).toBe(75);
    expect(throughput(1, 0)).toBeNaN();
    expect(cpuPer100MB(1.8, 437_000_000)).toBeCloseTo(0.412, 3);
  });

  it("formats ratios, percentages and sizes for the report", () => {
    expect(formatRatio(12.345)).toBe("12.3x");
    expect(formatRatio(0.8765)).toBe("0.88x");
    expect(formatRatio(ratio(1, 0))).toBe("n/a");
    expect(formatPercent(0.873)).toBe("87%");
    expect(formatBytes(437_000_000)).toBe("437 MB");
    expect(formatBytes(46_000_000)).toBe("46.0 MB");
    expect(formatBytes(1_800_000_000)).toBe("1.80 GB");
  });
});
