/**
 * Users reading the Settings page's data while a backup runs: `--users` simulated admins, each loading
 * the run history (`/rest/v1/backup_runs?select=*&order=started_at.desc&limit=20`, with the admin's JWT)
 * again and again, pausing `--think-ms` between loads (0: back to back). Runs until standard input closes,
 * then prints one JSON line with every latency in milliseconds and the failures.
 */
import { parseArgs } from "node:util";
import { report, required } from "./probe-support.ts";

const { values } = parseArgs({
  args: Deno.args,
  options: {
    url: { type: "string" },
    users: { type: "string", default: "50" },
    "think-ms": { type: "string", default: "0" },
  },
});
const base = required(values, "url").replace(/\/+$/, "");
const apikey = Deno.env.get("SUPABASE_ANON_KEY") ?? "";
const token = Deno.env.get("BENCH_USER_JWT") ?? "";
if (!apikey || !token) {
  throw new Error("Cannot run the load: SUPABASE_ANON_KEY and BENCH_USER_JWT must be set");
}
const users = Number(values.users);
const thinkMs = Number(values["think-ms"]);
const url = `${base}/rest/v1/backup_runs?select=*&order=started_at.desc&limit=20`;

const latencies: number[] = [];
const failures: string[] = [];
let running = true;
const started = performance.now();

async function user(index: number): Promise<void> {
  // Spread the first requests over the think time, as real page loads would be.
  if (thinkMs > 0) await new Promise((resolve) => setTimeout(resolve, (thinkMs * index) / users));
  while (running) {
    const begin = performance.now();
    try {
      const response = await fetch(url, { headers: { apikey, authorization: `Bearer ${token}` } });
      const body = await response.text();
      if (!response.ok) failures.push(`${response.status} ${body.slice(0, 120)}`);
      else if (!Array.isArray(JSON.parse(body))) failures.push(`unexpected body ${body.slice(0, 120)}`);
      else latencies.push(performance.now() - begin);
    } catch (error) {
      failures.push(String(error));
    }
    if (thinkMs > 0 && running) await new Promise((resolve) => setTimeout(resolve, thinkMs));
  }
}

const workers = Array.from({ length: users }, (_, i) => user(i));
// Standard input closing is the signal to stop (the benchmark closes it when the backup is over).
for await (const _ of Deno.stdin.readable) {
  // Nothing is expected on stdin.
}
running = false;
const seconds = (performance.now() - started) / 1000;
await Promise.all(workers);

report({
  probe: "settings-load",
  users,
  thinkMs,
  seconds,
  latenciesMs: latencies.map((v) => Math.round(v * 10) / 10),
  failures: failures.length,
  firstFailures: failures.slice(0, 3),
});
