/**
 * The naive backup users write today, measured the same way as ours: each table read through the REST
 * API (`/rest/v1/<table>?select=*`) in pages of 1,000 rows with a `Range` header, as supabase-js'
 * `.select("*").range(from, to)` sends it, every page parsed with `JSON.parse` and turned back into bytes
 * with `JSON.stringify` + `TextEncoder`.
 *
 * This is the naive approach at its best: each page is serialised and dropped at once, where real
 * functions usually keep every table in one object until a final `JSON.stringify` (memory then grows with
 * the database). Only the function's side is timed here; the REST server's own work is not in its CPU.
 *
 * Prints one JSON line: rows, bytes of JSON produced, requests, the section's wall and CPU seconds, peak RSS.
 */
import { parseArgs } from "node:util";
import { report, required, startSection } from "./probe-support.ts";

const { values } = parseArgs({
  args: Deno.args,
  options: {
    url: { type: "string" },
    tables: { type: "string" },
    page: { type: "string", default: "1000" },
  },
});
const base = required(values, "url").replace(/\/+$/, "");
const key = Deno.env.get("SUPABASE_SERVICE_ROLE_KEY");
if (!key) throw new Error("Cannot run the naive export: SUPABASE_SERVICE_ROLE_KEY is not set");
const page = Number(values.page);
const encoder = new TextEncoder();

let rows = 0;
let jsonBytes = 0;
let requests = 0;
const end = startSection();
for (const table of required(values, "tables").split(",")) {
  let from = 0;
  for (;;) {
    const response = await fetch(`${base}/rest/v1/${encodeURIComponent(table)}?select=*`, {
      headers: { apikey: key, authorization: `Bearer ${key}`, range: `${from}-${from + page - 1}` },
    });
    requests++;
    const text = await response.text();
    if (!response.ok) {
      throw new Error(
        `Cannot read "${table}" through the REST API: ${response.status} ${text.slice(0, 200)}`,
      );
    }
    const batch = JSON.parse(text) as unknown[];
    jsonBytes += encoder.encode(JSON.stringify(batch)).length;
    rows += batch.length;
    if (batch.length < page) break;
    from += page;
  }
}
const section = end();

report({ probe: "naive", rows, jsonBytes, requests, export: section });
