/**
 * Turns the benchmark's results into docs/performance.md (and a short console summary): the tables, the
 * targets of issue 7 with what was measured, and the limits derived for one edge function invocation.
 * Everything here is computed from the results; the hand-written reading of a run lives in
 * bench/performance-analysis.md and is appended as it is.
 */
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import type { BenchResults, CompressionFigure, MethodResult, RunFigures } from "./results.ts";
import {
  cpuPer100MB,
  fixed,
  formatBytes,
  formatPercent,
  formatRatio,
  median,
  MB,
  percentile,
  ratio,
  throughput,
} from "./stats.ts";

/** Hosted edge function limits (docs/design.md §9). */
export const LIMITS = { cpuSeconds: 2, wallFreeSeconds: 150, wallPaidSeconds: 400, memoryBytes: 256 * MB };

export interface Medians {
  seconds: number;
  cpuSeconds: number;
  peakRssBytes: number;
  outputBytes: number;
  postgresCpuSeconds: number;
  uploadSeconds: number;
}

export function medians(runs: readonly RunFigures[]): Medians {
  return {
    seconds: median(runs.map((r) => r.seconds)),
    cpuSeconds: median(runs.map((r) => r.cpuSeconds)),
    peakRssBytes: median(runs.map((r) => r.peakRssBytes)),
    outputBytes: median(runs.map((r) => r.outputBytes)),
    postgresCpuSeconds: median(
      runs.flatMap((r) => (r.postgresCpuSeconds === null ? [] : [r.postgresCpuSeconds])),
    ),
    uploadSeconds: median(runs.flatMap((r) => (r.uploadSeconds === undefined ? [] : [r.uploadSeconds]))),
  };
}

function method(results: BenchResults, key: string): MethodResult | undefined {
  return results.methods.find((m) => m.key === key && m.runs.length > 0);
}

/** MB/s of the database's JSON (the common yardstick) for a method's median wall time. */
function mbps(results: BenchResults, key: string): number {
  const m = method(results, key);
  return m ? throughput(results.jsonBytes, medians(m.runs).seconds) : Number.NaN;
}

const yesNo = (ok: boolean | null) => (ok === null ? "not measured" : ok ? "yes" : "**no**");

interface Target {
  target: string;
  measured: string;
  met: boolean | null;
}

export function targets(results: BenchResults): Target[] {
  const list: Target[] = [];
  const oursNone = mbps(results, "ours-null-none");
  const naive = mbps(results, "naive");
  const r1 = ratio(oursNone, naive);
  list.push({
    target: "export ≥ 10x the naive approach's throughput",
    measured: `${formatRatio(r1)} (${fixed(oursNone)} vs ${fixed(naive)} MB/s, no compression)`,
    met: Number.isFinite(r1) ? r1 >= 10 : null,
  });
  for (const [ours, psql, label] of [
    ["ours-null-none", "psql", "no compression"],
    ["ours-null-gzip", "psql-gzip", "gzip"],
  ] as const) {
    const r = ratio(mbps(results, ours), mbps(results, psql));
    list.push({
      target: `export ≥ 70% of psql COPY's throughput (${label})`,
      measured: `${formatPercent(r)} (${fixed(mbps(results, ours))} vs ${fixed(mbps(results, psql))} MB/s)`,
      met: Number.isFinite(r) ? r >= 0.7 : null,
    });
  }
  const emulatorGzip = method(results, "ours-emulator-gzip");
  const defaultPath = emulatorGzip ? medians(emulatorGzip.runs).peakRssBytes : null;
  const ourRuns = results.methods.filter((m) => m.key.startsWith("ours-")).flatMap((m) => m.runs);
  const peak = Math.max(
    ...ourRuns.map((r) => r.peakRssBytes),
    ...results.scale.flatMap((s) => s.runs.map((r) => r.figures.peakRssBytes)),
  );
  list.push({
    target: "peak RSS of the function process < 150 MB",
    measured:
      Number.isFinite(peak) && peak > 0
        ? `${formatBytes(peak)} (largest run of ours)` +
          (defaultPath ? `; default path (gzip, spool, upload): ${formatBytes(defaultPath)}` : "")
        : "n/a",
    met: Number.isFinite(peak) && peak > 0 ? peak < 150 * MB : null,
  });
  const flat = rssGrowth(results);
  list.push({
    target: "peak RSS flat (within 10%) from 1x to 4x data",
    measured: flat
      ? `${formatBytes(flat.at1)} → ${formatBytes(flat.at4)} (${flat.growth >= 0 ? "+" : ""}${fixed(flat.growth * 100, 0)}%, gzip, null sink)`
      : "n/a",
    met: flat ? Math.abs(flat.growth) <= 0.1 : null,
  });
  const up = uploadRatio(results);
  list.push({
    target: "upload ≥ 90% of curl's throughput",
    measured: up ? `${formatPercent(up.ratio)} (${fixed(up.ours)} vs ${fixed(up.curl)} MB/s)` : "n/a",
    met: up ? up.ratio >= 0.9 : null,
  });
  return list;
}

export function rssGrowth(results: BenchResults): { at1: number; at4: number; growth: number } | null {
  const at1 = method(results, "ours-null-gzip");
  const at4 = results.scale.find((s) => s.factor === 4)?.runs.find((r) => r.compression === "gzip");
  if (!at1 || !at4) return null;
  const one = medians(at1.runs).peakRssBytes;
  return { at1: one, at4: at4.figures.peakRssBytes, growth: at4.figures.peakRssBytes / one - 1 };
}

export function uploadRatio(results: BenchResults): { ours: number; curl: number; ratio: number } | null {
  const up = results.upload;
  if (!up || !up.ours.length || !up.curl.length) return null;
  const ours = throughput(up.bytes, medians(up.ours).seconds);
  const curl = throughput(up.bytes, medians(up.curl).seconds);
  return { ours, curl, ratio: ours / curl };
}

export interface LevelEstimate {
  method: string;
  compressionRatio: number;
  /** Estimated CPU seconds of a whole function run (export, compress, hash, spool, upload) per 100 MB of JSON. */
  cpuPer100MB: number;
  /** Largest database (uncompressed JSON bytes) within the 2 s CPU budget. */
  largestBytes: number;
  fileBytes: number;
}

/**
 * Per compression method, the CPU of a whole run per 100 MB of JSON, from measured parts: our export
 * without compression, minus its hashing (the hashes then run over the smaller compressed file), plus the
 * method's own cost (measured on the sample, minus reading it), plus hashing and uploading the compressed
 * file (our client's CPU per uploaded byte).
 */
export function levelEstimates(results: BenchResults): LevelEstimate[] {
  const figures = results.compression;
  const base = method(results, "ours-null-none");
  if (!figures || !base) return [];
  const perByte = (name: RegExp) => {
    const f = figures.find((x) => name.test(x.method));
    return f ? f.cpuSeconds / f.inputBytes : 0;
  };
  const readPerByte = perByte(/^read$/);
  const hashPerByte =
    Math.max(0, perByte(/SHA-256/) - readPerByte) + Math.max(0, perByte(/QuickXorHash/) - readPerByte);
  const basePerByte = medians(base.runs).cpuSeconds / results.jsonBytes - hashPerByte;
  const up = results.upload;
  const uploadPerByte = up && up.ours.length ? medians(up.ours).cpuSeconds / up.bytes : 0;
  const rows: LevelEstimate[] = [];
  const options: CompressionFigure[] = [
    { method: "no compression", inputBytes: 1, outputBytes: 1, seconds: 0, cpuSeconds: 0 },
    ...figures.filter((f) => /gzip/.test(f.method)),
  ];
  for (const f of options) {
    const compressionRatio = f.inputBytes / f.outputBytes;
    const total =
      basePerByte +
      Math.max(0, f.cpuSeconds / f.inputBytes - readPerByte) +
      (hashPerByte + uploadPerByte) / compressionRatio;
    rows.push({
      method: f.method,
      compressionRatio,
      cpuPer100MB: total * 100 * MB,
      largestBytes: LIMITS.cpuSeconds / total,
      fileBytes: results.jsonBytes / compressionRatio,
    });
  }
  return rows;
}

/**
 * The level to use: the cheapest gzip whose file is at most 10% larger than level 6's (Storage limits
 * and upload time grow with the file; past that, CPU savings cost too much size).
 */
export function recommendedLevel(estimates: readonly LevelEstimate[]): LevelEstimate | null {
  const six = estimates.find((e) => /level 6/.test(e.method));
  if (!six) return null;
  const acceptable = estimates.filter(
    (e) => /node:zlib/.test(e.method) && e.compressionRatio >= six.compressionRatio / 1.1,
  );
  return acceptable.sort((a, b) => a.cpuPer100MB - b.cpuPer100MB)[0] ?? null;
}

function table(header: string[], rows: string[][]): string {
  const line = (cells: string[]) => `| ${cells.join(" | ")} |`;
  return [line(header), line(header.map(() => "---")), ...rows.map(line)].join("\n");
}

function exportTable(results: BenchResults): string {
  const rows = results.methods.map((m) => {
    const med = medians(m.runs);
    return [
      m.label,
      m.compression,
      String(m.runs.length),
      fixed(med.seconds, 2),
      fixed(throughput(results.jsonBytes, med.seconds)),
      `${fixed(med.cpuSeconds, 2)} (${m.cpuOf})`,
      fixed(cpuPer100MB(med.cpuSeconds, results.jsonBytes), 2),
      formatBytes(med.peakRssBytes),
      fixed(med.postgresCpuSeconds, 1),
      formatBytes(med.outputBytes),
    ];
  });
  return table(
    [
      "method",
      "compression",
      "runs",
      "wall s",
      "MB/s of JSON",
      "CPU s",
      "CPU s / 100 MB",
      "peak RSS",
      "Postgres CPU s",
      "output",
    ],
    rows,
  );
}

function limitsSection(results: BenchResults): string[] {
  const out: string[] = [];
  const full = method(results, "ours-emulator-gzip");
  const exportOnly = method(results, "ours-null-gzip");
  if (!full) return ["Not measured (the export section was skipped)."];
  const med = medians(full.runs);
  const cpuPerByte = med.cpuSeconds / results.jsonBytes;
  const rate = results.jsonBytes / med.seconds;
  out.push(
    `From the median run of **ours → Graph emulator, gzip** (export, gzip, hashes, spool file, upload): ` +
      `${fixed(cpuPer100MB(med.cpuSeconds, results.jsonBytes), 2)} CPU-seconds and ${fixed(100 / (rate / MB), 2)} s of wall clock per 100 MB of JSON.`,
    "",
    table(
      ["budget", "largest database (uncompressed JSON) per invocation"],
      [
        [
          `${LIMITS.cpuSeconds} s of CPU`,
          `**${formatBytes(LIMITS.cpuSeconds / cpuPerByte)}** (with the product's ${results.productGzip})`,
        ],
        [
          `${LIMITS.wallFreeSeconds} s wall clock (free plan)`,
          `${formatBytes(rate * LIMITS.wallFreeSeconds)} at the local rate`,
        ],
        [
          `${LIMITS.wallPaidSeconds} s wall clock (paid plans)`,
          `${formatBytes(rate * LIMITS.wallPaidSeconds)} at the local rate`,
        ],
      ],
    ),
    "",
  );
  const best = recommendedLevel(levelEstimates(results));
  if (best && best.method !== results.productGzip) {
    out.push(
      `With the recommended compression (${best.method}, see below) the CPU budget would reach about ` +
        `**${formatBytes(best.largestBytes)}** of JSON.`,
      "",
    );
  }
  if (exportOnly) {
    out.push(
      `The wall-clock limits assume the upload runs as fast as to the local emulator; to the real OneDrive the ` +
        `compressed file (about ${fixed(results.jsonBytes / Math.max(1, results.gzipBytes), 1)}x smaller than the JSON here) ` +
        `travels at the function's network speed, so add its size divided by that speed. CPU, not wall clock, ` +
        `is the binding limit: ${fixed((LIMITS.cpuSeconds / cpuPerByte / (rate * LIMITS.wallFreeSeconds)) * 100, 0)}% ` +
        `of the free plan's wall-clock reach. Larger databases need \`npm run backup\` (no CPU limit) or a run split ` +
        `across invocations. Memory: the median peak RSS of this path was ${formatBytes(med.peakRssBytes)}, against ` +
        `${formatBytes(LIMITS.memoryBytes)} for a hosted function; it does not grow with the database (see the scale section).`,
    );
  }
  return out;
}

export function renderReport(results: BenchResults): string {
  const m = results.machine;
  const lines: string[] = [];
  lines.push(
    "# Performance",
    "",
    `Written by \`${results.command}\` (bench/run.ts) on ${results.date.slice(0, 10)}; rerun it rather than editing ` +
      "this file. docs/design.md §9 is the method, issue 7 the targets.",
    "",
    "## Targets",
    "",
    table(
      ["target (issue 7)", "measured (medians)", "met"],
      targets(results).map((t) => [t.target, t.measured, yesNo(t.met)]),
    ),
    "",
    "## Limits of one edge function invocation",
    "",
    ...limitsSection(results),
    "",
    "## Machine and data",
    "",
    `- ${m.cpus} CPUs (${m.cpuModel}), ${formatBytes(m.memoryBytes)} of memory, ${m.os}; load average at start ` +
      `${m.loadAverageAtStart.map((v) => v.toFixed(2)).join(" / ")}, at end ${m.loadAverageAtEnd.map((v) => v.toFixed(2)).join(" / ")} ` +
      "(the machine is shared: other work ran at the same time).",
    `- ${m.node}, ${m.deno}, ${m.postgres.split(" on ")[0]} (embedded, started by the local stack); ${m.psql ?? "no psql"}; ${m.pgDump ?? "no pg_dump"}.`,
    `- ${results.rows.toLocaleString("en")} generated rows (${Object.entries(results.tableCounts)
      .map(([t, n]) => `${t} ${n.toLocaleString("en")}`)
      .join(", ")}): bigint, uuid, text with accents, emoji, quotes, backslashes and line breaks, numeric, ` +
      "double precision, boolean, date, timestamptz, text[], inet, bytea, small jsonb payloads and wide jsonb documents (bench/generate-data.ts).",
    `- As JSON (our backup file without compression): **${formatBytes(results.jsonBytes)}**; gzip (the product's ${results.productGzip}): ${formatBytes(results.gzipBytes)}.`,
    `- ${results.reps} repetitions of each measurement, interleaved; medians. Setup (stack and data) ${fixed(results.setupSeconds, 0)} s, whole run ${fixed(results.totalSeconds, 0)} s.`,
    "",
    "## Export",
    "",
    "MB/s is the database's JSON size above divided by the wall time, for every method alike, so the column compares " +
      "the time each takes for the same data. CPU is that of the process doing the work (for ours and naive: the " +
      "Deno process, only the measured section, startup excluded; for psql: the client processes). Postgres CPU is " +
      "the server's, read from /proc for its process tree. Peak RSS is the process's VmHWM.",
    "",
    exportTable(results),
    "",
    "- **ours**: the product's modules (export.ts → spool.ts with SHA-256 and QuickXorHash → Graph client), run by " +
      "bench/.probes/export-probe.ts. The null sink discards the bytes after hashing; the emulator row adds the " +
      "spool file and the upload session to the local Graph emulator (the upload part: " +
      ["none", "gzip"]
        .map((c) => {
          const e = method(results, `ours-emulator-${c}`);
          return e ? `${fixed(medians(e.runs).uploadSeconds, 2)} s with ${c}` : null;
        })
        .filter(Boolean)
        .join(", ") +
      ").",
    "- **naive**: what hand-written backups do (bench/.probes/naive-export.ts): `select=*` in pages of 1,000 rows " +
      "through the gateway's REST API, `JSON.parse` and `JSON.stringify` of each page. It is measured at its best: " +
      "pages are dropped once serialised, where real functions keep every table in memory until one final " +
      "`JSON.stringify`, which needs several times the backup's size and cannot fit 256 MB beyond a few tens of MB. " +
      "The REST server's own CPU (the local gateway, in Node) is not in its CPU column.",
    "",
  );

  const up = results.upload;
  if (up) {
    const ours = medians(up.ours);
    const curl = medians(up.curl);
    lines.push(
      "## Upload",
      "",
      `${formatBytes(up.bytes)} of random bytes (as incompressible as a gzip backup) to the Graph emulator through an ` +
        `upload session in ${formatBytes(up.fragmentBytes)} fragments; ${up.ours.length} repetitions, medians.`,
      "",
      table(
        ["client", "wall s", "MB/s", "CPU s", "CPU s / 100 MB", "peak RSS"],
        [
          [
            "ours (Graph client, QuickXorHash on the way)",
            fixed(ours.seconds, 2),
            fixed(throughput(up.bytes, ours.seconds)),
            fixed(ours.cpuSeconds, 2),
            fixed(cpuPer100MB(ours.cpuSeconds, up.bytes), 2),
            formatBytes(ours.peakRssBytes),
          ],
          [
            "curl (same fragments, one connection)",
            fixed(curl.seconds, 2),
            fixed(throughput(up.bytes, curl.seconds)),
            fixed(curl.cpuSeconds, 2),
            fixed(cpuPer100MB(curl.cpuSeconds, up.bytes), 2),
            formatBytes(curl.peakRssBytes),
          ],
        ],
      ),
      "",
      "Both include creating the upload session; ours also resolves the sharing link and gets a token. The emulator " +
        "(Node, storing each fragment and hashing the file) is the same server for both.",
      "",
    );
  }

  const p = results.profile;
  if (p) {
    lines.push(
      "## Where the CPU goes",
      "",
      `\`deno run --cpu-prof\` of ${p.label}. CPU by thread (from /proc, startup included): ` +
        Object.entries(p.threads)
          .sort((a, b) => b[1] - a[1])
          .map(([name, seconds]) => `${name} ${fixed(seconds, 2)} s`)
          .join(", ") +
        ` ("deno" is the JavaScript thread; V8's worker threads do garbage collection and compilation). ` +
        `The profile samples the JavaScript thread: ${fixed(p.summary.busyMs / 1000, 2)} s busy ` +
        `(${fixed(p.summary.totalMs / 1000, 2)} s with idle waits), startup included.`,
      "",
      table(
        ["area", "ms", "share of busy time"],
        p.summary.areas.slice(0, 12).map((a) => [a.name, fixed(a.ms, 0), formatPercent(a.share)]),
      ),
      "",
      table(
        ["function (self time)", "ms", "share"],
        p.summary.functions
          .slice(0, 12)
          .map((f) => [`\`${f.name}\``, fixed(f.ms, 0), formatPercent(f.share)]),
      ),
      "",
    );
  }

  const c = results.compression;
  if (c) {
    const estimates = levelEstimates(results);
    const best = recommendedLevel(estimates);
    const sample = c[0]?.inputBytes ?? 0;
    lines.push(
      "## Compression level and hashing",
      "",
      `Measured on the backup's own JSON (${formatBytes(sample)}, read in 64 KiB chunks as the spool gets them) by ` +
        "bench/.probes/compression-probe.ts; CPU of the whole Deno process, all threads.",
      "",
      table(
        ["step", "CPU s / 100 MB", "MB/s", "size ratio"],
        c.map((f) => [
          f.method,
          fixed(cpuPer100MB(f.cpuSeconds, f.inputBytes), 3),
          fixed(throughput(f.inputBytes, f.seconds)),
          f.outputBytes > 64 ? `${fixed(f.inputBytes / f.outputBytes, 2)}x` : "",
        ]),
      ),
      "",
      "Estimated cost of a whole function run (our export measured without compression, plus the step's own cost, plus " +
        "our client's CPU to upload the smaller file) and what fits in the 2 s CPU budget:",
      "",
      table(
        ["compression", "file size here", "CPU s / 100 MB of JSON", "largest database in 2 s CPU"],
        estimates.map((e) => [
          e.method,
          formatBytes(e.fileBytes),
          fixed(e.cpuPer100MB, 2),
          formatBytes(e.largestBytes),
        ]),
      ),
      "",
    );
    if (best) {
      lines.push(
        `**Recommendation: ${best.method}** (the product uses ${results.productGzip}${best.method === results.productGzip ? ": the same" : ""}). ` +
          "It is the cheapest level whose file stays within 10% of level 6's size " +
          `(${fixed(best.compressionRatio, 2)}x against ${fixed(estimates.find((e) => /level 6/.test(e.method))?.compressionRatio ?? Number.NaN, 2)}x): ` +
          "cheaper levels save little CPU but grow the file, and the file size matters too, since Supabase Storage refuses " +
          "files above its upload limit (50 MB on the free plan) and the upload to OneDrive takes longer. " +
          "`CompressionStream` costs as much as level 6 and has no level setting (Deno runs it on zlib at the default level), " +
          "hence `node:zlib`'s `createGzip({ level })` in the spool.",
        "",
      );
    }
  }

  if (results.load.length) {
    lines.push(
      "## Settings page under load",
      "",
      "50 signed-in admins load the Settings page's history (`GET /rest/v1/backup_runs?select=*&order=started_at.desc&limit=20` " +
        "with the admin's JWT, RLS applied by Postgres) through the local gateway, while `npm run backup` (gzip, Storage and " +
        "OneDrive emulator) runs on the same machine.",
      "",
      table(
        ["scenario", "requests", "req/s", "p50 ms", "p95 ms", "max ms", "failures", "backup meanwhile"],
        results.load.map((l) => [
          l.label,
          String(l.latenciesMs.length),
          fixed(l.latenciesMs.length / l.seconds, 0),
          fixed(percentile(l.latenciesMs, 50), 1),
          fixed(percentile(l.latenciesMs, 95), 1),
          fixed(Math.max(...l.latenciesMs), 1),
          String(l.failures),
          l.backup
            ? `${fixed(l.backup.seconds, 1)} s, CPU ${fixed(l.backup.cpuSeconds, 1)} s, RSS ${formatBytes(l.backup.peakRssBytes)}: ${l.backup.outcome}`
            : "none",
        ]),
      ),
      "",
    );
  }

  if (results.scale.length) {
    const base = method(results, "ours-null-gzip");
    const baseNone = method(results, "ours-null-none");
    lines.push(
      "## Scale: peak RSS at 1x and 4x",
      "",
      table(
        ["data", "compression", "JSON", "wall s", "MB/s", "CPU s / 100 MB", "peak RSS"],
        [
          ...[base, baseNone].flatMap((mr) => {
            if (!mr) return [];
            const med = medians(mr.runs);
            return [
              [
                "1x (median)",
                mr.compression,
                formatBytes(results.jsonBytes),
                fixed(med.seconds, 2),
                fixed(throughput(results.jsonBytes, med.seconds)),
                fixed(cpuPer100MB(med.cpuSeconds, results.jsonBytes), 2),
                formatBytes(med.peakRssBytes),
              ],
            ];
          }),
          ...results.scale.flatMap((s) =>
            s.runs.map((r) => [
              `${s.factor}x (${s.rows.toLocaleString("en")} rows, one run)`,
              r.compression,
              formatBytes(s.jsonBytes),
              fixed(r.figures.seconds, 2),
              fixed(throughput(s.jsonBytes, r.figures.seconds)),
              fixed(cpuPer100MB(r.figures.cpuSeconds, s.jsonBytes), 2),
              formatBytes(r.figures.peakRssBytes),
            ]),
          ),
        ],
      ),
      "",
    );
  }

  lines.push(
    "## Commands",
    "",
    "```sh",
    "npm run bench                 # this report (about 1 million rows)",
    "npm run bench -- --quick      # 100,000 rows, 2 repetitions, report in bench/.data/",
    "```",
    "",
  );
  for (const cmd of results.commands) lines.push(`- ${cmd.label}: \`${cmd.command.replace(/`/g, "'")}\``);
  lines.push("");
  if (results.notes.length) {
    lines.push("## Notes", "", ...results.notes.map((n) => `- ${n}`), "");
  }
  lines.push(...analysis());
  return `${lines
    .join("\n")
    .replace(/\n{3,}/g, "\n\n")
    .trimEnd()}\n`;
}

/** The hand-written reading of the last full run (bench/performance-analysis.md), when present. */
function analysis(): string[] {
  try {
    return [
      "",
      readFileSync(fileURLToPath(new URL("./performance-analysis.md", import.meta.url)), "utf8").trim(),
      "",
    ];
  } catch {
    return [];
  }
}

export function renderSummary(results: BenchResults): string {
  const rows = targets(results).map(
    (t) => `  ${t.met === null ? "-" : t.met ? "✓" : "✗"} ${t.target}: ${t.measured}`,
  );
  return ["", "Targets:", ...rows, ""].join("\n");
}
