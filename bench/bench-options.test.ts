import { describe, expect, it } from "vitest";
import { parseBenchOptions } from "./bench-options.ts";
import { splitRows } from "./generate-data.ts";
import { fragmentRanges, shareId } from "./curl-upload.ts";

describe("parseBenchOptions", () => {
  it("defaults to the full run written to docs/performance.md", () => {
    expect(parseBenchOptions([])).toMatchObject({
      quick: false,
      rows: 1_000_000,
      reps: 3,
      uploadBytes: 100_000_000,
      out: "docs/performance.md",
    });
  });

  it("keeps quick runs small and out of the docs", () => {
    expect(parseBenchOptions(["--quick"])).toMatchObject({
      rows: 100_000,
      reps: 2,
      uploadBytes: 20_000_000,
      out: "bench/.data/performance-quick.md",
    });
  });

  it("reads sizes, scale and skipped sections", () => {
    const options = parseBenchOptions([
      "--rows",
      "200000",
      "--scale=0.5",
      "--reps",
      "1",
      "--skip",
      "load,scale",
    ]);
    expect(options).toMatchObject({ rows: 100_000, reps: 1, skip: ["load", "scale"] });
  });

  it("renders again from saved results without measuring", () => {
    expect(parseBenchOptions(["--report-only", "bench/.data/last-run.json"]).reportOnly).toBe(
      "bench/.data/last-run.json",
    );
    expect(parseBenchOptions([]).reportOnly).toBeNull();
  });

  it("refuses unknown flags, bad numbers and unknown sections", () => {
    expect(() => parseBenchOptions(["--fast"])).toThrow(/unknown flag "--fast"/);
    expect(() => parseBenchOptions(["--rows", "many"])).toThrow(/Cannot read --rows/);
    expect(() => parseBenchOptions(["--skip", "export,coffee"])).toThrow(/Cannot skip "coffee"/);
    expect(() => parseBenchOptions(["--rows", "10"])).toThrow(/at least 1000/);
  });
});

describe("splitRows", () => {
  it("shares the rows over the tables and keeps the total", () => {
    const counts = splitRows(1_000_003);
    expect(Object.values(counts).reduce((a, b) => a + b, 0)).toBe(1_000_003);
    expect(counts.bench_documents).toBe(50_000);
    expect(() => splitRows(2)).toThrow(/at least 4/);
  });
});

describe("curl upload helpers", () => {
  it("cuts a file into Content-Range fragments", () => {
    expect(fragmentRanges(25, 10)).toEqual([
      [0, 9],
      [10, 19],
      [20, 24],
    ]);
    expect(fragmentRanges(20, 10)).toEqual([
      [0, 9],
      [10, 19],
    ]);
  });

  it("encodes sharing links as Graph share ids (bytes, not characters)", () => {
    expect(shareId("https://contoso.sharepoint.com/:f:/s/é")).toBe(
      `u!${Buffer.from("https://contoso.sharepoint.com/:f:/s/é").toString("base64url")}`,
    );
    expect(shareId("https://x.test/a")).not.toMatch(/[=+/]/);
  });
});
