/**
 * The deployed function folder holds only what ships: nothing under supabase/functions imports from
 * dev/ or tests/, and no test file lives there.
 */
import assert from "node:assert/strict";

const ROOT = new URL("../../", import.meta.url);
const FUNCTIONS = new URL("supabase/functions/", ROOT);

async function walk(dir: URL): Promise<URL[]> {
  const out: URL[] = [];
  for await (const entry of Deno.readDir(dir)) {
    const url = new URL(entry.name + (entry.isDirectory ? "/" : ""), dir);
    if (entry.isDirectory) out.push(...await walk(url));
    else if (entry.name.endsWith(".ts")) out.push(url);
  }
  return out;
}

const IMPORT =
  /(?:^|\n)\s*(?:import|export)[^'"]*?from\s*["'](\.[^"']+)["']|import\(\s*["'](\.[^"']+)["']\s*\)/g;

async function relativeImports(file: URL): Promise<URL[]> {
  const text = await Deno.readTextFile(file);
  return [...text.matchAll(IMPORT)].map((m) => new URL(m[1] ?? m[2], file));
}

Deno.test("supabase/functions holds no tests and imports nothing from dev/ or tests/", async () => {
  const files = await walk(FUNCTIONS);
  assert.ok(files.length > 30, `expected the function's modules, found ${files.length}`);
  const tests = files.filter((f) => /(_test|\.test)\.ts$/.test(f.pathname));
  assert.deepEqual(tests.map((f) => f.pathname), []);
  const outside: string[] = [];
  for (const file of files) {
    for (const target of await relativeImports(file)) {
      if (!target.href.startsWith(FUNCTIONS.href)) {
        outside.push(`${file.href.slice(ROOT.href.length)} → ${target.href.slice(ROOT.href.length)}`);
      }
    }
  }
  assert.deepEqual(outside, []);
});
Deno.test("the function's modules import each other without a cycle", async () => {
  const files = await walk(FUNCTIONS);
  const graph = new Map<string, string[]>();
  for (const file of files) graph.set(file.href, (await relativeImports(file)).map((u) => u.href));
  const state = new Map<string, "visiting" | "done">();
  const cycles: string[] = [];
  const visit = (node: string, path: string[]) => {
    if (state.get(node) === "done") return;
    if (state.get(node) === "visiting") {
      cycles.push(
        [...path.slice(path.indexOf(node)), node].map((n) => n.slice(FUNCTIONS.href.length)).join(" → "),
      );
      return;
    }
    state.set(node, "visiting");
    for (const next of graph.get(node) ?? []) visit(next, [...path, node]);
    state.set(node, "done");
  };
  for (const node of graph.keys()) visit(node, []);
  assert.deepEqual(cycles, []);
});
