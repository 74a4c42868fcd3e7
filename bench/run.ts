/**
 * `npm run bench`: the benchmarks of docs/design.md §9 and issue 7, in one run, side by side.
 *
 * 1. Starts the local stack (embedded Postgres 17, gateway, Graph emulator) in a temporary directory and
 *    generates the database (bench/generate-data.ts).
 * 2. Export, several repetitions interleaved so background noise spreads evenly: ours (the product's
 *    modules, run by a Deno probe) to a null sink and to the Graph emulator, with and without gzip; the
 *    naive REST approach; psql COPY (and | gzip -6); pg_dump --data-only.
 * 3. Upload: our Graph client against curl, same file, same fragments, same emulator.
 * 4. Compression levels and hashes on a sample of the backup JSON; a CPU profile of our export.
 * 5. 50 users reading the Settings page's data while `npm run backup` runs.
 * 6. Peak RSS at 4x the database size.
 * Then writes the report (docs/performance.md by default) and stops everything it started.
 */
import { execFile } from "node:child_process";
import { randomBytes } from "node:crypto";
import { existsSync } from "node:fs";
import { mkdir, mkdtemp, readdir, readFile, rm, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { promisify } from "node:util";
import pg from "pg";
import { parseBenchOptions, type BenchOptions, type Section } from "./bench-options.ts";
import { summarizeCpuProfile, type CpuProfile } from "./cpu-profile.ts";
import { curlUpload, writeFragments, type GraphTarget } from "./curl-upload.ts";
import { BENCH_TABLES, generateDatabase } from "./generate-data.ts";
import { measureProcess, probeResult, TIME_BINARY } from "./measure-process.ts";
import { readSettledTreeCpuSeconds } from "./proc-stats.ts";
import { renderReport, renderSummary } from "./report.ts";
import type {
  BenchResults,
  CompressionFigure,
  LoadScenario,
  MachineInfo,
  MethodResult,
  RunFigures,
  ScaleResult,
} from "./results.ts";
import { formatBytes } from "./stats.ts";
import { startStack, REPO_ROOT, type RunningStack } from "../dev/stack/start-stack.ts";

const run = promisify(execFile);
const DENO = path.join(REPO_ROOT, "node_modules", ".bin", "deno");
const DENO_CONFIG = path.join(REPO_ROOT, "deno.json");
const PROBES = path.join(REPO_ROOT, "bench", ".probes");
const FRAGMENT_BYTES = 32 * 320 * 1024; // the Graph client's default: 10 MiB

const log = (line: string) => console.log(`[bench] ${line}`);

interface Context {
  options: BenchOptions;
  stack: RunningStack;
  workDir: string;
  postmasterPid: number | null;
  tables: string[];
  graph: GraphTarget;
  results: BenchResults;
}

interface ExportProbeResult {
  gzip: string;
  threads: Record<string, number>;
  jsonBytes: number;
  fileBytes: number;
  rows: number;
  export: { seconds: number; cpuSeconds: number };
  upload: { seconds: number; cpuSeconds: number } | null;
  peakRssBytes: number;
}

const shellQuote = (value: string) => `'${value.replace(/'/g, `'\\''`)}'`;
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const skipped = (ctx: Context, section: Section) => ctx.options.skip.includes(section);

/** CPU seconds of the Postgres server so far (postmaster, reaped backends, live backends). */
async function postgresCpu(ctx: Context): Promise<number | null> {
  if (ctx.postmasterPid === null) return null;
  return await readSettledTreeCpuSeconds(ctx.postmasterPid).catch(() => null);
}

/** Runs a Deno probe under /usr/bin/time; returns its JSON result and the Postgres CPU it caused. */
async function runProbe<T>(
  ctx: Context,
  script: string,
  args: string[],
  extra: { env?: Record<string, string>; denoFlags?: string[] } = {},
): Promise<{ result: T; postgresCpuSeconds: number | null; processCpuSeconds: number }> {
  const before = await postgresCpu(ctx);
  const measured = await measureProcess(
    DENO,
    ["run", "-A", ...(extra.denoFlags ?? []), "--config", DENO_CONFIG, path.join(PROBES, script), ...args],
    { env: { ...process.env, NO_COLOR: "1", ...extra.env }, cwd: ctx.workDir },
  );
  const after = await postgresCpu(ctx);
  return {
    result: probeResult<T>(measured.stdout),
    postgresCpuSeconds: before !== null && after !== null ? after - before : null,
    processCpuSeconds: measured.time.userSeconds + measured.time.systemSeconds,
  };
}

/** Runs a shell pipeline under /usr/bin/time; its standard output must be a byte count (wc -c). */
async function runShell(ctx: Context, script: string): Promise<RunFigures> {
  const before = await postgresCpu(ctx);
  const measured = await measureProcess("bash", ["-o", "pipefail", "-c", script], {
    env: { ...process.env, BENCH_DB_URL: ctx.stack.info.db_url },
    cwd: ctx.workDir,
  });
  const after = await postgresCpu(ctx);
  return {
    seconds: measured.time.wallSeconds,
    cpuSeconds: measured.time.userSeconds + measured.time.systemSeconds,
    peakRssBytes: measured.time.maxRssBytes,
    outputBytes: Number(measured.stdout.trim()),
    postgresCpuSeconds: before !== null && after !== null ? after - before : null,
  };
}

function exportFigures(probe: { result: ExportProbeResult; postgresCpuSeconds: number | null }): RunFigures {
  const { result } = probe;
  return {
    seconds: result.export.seconds + (result.upload?.seconds ?? 0),
    cpuSeconds: result.export.cpuSeconds + (result.upload?.cpuSeconds ?? 0),
    peakRssBytes: result.peakRssBytes,
    outputBytes: result.fileBytes,
    postgresCpuSeconds: probe.postgresCpuSeconds,
    ...(result.upload ? { uploadSeconds: result.upload.seconds } : {}),
  };
}

const graphEnv = (ctx: Context) => ({
  AZURE_TENANT_ID: ctx.graph.tenantId,
  AZURE_CLIENT_ID: ctx.graph.clientId,
  AZURE_CLIENT_SECRET: ctx.graph.clientSecret,
  // The emulator's upload host, trusted explicitly like the function does (GRAPH_UPLOAD_ORIGINS).
  GRAPH_UPLOAD_ORIGINS: String(ctx.stack.env.GRAPH_UPLOAD_ORIGINS ?? ""),
});

/** Empties the emulated OneDrive between runs (files, sessions, request log), keeping the linked folder. */
async function resetOneDrive(ctx: Context): Promise<void> {
  const response = await fetch(`${ctx.graph.graphUrl}/_emulator/reset`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ files: true }),
  });
  if (!response.ok)
    throw new Error(`Cannot reset the Graph emulator: ${response.status} ${await response.text()}`);
}

async function ourExport(
  ctx: Context,
  compression: "none" | "gzip",
  sink: "null" | "emulator",
  name: string,
  schemas = "public",
): Promise<RunFigures & { jsonBytes: number; gzip: string }> {
  const args = [
    "--db-url",
    ctx.stack.info.db_url,
    "--schemas",
    schemas,
    "--compression",
    compression,
    "--sink",
    sink,
  ];
  if (sink === "emulator")
    args.push("--graph-url", ctx.graph.graphUrl, "--link", ctx.graph.link, "--name", name);
  const probe = await runProbe<ExportProbeResult>(ctx, "export-probe.ts", args, { env: graphEnv(ctx) });
  if (sink === "emulator") await resetOneDrive(ctx);
  return { ...exportFigures(probe), jsonBytes: probe.result.jsonBytes, gzip: probe.result.gzip };
}

function psqlCopyScript(ctx: Context, gzip: boolean): string {
  const commands = ctx.tables
    .map((t) => `-c ${shellQuote(`copy (select row_to_json(t) from public."${t}" t) to stdout`)}`)
    .join(" ");
  return `psql -X -q -d "$BENCH_DB_URL" ${commands}${gzip ? " | gzip -6" : ""} | wc -c`;
}

function pgDumpScript(ctx: Context): string {
  const tables = ctx.tables.map((t) => `-t ${shellQuote(`public."${t}"`)}`).join(" ");
  return `pg_dump --data-only -d "$BENCH_DB_URL" ${tables} | wc -c`;
}

/** What pg_dump --data-only sends the server for each table (COPY … TO stdout, text format). */
function pgDumpEquivalentScript(ctx: Context): string {
  const commands = ctx.tables.map((t) => `-c ${shellQuote(`copy public."${t}" to stdout`)}`).join(" ");
  return `psql -X -q -d "$BENCH_DB_URL" ${commands} | wc -c`;
}

async function toolVersion(command: string, args: string[]): Promise<string | null> {
  try {
    return (await run(command, args)).stdout.trim();
  } catch {
    return null;
  }
}

const majorOf = (version: string | null) => Number(/(\d+)(?:\.\d+)?/.exec(version ?? "")?.[1] ?? Number.NaN);

async function machineInfo(postgres: string): Promise<MachineInfo> {
  const cpus = os.cpus();
  return {
    cpus: cpus.length,
    cpuModel: cpus[0]?.model ?? "unknown",
    memoryBytes: os.totalmem(),
    os: `${os.type()} ${os.release()}`,
    node: process.version,
    deno: ((await toolVersion(DENO, ["--version"])) ?? "").split("\n")[0] ?? "",
    postgres,
    psql: await toolVersion("psql", ["--version"]),
    pgDump: await toolVersion("pg_dump", ["--version"]),
    loadAverageAtStart: os.loadavg(),
    loadAverageAtEnd: [],
  };
}

/** A dedicated admin for the load section (the stack is started without the demo seed). */
async function createBenchAdmin(db: pg.Client): Promise<{ email: string; password: string }> {
  const email = "bench-admin@example.com";
  const password = randomBytes(18).toString("base64url");
  await db.query(
    `insert into auth.users (instance_id, id, aud, role, email, encrypted_password, email_confirmed_at,
                             raw_app_meta_data, raw_user_meta_data, created_at, updated_at)
     values ('00000000-0000-0000-0000-000000000000', 'b0b0b0b0-0000-4000-8000-000000000001', 'authenticated',
             'authenticated', $1, extensions.crypt($2, extensions.gen_salt('bf', 6)), now(),
             '{"provider": "email", "providers": ["email"]}', '{}', now(), now())
     on conflict (id) do update set encrypted_password = excluded.encrypted_password`,
    [email, password],
  );
  await db.query(
    `insert into public.user_roles (user_id, role) values ('b0b0b0b0-0000-4000-8000-000000000001', 'admin')
     on conflict do nothing`,
  );
  return { email, password };
}

async function signIn(ctx: Context, user: { email: string; password: string }): Promise<string> {
  const response = await fetch(`${ctx.stack.info.supabase_url}/auth/v1/token?grant_type=password`, {
    method: "POST",
    headers: { apikey: ctx.stack.info.anon_key, "content-type": "application/json" },
    body: JSON.stringify(user),
  });
  const body = (await response.json()) as { access_token?: string; error_description?: string };
  if (!response.ok || !body.access_token) {
    throw new Error(`Cannot sign the benchmark admin in: ${response.status} ${body.error_description ?? ""}`);
  }
  return body.access_token;
}

// ---- Sections ------------------------------------------------------------------------------------

async function exportSection(ctx: Context): Promise<void> {
  const { options, results } = ctx;
  const methods = new Map<string, MethodResult>();
  const method = (key: string, label: string, compression: "none" | "gzip", cpuOf: string) => {
    const m: MethodResult = { key, label, compression, cpuOf, runs: [] };
    methods.set(key, m);
    return m;
  };
  const plans: Array<{ result: MethodResult; run: (rep: number) => Promise<RunFigures> }> = [];
  if (!skipped(ctx, "export")) {
    for (const compression of ["none", "gzip"] as const) {
      const nullSink = method(`ours-null-${compression}`, "ours → null sink", compression, "Deno");
      plans.push({
        result: nullSink,
        run: async () => {
          const figures = await ourExport(ctx, compression, "null", "");
          if (compression === "none") results.jsonBytes = figures.jsonBytes;
          else results.gzipBytes = figures.outputBytes;
          results.productGzip = figures.gzip;
          return figures;
        },
      });
      const emulator = method(
        `ours-emulator-${compression}`,
        "ours → Graph emulator (spool + upload)",
        compression,
        "Deno",
      );
      plans.push({
        result: emulator,
        run: (rep) =>
          ourExport(
            ctx,
            compression,
            "emulator",
            `bench-${compression}-${rep}.json${compression === "gzip" ? ".gz" : ""}`,
          ),
      });
    }
  }
  if (!skipped(ctx, "naive")) {
    const naive = method("naive", "naive: REST pages of 1,000 + JSON.parse/stringify", "none", "Deno");
    plans.push({
      result: naive,
      run: async () => {
        const probe = await runProbe<{
          rows: number;
          jsonBytes: number;
          export: { seconds: number; cpuSeconds: number };
          peakRssBytes: number;
        }>(ctx, "naive-export.ts", ["--url", ctx.stack.info.supabase_url, "--tables", ctx.tables.join(",")], {
          env: { SUPABASE_SERVICE_ROLE_KEY: ctx.stack.info.service_role_key },
        });
        return {
          seconds: probe.result.export.seconds,
          cpuSeconds: probe.result.export.cpuSeconds,
          peakRssBytes: probe.result.peakRssBytes,
          outputBytes: probe.result.jsonBytes,
          postgresCpuSeconds: probe.postgresCpuSeconds,
        };
      },
    });
  }
  if (!skipped(ctx, "psql")) {
    if (!results.machine.psql) {
      results.notes.push(
        "psql is not installed: the Postgres reference rows are missing (apt-get install postgresql-client).",
      );
    } else {
      plans.push({
        result: method("psql", "psql COPY (select row_to_json(t) …) to stdout", "none", "psql + wc"),
        run: () => runShell(ctx, psqlCopyScript(ctx, false)),
      });
      plans.push({
        result: method("psql-gzip", "psql COPY … | gzip -6", "gzip", "psql + gzip + wc"),
        run: () => runShell(ctx, psqlCopyScript(ctx, true)),
      });
      results.commands.push(
        { label: "psql COPY", command: psqlCopyScript(ctx, false) },
        { label: "psql COPY | gzip -6", command: psqlCopyScript(ctx, true) },
      );
    }
  }

  log(`export: ${plans.length} methods × ${options.reps} repetitions`);
  for (let rep = 1; rep <= options.reps; rep++) {
    for (const plan of plans) {
      const figures = await plan.run(rep);
      plan.result.runs.push(figures);
      log(
        `  [${rep}/${options.reps}] ${plan.result.label} (${plan.result.compression}): ${figures.seconds.toFixed(2)} s, ` +
          `CPU ${figures.cpuSeconds.toFixed(2)} s, RSS ${formatBytes(figures.peakRssBytes)}`,
      );
    }
  }

  // pg_dump once, for reference: the real one when its version can dump this server, else what it runs.
  if (!skipped(ctx, "psql") && results.machine.psql) {
    const serverMajor = majorOf(results.machine.postgres);
    const dumpMajor = majorOf(results.machine.pgDump);
    const real = Number.isFinite(dumpMajor) && dumpMajor >= serverMajor;
    const script = real ? pgDumpScript(ctx) : pgDumpEquivalentScript(ctx);
    const label = real
      ? "pg_dump --data-only (text COPY, for reference)"
      : "pg_dump --data-only equivalent: COPY t TO stdout per table (for reference)";
    if (!real) {
      results.notes.push(
        `pg_dump ${results.machine.pgDump ?? "(missing)"} cannot dump a Postgres ${serverMajor} server (pg_dump refuses newer servers), ` +
          "so the reference row runs what pg_dump --data-only sends for each table, `COPY public.t TO stdout`, through psql.",
      );
    }
    const dump = method("pg-dump", label, "none", "client");
    const figures = await runShell(ctx, script);
    dump.runs.push(figures);
    results.commands.push({ label, command: script });
    log(`  ${label}: ${figures.seconds.toFixed(2)} s`);
  }
  results.methods.push(...methods.values());
}

async function uploadSection(ctx: Context): Promise<void> {
  const { options } = ctx;
  const file = path.join(ctx.workDir, "upload.bin");
  // Random bytes: as incompressible as a gzip backup, so no layer can shortcut the work.
  const chunk = 1024 * 1024;
  const parts: Buffer[] = [];
  for (let written = 0; written < options.uploadBytes; written += chunk) {
    parts.push(randomBytes(Math.min(chunk, options.uploadBytes - written)));
  }
  await writeFile(file, Buffer.concat(parts));
  const fragmentsDir = path.join(ctx.workDir, "fragments");
  await mkdir(fragmentsDir, { recursive: true });
  const fragments = await writeFragments(file, fragmentsDir, FRAGMENT_BYTES);
  const result = {
    bytes: options.uploadBytes,
    fragmentBytes: FRAGMENT_BYTES,
    ours: [] as RunFigures[],
    curl: [] as RunFigures[],
  };
  log(`upload: ${formatBytes(options.uploadBytes)} × ${options.reps} repetitions, ours and curl`);
  for (let rep = 1; rep <= options.reps; rep++) {
    const ours = await runProbe<{
      bytes: number;
      upload: { seconds: number; cpuSeconds: number };
      peakRssBytes: number;
    }>(
      ctx,
      "upload-probe.ts",
      [
        "--file",
        file,
        "--graph-url",
        ctx.graph.graphUrl,
        "--link",
        ctx.graph.link,
        "--name",
        `upload-ours-${rep}.bin`,
      ],
      { env: graphEnv(ctx) },
    );
    result.ours.push({
      seconds: ours.result.upload.seconds,
      cpuSeconds: ours.result.upload.cpuSeconds,
      peakRssBytes: ours.result.peakRssBytes,
      outputBytes: ours.result.bytes,
      postgresCpuSeconds: null,
    });
    await resetOneDrive(ctx);
    const curl = await curlUpload(
      ctx.graph,
      `upload-curl-${rep}.bin`,
      fragments,
      options.uploadBytes,
      FRAGMENT_BYTES,
    );
    result.curl.push({
      seconds: curl.seconds,
      cpuSeconds: curl.measured.time.userSeconds + curl.measured.time.systemSeconds,
      peakRssBytes: curl.measured.time.maxRssBytes,
      outputBytes: options.uploadBytes,
      postgresCpuSeconds: null,
    });
    await resetOneDrive(ctx);
    log(
      `  [${rep}/${options.reps}] ours ${ours.result.upload.seconds.toFixed(2)} s, curl ${curl.seconds.toFixed(2)} s`,
    );
  }
  ctx.results.upload = result;
  ctx.results.commands.push({
    label: "curl upload (one process, one connection, a --next section per fragment)",
    command: `curl -sS -o /dev/null -w '%{http_code}\\n' -H 'Expect:' -H 'Content-Range: bytes 0-${FRAGMENT_BYTES - 1}/${options.uploadBytes}' -T fragment-0000 <uploadUrl> --next …`,
  });
  await rm(fragmentsDir, { recursive: true, force: true });
  await rm(file, { force: true });
}

async function compressionSection(ctx: Context): Promise<void> {
  const sample = path.join(ctx.workDir, "sample.json");
  log("compression: spooling an uncompressed backup as the sample");
  await runProbe(ctx, "export-probe.ts", [
    "--db-url",
    ctx.stack.info.db_url,
    "--compression",
    "none",
    "--sink",
    "file",
    "--keep",
    sample,
  ]);
  // 200 MB is plenty for stable figures and keeps this section short on big databases.
  const probe = await runProbe<{ results: CompressionFigure[] }>(ctx, "compression-probe.ts", [
    "--file",
    sample,
    "--max-bytes",
    String(200 * 1_000_000),
  ]);
  ctx.results.compression = probe.result.results;
  await rm(sample, { force: true });
}

async function profileSection(ctx: Context): Promise<void> {
  const dir = path.join(ctx.workDir, "profile");
  await mkdir(dir, { recursive: true });
  log("profile: our export with gzip to the null sink, under --cpu-prof");
  const probe = await runProbe<ExportProbeResult>(
    ctx,
    "export-probe.ts",
    ["--db-url", ctx.stack.info.db_url, "--compression", "gzip", "--sink", "null"],
    { denoFlags: ["--cpu-prof", `--cpu-prof-dir=${dir}`] },
  );
  const file = (await readdir(dir)).find((f) => f.endsWith(".cpuprofile"));
  if (!file) throw new Error(`Cannot read the CPU profile: deno wrote no .cpuprofile file in "${dir}"`);
  const profile = JSON.parse(await readFile(path.join(dir, file), "utf8")) as CpuProfile;
  ctx.results.profile = {
    label: "ours → null sink, gzip",
    processCpuSeconds: probe.processCpuSeconds,
    threads: probe.result.threads,
    summary: summarizeCpuProfile(profile),
  };
  ctx.results.commands.push({
    label: "CPU profile",
    command: `deno run -A --cpu-prof --cpu-prof-dir=DIR --config deno.json bench/.probes/export-probe.ts --db-url URL --compression gzip --sink null`,
  });
  await rm(dir, { recursive: true, force: true });
}

async function loadSection(ctx: Context, token: string): Promise<void> {
  const users = 50;
  const scenarios: Array<{ label: string; thinkMs: number; withBackup: boolean }> = [
    { label: "no backup running, back to back", thinkMs: 0, withBackup: false },
    {
      label: "backup running, each user reloads every 2 s (the page's poll)",
      thinkMs: 2000,
      withBackup: true,
    },
    { label: "backup running, back to back", thinkMs: 0, withBackup: true },
  ];
  const backupEnv = {
    PATH: process.env.PATH ?? "",
    HOME: process.env.HOME ?? "/root",
    NO_COLOR: "1",
    ...ctx.stack.env,
  };
  for (const scenario of scenarios) {
    let closeStdin: () => void = () => undefined;
    const loadPromise = measureProcess(
      DENO,
      [
        "run",
        "-A",
        "--config",
        DENO_CONFIG,
        path.join(PROBES, "settings-load.ts"),
        "--url",
        ctx.stack.info.supabase_url,
        "--users",
        String(users),
        "--think-ms",
        String(scenario.thinkMs),
      ],
      {
        env: {
          ...process.env,
          NO_COLOR: "1",
          SUPABASE_ANON_KEY: ctx.stack.info.anon_key,
          BENCH_USER_JWT: token,
        },
        cwd: ctx.workDir,
        onStart: (close) => (closeStdin = close),
      },
    );
    // Let the users start (Deno boots, first requests), then run the backup or wait as long.
    await sleep(1500);
    let backup: LoadScenario["backup"] = null;
    try {
      if (scenario.withBackup) {
        const measured = await measureProcess(
          DENO,
          ["run", "-A", "--config", DENO_CONFIG, path.join(REPO_ROOT, "cli", "backup.ts")],
          {
            env: backupEnv,
            cwd: ctx.workDir,
          },
        );
        const outcome =
          measured.stdout
            .trim()
            .split("\n")
            .filter((l) => /^(SUCCESS|PARTIAL|FAILED)/.test(l))
            .at(-1) ?? "unknown";
        backup = {
          seconds: measured.time.wallSeconds,
          cpuSeconds: measured.time.userSeconds + measured.time.systemSeconds,
          peakRssBytes: measured.time.maxRssBytes,
          outcome,
        };
      } else {
        await sleep(ctx.options.quick ? 3000 : 6000);
      }
    } finally {
      closeStdin();
    }
    const load = probeResult<{
      seconds: number;
      latenciesMs: number[];
      failures: number;
      firstFailures: string[];
    }>((await loadPromise).stdout);
    ctx.results.load.push({ ...scenario, users, ...load, backup });
    log(
      `  load: ${scenario.label}: ${load.latenciesMs.length} requests, ${load.failures} failures${backup ? `; backup ${backup.seconds.toFixed(1)} s: ${backup.outcome}` : ""}`,
    );
    await resetOneDrive(ctx);
  }
  ctx.results.commands.push({
    label: "backup during the load",
    command: "deno run -A --config deno.json cli/backup.ts   (npm run backup, with the stack's environment)",
  });
}

async function scaleSection(ctx: Context, db: pg.Client): Promise<void> {
  const factor = 4;
  const rows = ctx.options.rows * factor;
  log(`scale: generating ${rows.toLocaleString("en")} rows (${factor}x) in schema bench_4x`);
  await generateDatabase(db, "bench_4x", rows);
  const result: ScaleResult = { factor, rows, jsonBytes: 0, runs: [] };
  // The default configuration (gzip) only: this section is about memory, and the 4x export is the longest.
  for (const compression of ["gzip"] as const) {
    const figures = await ourExport(ctx, compression, "null", "", "bench_4x");
    result.jsonBytes = figures.jsonBytes;
    result.runs.push({ compression, figures });
    log(
      `  ${factor}x ${compression}: ${figures.seconds.toFixed(2)} s, RSS ${formatBytes(figures.peakRssBytes)}`,
    );
  }
  ctx.results.scale.push(result);
  await db.query("drop schema bench_4x cascade");
}

// ---- Main ----------------------------------------------------------------------------------------

async function preflight(): Promise<void> {
  if (!existsSync(TIME_BINARY)) {
    throw new Error(
      `Cannot run the benchmark: ${TIME_BINARY} is missing; install it with "apt-get install -y time"`,
    );
  }
  if (!existsSync(DENO))
    throw new Error(`Cannot run the benchmark: "${DENO}" is missing; run "npm ci" first`);
  for (const tool of ["curl", "gzip", "wc", "bash"]) {
    if (!(await toolVersion("bash", ["-c", `command -v ${tool}`]))) {
      throw new Error(`Cannot run the benchmark: "${tool}" is not installed`);
    }
  }
}

/** `--report-only FILE`: the report again from saved results (after editing the hand-written analysis). */
async function renderOnly(options: BenchOptions, file: string): Promise<void> {
  const results = JSON.parse(await readFile(path.resolve(REPO_ROOT, file), "utf8")) as BenchResults;
  const out = path.resolve(REPO_ROOT, options.out);
  await writeFile(out, renderReport(results));
  console.log(renderSummary(results));
  log(`report written to ${path.relative(REPO_ROOT, out)} from ${file}`);
}

async function main(): Promise<void> {
  const options = parseBenchOptions(process.argv.slice(2));
  if (options.reportOnly) return await renderOnly(options, options.reportOnly);
  await preflight();
  const started = Date.now();
  if (process.env.DATABASE_URL) {
    log(
      "DATABASE_URL is ignored: the benchmark creates and drops tables, so it uses its own embedded Postgres",
    );
    delete process.env.DATABASE_URL;
  }
  const stateDir = await mkdtemp(path.join(os.tmpdir(), "bench-stack-"));
  const workDir = path.join(stateDir, "work");
  await mkdir(workDir, { recursive: true });
  log(`rows ${options.rows.toLocaleString("en")}, ${options.reps} repetitions; state in ${stateDir}`);

  let stack: RunningStack | null = null;
  let db: pg.Client | null = null;
  let interrupted = false;
  const stopAll = async () => {
    await db?.end().catch(() => undefined);
    await stack?.stop().catch((e: Error) => log(`Cannot stop the stack: ${e.message}`));
    if (!options.keep) await rm(stateDir, { recursive: true, force: true });
    else log(`kept ${stateDir}`);
  };
  const onSignal = () => {
    if (interrupted) return;
    interrupted = true;
    log("interrupted: stopping the stack");
    void stopAll().finally(() => process.exit(130));
  };
  process.on("SIGINT", onSignal);
  process.on("SIGTERM", onSignal);

  try {
    stack = await startStack({
      stateDir,
      ports: "free",
      app: false,
      seed: false,
      quiet: true,
      // Big enough for an uncompressed backup of the largest database here.
      storageFileSizeLimit: 64 * 1024 ** 3,
    });
    db = new pg.Client({ connectionString: stack.info.db_url });
    db.on("notice", () => undefined);
    await db.connect();
    const postgresVersion = ((await db.query("select version() as v")).rows[0] as { v: string }).v;
    const pidFile = path.join(stateDir, "db", "postmaster.pid");
    const postmasterPid = existsSync(pidFile)
      ? Number((await readFile(pidFile, "utf8")).split("\n")[0])
      : null;

    const generationStart = Date.now();
    const counts = await generateDatabase(db, "public", options.rows, log);
    log(`generated in ${((Date.now() - generationStart) / 1000).toFixed(1)} s`);
    const admin = await createBenchAdmin(db);
    const tables = (
      await db.query<{ name: string }>(
        "select tablename as name from pg_tables where schemaname = 'public' and tablename <> 'backup_runs' order by 1",
      )
    ).rows.map((r) => r.name);

    const env = stack.env;
    const ctx: Context = {
      options,
      stack,
      workDir,
      postmasterPid,
      tables,
      graph: {
        graphUrl: env.GRAPH_BASE_URL as string,
        tenantId: env.AZURE_TENANT_ID as string,
        clientId: env.AZURE_CLIENT_ID as string,
        clientSecret: env.AZURE_CLIENT_SECRET as string,
        link: env.ONEDRIVE_BACKUP_LINK as string,
      },
      results: {
        date: new Date().toISOString(),
        command: `npm run bench${process.argv.length > 2 ? ` -- ${process.argv.slice(2).join(" ")}` : ""}`,
        machine: await machineInfo(postgresVersion),
        rows: options.rows,
        tableCounts: { ...counts },
        reps: options.reps,
        jsonBytes: 0,
        gzipBytes: 0,
        productGzip: "unknown",
        setupSeconds: (Date.now() - started) / 1000,
        totalSeconds: 0,
        methods: [],
        upload: null,
        compression: null,
        profile: null,
        load: [],
        scale: [],
        commands: [
          {
            label: "our export (one measured run)",
            command:
              "deno run -A --config deno.json bench/.probes/export-probe.ts --db-url URL --compression gzip|none --sink null|emulator",
          },
          {
            label: "naive approach",
            command:
              "deno run -A --config deno.json bench/.probes/naive-export.ts --url SUPABASE_URL --tables …",
          },
        ],
        notes: [],
      },
    };
    if (!ctx.graph.graphUrl)
      throw new Error("Cannot run the benchmark: the stack started without the Graph emulator");
    log(`tables: ${tables.join(", ")} (bench tables: ${BENCH_TABLES.join(", ")})`);

    await exportSection(ctx);
    if (!ctx.results.jsonBytes) {
      // The export section was skipped: size the database once, for the throughput columns.
      const figures = await ourExport(ctx, "none", "null", "");
      ctx.results.jsonBytes = figures.jsonBytes;
      ctx.results.productGzip = figures.gzip;
    }
    if (!skipped(ctx, "upload")) await uploadSection(ctx);
    if (!skipped(ctx, "compression")) await compressionSection(ctx);
    if (!skipped(ctx, "profile")) await profileSection(ctx);
    if (!skipped(ctx, "load")) {
      log("load: 50 users reading the Settings page's data");
      await loadSection(ctx, await signIn(ctx, admin));
    }
    if (!skipped(ctx, "scale")) await scaleSection(ctx, db);

    ctx.results.machine.loadAverageAtEnd = os.loadavg();
    ctx.results.totalSeconds = (Date.now() - started) / 1000;
    const out = path.resolve(REPO_ROOT, options.out);
    await mkdir(path.dirname(out), { recursive: true });
    await writeFile(out, renderReport(ctx.results));
    // The raw figures too, for a closer look (bench/.data is git-ignored).
    const raw = path.join(
      REPO_ROOT,
      "bench",
      ".data",
      options.quick ? "last-quick-run.json" : "last-run.json",
    );
    await mkdir(path.dirname(raw), { recursive: true });
    await writeFile(raw, `${JSON.stringify(ctx.results, null, 2)}\n`);
    console.log(renderSummary(ctx.results));
    log(`report written to ${path.relative(REPO_ROOT, out)} in ${ctx.results.totalSeconds.toFixed(0)} s`);
  } finally {
    process.off("SIGINT", onSignal);
    process.off("SIGTERM", onSignal);
    if (!interrupted) await stopAll();
  }
}

main().catch((error: Error) => {
  console.error(`[bench] ${error.message}`);
  process.exitCode = 1;
});
