/**
 * `npm run restore -- <file> [--into-schema NAME | --replace] [--schemas LIST] [--dry-run] [--yes]
 *                            [--sha256 HEX] [--quick-xor-hash BASE64] [--allow-dangling]`
 *
 * Restores a backup file (gzip or plain JSON) into a new schema (default: restore_YYYYMMDD_HHMMSS) or,
 * with --replace, in place. One transaction either way; --dry-run does everything and rolls back.
 * The database comes from SUPABASE_DB_URL or DATABASE_URL (environment, then .env, then
 * .local/stack.env).
 *
 * Only tables of the schemas in --schemas (default public) are restored, never Supabase's or Postgres'
 * own schemas. --replace needs a file this tool recorded in public.backup_runs (same SHA-256) or the
 * hash passed with --sha256; it lists the tables and row counts it will replace and asks for
 * confirmation ("yes" on a terminal, --yes otherwise: --yes never skips the hash check). Foreign keys
 * left dangling roll the restore back unless --allow-dangling.
 * With --sha256 / --quick-xor-hash (the run's hashes, shown in the Settings page's run details), a file
 * whose bytes differ is refused before anything is written.
 */
import postgres from "postgres";
import { openBackupFile } from "../supabase/functions/_shared/backup/format/backup-reader.ts";
import { createRedactor } from "../supabase/functions/_shared/backup/lib/redact.ts";
import { installDriverCrashGuard } from "../supabase/functions/_shared/backup/lib/driver-guard.ts";
import { parseFileCommandArgs } from "./lib/file-command-args.ts";
import { loadCliEnvironment } from "./lib/env-files.ts";
import { basename } from "node:path";
import {
  defaultRestoreSchema,
  restoreBackup,
  RestoreCancelled,
  type RestoreMode,
  type RestorePlan,
} from "./lib/restore-database.ts";
import { describePlan } from "./lib/describe-plan.ts";
import { parseSchemasFlag } from "./lib/restore-scope.ts";
import { formatCount, formatSeconds, printable } from "./lib/text.ts";

const USAGE =
  "Usage: npm run restore -- <file> [--into-schema NAME | --replace] [--schemas LIST] [--dry-run] " +
  "[--yes] [--sha256 HEX] [--quick-xor-hash BASE64] [--allow-dangling]";

async function confirm(question: string): Promise<boolean> {
  const buffer = new Uint8Array(1024);
  await Deno.stdout.write(new TextEncoder().encode(question));
  const n = await Deno.stdin.read(buffer);
  return n !== null && new TextDecoder().decode(buffer.subarray(0, n)).trim() === "yes";
}

async function main(): Promise<number> {
  installDriverCrashGuard((m) => console.error(m));
  const parsed = parseFileCommandArgs(Deno.args, {
    verb: "restore",
    usage: USAGE,
    options: {
      "into-schema": { type: "string" },
      replace: { type: "boolean" },
      "dry-run": { type: "boolean" },
      yes: { type: "boolean" },
      sha256: { type: "string" },
      "quick-xor-hash": { type: "string" },
      schemas: { type: "string" },
      "allow-dangling": { type: "boolean" },
    },
  });
  if ("exitCode" in parsed) return parsed.exitCode;
  const v = parsed.values;
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
  const scope = parseSchemasFlag(v.schemas);
  if ("error" in scope) {
    console.error(`Cannot restore: ${scope.error}\n${USAGE}`);
    return 2;
  }
  const path = parsed.path;
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
  // In place, the plan is always printed; a real restore needs "yes" typed on a terminal, or --yes.
  const confirmPlan = async (plan: RestorePlan): Promise<boolean> => {
    if (plan.mode.kind !== "replace") return true;
    console.log(describePlan(plan, redact(dbUrl)));
    if (dryRun || v.yes) return true;
    if (!Deno.stdin.isTerminal()) {
      console.error(
        "Cannot restore in place without a confirmation: no terminal to ask on; read the list above, then pass --yes",
      );
      return false;
    }
    return await confirm('Type "yes" to continue: ');
  };

  const sql = postgres(dbUrl, {
    prepare: false,
    max: 2,
    onnotice: () => {},
    connection: { application_name: "auto-backup-restore" },
  });
  const started = Date.now();
  try {
    console.log(
      `Restoring ${printable(path)} ${mode.kind === "replace" ? "in place" : `into schema "${mode.schema}"`}${
        dryRun ? " (dry run)" : ""
      }`,
    );
    const report = await restoreBackup(sql, () => openBackupFile(path), {
      mode,
      dryRun,
      expected: { sha256: v.sha256, quickXorHash: v["quick-xor-hash"] },
      schemas: scope.schemas,
      fileName: basename(path),
      allowDangling: v["allow-dangling"] === true,
      confirm: confirmPlan,
      onProgress: (message) => console.log(`  ${printable(message)}`),
    });
    for (const w of report.warnings) console.log(`  warning: ${printable(w)}`);
    console.log(
      `${report.tables.length} tables, ${formatCount(report.rowCount)} rows${
        mode.kind === "replace" ? `, ${report.sequences} sequences ${dryRun ? "to reset" : "reset"}` : ""
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
    if (error instanceof RestoreCancelled) {
      console.error(printable(error.message));
      return 1;
    }
    console.error(printable(`Cannot restore "${path}": ${redact((error as Error).message)}`));
    console.error("Nothing was written (the restore runs in one transaction)");
    return 1;
  } finally {
    await sql.end({ timeout: 5 });
  }
}

Deno.exit(await main());
