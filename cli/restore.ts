/**
 * `npm run restore -- <file> [--into-schema NAME | --replace] [--dry-run] [--yes]
 *                            [--sha256 HEX] [--quick-xor-hash BASE64]`
 *
 * Restores a backup file (gzip or plain JSON) into a new schema (default: restore_YYYYMMDD_HHMMSS) or,
 * with --replace, in place. One transaction either way; --dry-run does everything and rolls back.
 * The database comes from SUPABASE_DB_URL or DATABASE_URL (environment, then .env, then
 * .local/stack.env). --replace asks for confirmation on a terminal unless --yes is given.
 * With --sha256 / --quick-xor-hash (the run's hashes, shown in the Settings page's run details), a file
 * whose bytes differ is refused before anything is written.
 */
import { parseArgs } from "node:util";
import postgres from "postgres";
import { openBackupFile } from "../supabase/functions/_shared/backup/backup-reader.ts";
import { createRedactor } from "../supabase/functions/_shared/backup/redact.ts";
import { installDriverCrashGuard } from "../supabase/functions/_shared/backup/driver-guard.ts";
import { loadCliEnvironment } from "./lib/env-files.ts";
import { defaultRestoreSchema, restoreBackup, type RestoreMode } from "./lib/restore-database.ts";
import { formatCount, formatSeconds } from "./lib/text.ts";

const USAGE =
  "Usage: npm run restore -- <file> [--into-schema NAME | --replace] [--dry-run] [--yes] [--sha256 HEX] [--quick-xor-hash BASE64]";

async function confirm(question: string): Promise<boolean> {
  const buffer = new Uint8Array(1024);
  await Deno.stdout.write(new TextEncoder().encode(question));
  const n = await Deno.stdin.read(buffer);
  return n !== null && new TextDecoder().decode(buffer.subarray(0, n)).trim() === "yes";
}

async function main(): Promise<number> {
  installDriverCrashGuard((m) => console.error(m));
  let parsed;
  try {
    parsed = parseArgs({
      args: Deno.args,
      allowPositionals: true,
      options: {
        "into-schema": { type: "string" },
        replace: { type: "boolean" },
        "dry-run": { type: "boolean" },
        yes: { type: "boolean" },
        sha256: { type: "string" },
        "quick-xor-hash": { type: "string" },
        help: { type: "boolean" },
      },
    });
  } catch (error) {
    console.error(`Cannot restore: ${(error as Error).message}\n${USAGE}`);
    return 2;
  }
  const v = parsed.values;
  if (v.help) {
    console.log(USAGE);
    return 0;
  }
  if (parsed.positionals.length !== 1) {
    console.error(`Cannot restore: give exactly one backup file\n${USAGE}`);
    return 2;
  }
  if (v.replace && v["into-schema"] !== undefined) {
    console.error(`Cannot restore: choose either --into-schema or --replace, not both\n${USAGE}`);
    return 2;
  }
  if (v.sha256 !== undefined && !/^[0-9a-f]{64}$/i.test(v.sha256.trim())) {
    console.error(`Cannot restore: --sha256 must be 64 hexadecimal characters\n${USAGE}`);
    return 2;
  }
  if (v["into-schema"] !== undefined && v["into-schema"].trim() === "") {
    console.error(`Cannot restore: --into-schema needs a schema name\n${USAGE}`);
    return 2;
  }
  const path = parsed.positionals[0];
  try {
    await Deno.stat(path);
  } catch (error) {
    console.error(`Cannot restore "${path}": ${(error as Error).message}`);
    return 1;
  }

  const { env } = await loadCliEnvironment();
  const dbUrl = env.SUPABASE_DB_URL || env.DATABASE_URL;
  if (!dbUrl) {
    console.error(
      "Cannot restore: SUPABASE_DB_URL is not set; set it (or DATABASE_URL) in the environment, .env or .local/stack.env",
    );
    return 2;
  }
  const redact = createRedactor([]);
  const mode: RestoreMode = v.replace
    ? { kind: "replace" }
    : { kind: "schema", schema: v["into-schema"] ?? defaultRestoreSchema(new Date()) };
  const dryRun = v["dry-run"] === true;

  if (mode.kind === "replace" && !dryRun && !v.yes && Deno.stdin.isTerminal()) {
    const ok = await confirm(
      `This replaces the data of every table in "${path}" in ${redact(dbUrl)}.\nType "yes" to continue: `,
    );
    if (!ok) {
      console.error("Restore cancelled: nothing was written");
      return 1;
    }
  }

  const sql = postgres(dbUrl, {
    prepare: false,
    max: 2,
    onnotice: () => {},
    connection: { application_name: "auto-backup-restore" },
  });
  const started = Date.now();
  try {
    console.log(
      `Restoring ${path} ${mode.kind === "replace" ? "in place" : `into schema "${mode.schema}"`}${
        dryRun ? " (dry run)" : ""
      }`,
    );
    const report = await restoreBackup(sql, () => openBackupFile(path), {
      mode,
      dryRun,
      expected: { sha256: v.sha256, quickXorHash: v["quick-xor-hash"] },
      onProgress: (message) => console.log(`  ${message}`),
    });
    for (const w of report.warnings) console.log(`  warning: ${w}`);
    console.log(
      `${report.tables.length} tables, ${formatCount(report.rowCount)} rows${
        mode.kind === "replace" ? `, ${report.sequences} sequences reset` : ""
      } in ${formatSeconds(Date.now() - started)}`,
    );
    console.log(
      dryRun
        ? "Dry run: everything was checked inside a transaction that was rolled back; nothing was written"
        : mode.kind === "replace"
        ? "Done: the tables hold the backup's data"
        : `Done: the backup's tables are in schema "${mode.schema}"`,
    );
    return 0;
  } catch (error) {
    console.error(`Cannot restore "${path}": ${redact((error as Error).message)}`);
    console.error("Nothing was written (the restore runs in one transaction)");
    return 1;
  } finally {
    await sql.end({ timeout: 5 });
  }
}

Deno.exit(await main());
