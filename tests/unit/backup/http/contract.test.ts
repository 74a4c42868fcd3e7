/**
 * The contract's error codes (http/contract.ts, BackupErrorCode) are exactly those the function emits.
 *
 * Typed constructors (BackupError, GraphError, ScheduleError, BackupFileError) already refuse a code the
 * contract lacks at type-check time; codes written as plain strings are found here in the source text:
 * the first argument of `new …Error(`, and every snake_case literal on a line that speaks of a code
 * (`code = "…"`, `error_code: "…"`, `errorCode = "…"`, SQL `error_code = '…'`, fallbacks such as
 * `typeof code === "string" ? code : "onedrive_failed"`). The other way round, each code of the contract
 * must still appear somewhere in the function's source, so a code no longer emitted leaves the contract.
 */
import assert from "node:assert/strict";
import type { BackupErrorCode } from "../../../../supabase/functions/_shared/backup/http/contract.ts";
import type { GraphErrorCode } from "../../../../supabase/functions/_shared/graph/errors.ts";
import type { ScheduleErrorCode } from "../../../../supabase/functions/_shared/backup/schedule/schedule-error.ts";
import type { BackupFileErrorCode } from "../../../../supabase/functions/_shared/backup/format/backup-reader.ts";

const FUNCTIONS = new URL("../../../../supabase/functions/", import.meta.url);
// The CLI shares the function's modules (and BackupFileError's codes, which only `restore` emits some of).
const CLI = new URL("../../../../cli/", import.meta.url);
const CONTRACT = new URL("_shared/backup/http/contract.ts", FUNCTIONS);

// The error classes' code types are the contract's (checked by `deno check`, which `deno test` runs).
const _typed: BackupErrorCode[] = [] as Array<GraphErrorCode | ScheduleErrorCode | BackupFileErrorCode>;

const CODE = String.raw`[a-z][a-z0-9]*(?:_[a-z0-9]+)+`;
const QUOTED = new RegExp(String.raw`["'](${CODE})["']`, "g");
const CONSTRUCTED = new RegExp(String.raw`new \w*Error\(\s*"(${CODE})"`, "g");
const SPEAKS_OF_A_CODE = /code\b|Code\b/;

async function sourceFiles(dir: URL): Promise<URL[]> {
  const out: URL[] = [];
  for await (const entry of Deno.readDir(dir)) {
    const url = new URL(entry.name + (entry.isDirectory ? "/" : ""), dir);
    if (entry.isDirectory) out.push(...await sourceFiles(url));
    else if (entry.name.endsWith(".ts") && !entry.name.endsWith(".test.ts") && url.href !== CONTRACT.href) {
      out.push(url);
    }
  }
  return out;
}

/** The codes a source text emits as plain strings. */
function emittedCodes(text: string): Set<string> {
  const codes = new Set<string>();
  for (const match of text.matchAll(CONSTRUCTED)) codes.add(match[1]);
  for (const line of text.split("\n")) {
    // Only the code outside string literals counts: a column name "error_code" is not a code.
    const bare = line.replace(/"[^"]*"|'[^']*'|`[^`]*`/g, "");
    if (/^\s*(\*|\/\/)/.test(line) || !SPEAKS_OF_A_CODE.test(bare)) continue;
    for (const match of line.matchAll(QUOTED)) codes.add(match[1]);
  }
  return codes;
}

/** The members of the contract's code unions. */
function contractCodes(text: string): Set<string> {
  const codes = new Set<string>();
  for (const union of text.matchAll(/export type \w*ErrorCode =([^;]+);/g)) {
    for (const match of union[1].matchAll(QUOTED)) codes.add(match[1]);
  }
  return codes;
}

async function readSources(): Promise<Map<string, string>> {
  const texts = new Map<string, string>();
  const files = [...await sourceFiles(FUNCTIONS), ...await sourceFiles(CLI)];
  for (const file of files) texts.set(file.pathname, await Deno.readTextFile(file));
  return texts;
}

Deno.test("every code the function emits is in the contract, and every code of the contract is emitted", async () => {
  const contract = contractCodes(await Deno.readTextFile(CONTRACT));
  const sources = await readSources();
  const missing: string[] = [];
  for (const [path, text] of sources) {
    for (const code of emittedCodes(text)) {
      if (!contract.has(code)) missing.push(`${code} (${path})`);
    }
  }
  assert.deepEqual(missing, [], "codes emitted but not in contract.ts BackupErrorCode");

  const everything = [...sources.values()].join("\n");
  const quoted = new Set([...everything.matchAll(QUOTED)].map((match) => match[1]));
  const stale = [...contract].filter((code) => !quoted.has(code));
  assert.deepEqual(stale, [], "codes in contract.ts that the function no longer emits");
});

Deno.test("the scan finds codes in each form the function writes them", () => {
  const found = emittedCodes([
    'throw new BackupError("storage_exists", "…");',
    'throw new GraphError(\n  "onedrive_link_invalid",\n  `…`,\n);',
    'onedrive.code = typeof code === "string" ? code : "onedrive_failed";',
    'errorCode = "prune_failed";',
    'body: { error: string; error_code: "rate_limited" };',
    "set error_code = 'run_abandoned',",
    '// a comment about code "not_a_code"',
    'const column = "row_count";',
    '  "error_code",',
  ].join("\n"));
  assert.deepEqual([...found].sort(), [
    "onedrive_failed",
    "onedrive_link_invalid",
    "prune_failed",
    "rate_limited",
    "run_abandoned",
    "storage_exists",
  ]);
});

Deno.test("the contract file has no imports, so the browser can load it", async () => {
  const text = await Deno.readTextFile(CONTRACT);
  assert.ok(!/^\s*(import|export .* from)\b/m.test(text), "contract.ts must not import anything");
});
