/**
 * Phase "exporting": picks the run's file name, then snapshot → JSON → gzip → hashes → spool file,
 * and records the counts and hashes on the run's row.
 */
import { BackupError, errorMessage } from "../../lib/errors.ts";
import { exportBackup, type ExportSummary } from "../../export/export.ts";
import { backupFileName } from "../../format/file-format.ts";
import { removeStaleSpoolFiles, type SpooledFile, spoolToTempFile } from "../../export/spool.ts";
import { runStoragePath } from "../../destinations/storage-path.ts";
import type { PipelineDeps } from "../pipeline-types.ts";
import type { ExportedFile, RunContext } from "../run-context.ts";

/**
 * Classifies an export error: the database going away is the admin's most likely fix, so it gets its
 * own code and wording.
 */
function exportFailure(error: unknown): BackupError {
  if (error instanceof BackupError) return error;
  const e = error as { code?: string; message?: string };
  const message = errorMessage(error);
  if (
    ["ECONNREFUSED", "ECONNRESET", "ETIMEDOUT", "ENOTFOUND", "CONNECTION_CLOSED", "CONNECTION_ENDED"]
      .includes(
        e?.code ?? "",
      ) || e?.code === "57P01"
  ) {
    return new BackupError(
      "database_unreachable",
      `Cannot export the database: the connection was lost (${message})`,
    );
  }
  if (e?.code === "55P03") {
    return new BackupError(
      "database_locked",
      `Cannot export the database: a table stayed locked by another session (${message}); run the backup again once migrations or maintenance are done`,
    );
  }
  if (e?.code === "57014") {
    return new BackupError(
      "database_timeout",
      `Cannot export the database: a statement was cancelled (${message}); raise statement_timeout for the backup's database user or use npm run backup`,
    );
  }
  return new BackupError("export_failed", `Cannot export the database: ${message}`);
}

/**
 * Picks a file name no earlier run recorded: waits for the next second if this one's is taken. (The
 * OneDrive folder is flat; in Storage each run has its own folder, see storage-path.ts.)
 */
async function freshFileName(deps: PipelineDeps, runId: string): Promise<string> {
  for (let attempt = 0;; attempt++) {
    const name = backupFileName(deps.now(), deps.config.compression);
    const [taken] = await deps.sql<Array<{ id: string }>>`
      select id from public.backup_runs where file_name = ${name} and id <> ${runId} limit 1`;
    if (!taken || attempt >= 3) return name;
    await deps.sleep(1000 - (deps.now().getTime() % 1000) + 5);
  }
}

/** The export streamed into a spool file, recorded on the run as soon as it exists (it must be removed). */
async function spoolExport(run: RunContext): Promise<{ spooled: SpooledFile; summary: ExportSummary }> {
  const { config } = run.deps;
  let lastBytes = 0;
  const handle = exportBackup({
    dbUrl: config.dbUrl,
    schemas: config.schemas,
    exclude: config.excludeTables,
    onTable: (table, done, total) => run.progress.emit({ type: "table", table, done, total }),
  });
  const spooled = run.spooled = await (run.deps.spool ?? spoolToTempFile)(handle.stream, {
    compression: config.compression,
    onProgress: (_json, fileBytes) => {
      // Bytes on the row are informative; write them at most every 4 MiB.
      if (fileBytes - lastBytes >= 4 * 1024 * 1024) {
        lastBytes = fileBytes;
        void run.progress.update({ size_bytes: fileBytes });
      }
    },
  });
  const summary = run.summary = await handle.summary;
  return { spooled, summary };
}

export async function exportToSpool(run: RunContext): Promise<ExportedFile> {
  const { deps, progress } = run;
  // A process killed mid-run could not delete its spool file; older ones than any live run go now.
  if (!deps.spool) await removeStaleSpoolFiles({ olderThanMs: deps.config.maxRunSeconds * 1000 });

  const fileName = run.fileName = await freshFileName(deps, run.runId);
  const storagePath = run.storagePath = runStoragePath(run.runId, fileName);
  progress.emit({ type: "started", runId: run.runId, fileName });
  await progress.phase("exporting", { file_name: fileName, storage_status: "pending" });
  const { spooled, summary } = await spoolExport(run).catch((error) => {
    throw exportFailure(error);
  });
  progress.checkAlive();
  progress.emit({
    type: "exported",
    summary,
    size: spooled.size,
    sha256: spooled.sha256,
    quickXorHash: spooled.quickXorHash,
  });
  await progress.update({
    size_bytes: spooled.size,
    row_count: summary.rowCount,
    table_count: summary.tableCount,
    tables: summary.tables,
    sha256: spooled.sha256,
    quick_xor_hash: spooled.quickXorHash,
  });
  return { fileName, storagePath, spooled };
}
