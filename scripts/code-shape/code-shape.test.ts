import { readFileSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { functionSizes, lineCount, listTsFiles } from "./measure.ts";

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../..");
const functionsDir = path.join(root, "supabase/functions");
const rel = (f: string) => path.relative(root, f);

/** Limits from the structure issue: a reader holds a file, and a function, in their head at once. */
const MAX_FILE_LINES = 400;
const MAX_FUNCTION_LINES = 80;

describe("the deployed function's code stays readable", () => {
  const files = listTsFiles(functionsDir);

  it(`has no file over ${MAX_FILE_LINES} lines`, () => {
    expect(files.length).toBeGreaterThan(30);
    const big = files
      .map((f) => ({ file: rel(f), lines: lineCount(readFileSync(f, "utf8")) }))
      .filter((f) => f.lines > MAX_FILE_LINES);
    expect(big).toEqual([]);
  });

  it(`has no function over ${MAX_FUNCTION_LINES} lines`, () => {
    const long = files
      .flatMap((f) => functionSizes(f))
      .filter((s) => s.lines > MAX_FUNCTION_LINES)
      .map((s) => `${rel(s.file)}:${s.line} ${s.name} (${s.lines} lines)`);
    expect(long).toEqual([]);
  });
});

describe("functionSizes", () => {
  it("measures declarations, methods and arrow functions, closures included in their factory", () => {
    const text = [
      "export function outer() {", // 1
      "  const inner = () => {", // 2
      "    return 1;", // 3
      "  };", // 4
      "  return inner;", // 5
      "}", // 6
      "class A {", // 7
      "  m() { return 2; }", // 8
      "}", // 9
    ].join("\n");
    const sizes = functionSizes("x.ts", text).map(({ name, line, lines }) => ({ name, line, lines }));
    expect(sizes).toEqual([
      { name: "outer", line: 1, lines: 6 },
      { name: "inner", line: 2, lines: 3 },
      { name: "m", line: 8, lines: 1 },
    ]);
  });
});
