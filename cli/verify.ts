/**
 * `npm run verify -- <file> [--sha256 HEX] [--quick-xor-hash BASE64]`
 *
 * Checks a backup file without a database: format, version, completeness, per-table counts, and
 * prints its SHA-256 and QuickXorHash (compared with the given values when passed). Exit code 0 when
 * the file is sound, 1 when it is not, 2 on a usage error.
 */
import { parseFileCommandArgs } from "./lib/file-command-args.ts";
import { verifyBackup } from "./lib/verify-file.ts";
import { formatBytes, formatCount } from "./lib/text.ts";

const USAGE = "Usage: npm run verify -- <file> [--sha256 HEX] [--quick-xor-hash BASE64]";

async function main(): Promise<number> {
  const parsed = parseFileCommandArgs(Deno.args, {
    verb: "verify",
    usage: USAGE,
    options: {
      "sha256": { type: "string" },
      "quick-xor-hash": { type: "string" },
    },
  });
  if ("exitCode" in parsed) return parsed.exitCode;
  const path = parsed.path;
  let file: Deno.FsFile;
  try {
    file = await Deno.open(path, { read: true });
  } catch (error) {
    console.error(`Cannot verify "${path}": ${(error as Error).message}`);
    return 1;
  }
  try {
    const report = await verifyBackup(file.readable);
    const h = report.header;
    console.log(`${path}: ${formatBytes(report.size)}, ${report.compressed ? "gzip" : "plain JSON"}`);
    console.log(
      `format ${h.format} v${h.version}, created ${h.created_at}, PostgreSQL ${
        h.source?.postgres_version ?? "?"
      }, schemas ${(h.source?.schemas ?? []).join(", ")}`,
    );
    const width = Math.max(10, ...report.tables.map((t) => `${t.schema}.${t.name}`.length));
    for (const t of report.tables) {
      console.log(`  ${`${t.schema}.${t.name}`.padEnd(width)}  ${formatCount(t.rows).padStart(12)} rows`);
    }
    for (const r of h.source?.not_exported ?? []) {
      console.log(`  ${`${r.schema}.${r.name}`.padEnd(width)}  not exported (${r.kind})`);
    }
    console.log(
      `${report.tables.length} tables, ${
        formatCount(report.rowCount)
      } rows, ${report.sequences.length} sequences`,
    );
    console.log(`SHA-256       ${report.sha256}`);
    console.log(`QuickXorHash  ${report.quickXorHash}`);
    const mismatches: string[] = [];
    if (parsed.values.sha256 && parsed.values.sha256.toLowerCase() !== report.sha256) {
      mismatches.push(`SHA-256 is ${report.sha256}, expected ${parsed.values.sha256}`);
    }
    if (parsed.values["quick-xor-hash"] && parsed.values["quick-xor-hash"] !== report.quickXorHash) {
      mismatches.push(`QuickXorHash is ${report.quickXorHash}, expected ${parsed.values["quick-xor-hash"]}`);
    }
    if (mismatches.length) {
      console.error(
        `Cannot verify "${path}": the file differs from the expected one: ${mismatches.join("; ")}`,
      );
      return 1;
    }
    console.log("OK: the backup is complete and its counts match");
    return 0;
  } catch (error) {
    console.error(`Cannot verify "${path}": ${(error as Error).message}`);
    return 1;
  }
}

Deno.exit(await main());
