/**
 * One backup run, end to end: export (one snapshot) → gzip → hashes → spool file → Supabase Storage →
 * OneDrive → verification of both copies → retention → final run row → alerts.
 *
 * The promises this module keeps (DESIGN sections 1 and 5):
 * - the run row never stays `running` because of an error here (everything is caught and recorded);
 * - `success` only when every configured destination holds a verified copy; `partial` when one does
 *   and the other failed; `failed` otherwise, always with an actionable message and an error code;
 * - no secret in any message (the redactor runs over every recorded error);
 * - the spool file is deleted at the end, whatever happened.
 */
import { type BackupConfig, describeProblems } from "../lib/config.ts";
import type { Sql } from "../lib/db.ts";
import { BackupError, errorMessage } from "../lib/errors.ts";
import { exportBackup, type ExportSummary, type TableCount } from "../export/export.ts";
import { backupFileName, contentTypeFor } from "../format/file-format.ts";
import type { Redactor } from "../lib/redact.ts";
import { pruneRecordedCopies } from "./retention.ts";
import { rateLimitedMessage } from "../http/run-rate-limit.ts";
import type { Sleep } from "../lib/retry.ts";
import {
  type DestinationStatus,
  finishRun,
  type ReapedRun,
  reapStaleRuns,
  type RunPatch,
  type RunPhase,
  type RunTrigger,
  startRun,
  updateRun,
} from "./runs.ts";
import { removeStaleSpoolFiles, type SpooledFile, spoolToTempFile } from "../export/spool.ts";
import { fileUploadSource } from "../../graph/upload-source.ts";
import { destinationOf } from "../../graph/destination.ts";
import type { GraphClient, GraphFolder } from "../../graph/types.ts";
import type { StorageClient } from "../destinations/storage.ts";
import { refuseAPublicBucket } from "../destinations/bucket-guard.ts";
import { type AlertResult, sendAlerts } from "./alerts.ts";
import { runStoragePath } from "../destinations/storage-path.ts";

/** The part of the Graph client (docs/architecture.md) the pipeline uses. */
export type OneDriveClient = Pick<
  GraphClient,
  "resolveFolder" | "upload" | "listChildren" | "getItem" | "deleteItem" | "sendMail"
>;

export type ProgressEvent =
  | { type: "started"; runId: string; fileName: string }
  | { type: "phase"; phase: RunPhase }
  | { type: "table"; table: TableCount; done: number; total: number }
  | { type: "exported"; summary: ExportSummary; size: number; sha256: string; quickXorHash: string }
  | { type: "destination"; destination: "storage" | "onedrive"; status: DestinationStatus; message?: string }
  | { type: "uploaded"; bytes: number; total: number }
  | { type: "pruned"; destination: "storage" | "onedrive"; deleted: string[]; skipped: string[] }
  | { type: "warning"; message: string };

export interface PipelineDeps {
  config: BackupConfig;
  sql: Sql;
  storage: StorageClient;
  /** null when OneDrive is not configured (its status is then `skipped`). */
  onedrive: OneDriveClient | null;
  fetch: typeof fetch;
  sleep: Sleep;
  now: () => Date;
  redact: Redactor;
  log: (message: string) => void;
  onProgress?: (event: ProgressEvent) => void;
  /** How often the run row's heartbeat is refreshed while the run is alive. */
  heartbeatMs?: number;
  spool?: typeof spoolToTempFile;
}

export interface RunParams {
  trigger: RunTrigger;
  requestedBy: string | null;
  /** Refuse the run while another started or ended less than a minute ago (the HTTP entry point). */
  rateLimited?: boolean;
}

export interface RunOutcome {
  runId: string;
  status: "success" | "partial" | "failed";
  fileName: string | null;
  error: string | null;
  errorCode: string | null;
  storageStatus: DestinationStatus;
  onedriveStatus: DestinationStatus;
  size: number | null;
  rowCount: number | null;
  sha256: string | null;
  alerts: AlertResult[];
}

export type StartOutcome =
  | { kind: "started"; runId: string; done: Promise<RunOutcome> }
  | { kind: "busy"; runningId: string }
  | { kind: "rate_limited"; lastActivityAt: Date; retryAfterSeconds: number };

interface Destination {
  status: DestinationStatus;
  error: string | null;
  code: string | null;
}

/** A project label for alerts: the host of SUPABASE_URL (never a key or a path). */
export function projectLabel(supabaseUrl: string): string {
  try {
    return new URL(supabaseUrl).host;
  } catch {
    return "this project";
  }
}

/** Marks dead runs failed and alerts about them (once: only the call that reaps a row alerts). */
export async function reapAndAlert(deps: PipelineDeps): Promise<ReapedRun[]> {
  const reaped = await reapStaleRuns(deps.sql, { maxRunSeconds: deps.config.maxRunSeconds });
  for (const run of reaped) {
    deps.log(`Marked run ${run.id} failed: ${run.error}`);
    await sendAlerts(
      {
        fetch: deps.fetch,
        mail: deps.onedrive,
        redact: deps.redact,
        project: projectLabel(deps.config.supabaseUrl),
      },
      alertChannels(deps.config),
      {
        id: run.id,
        status: "failed",
        trigger: run.trigger,
        fileName: run.file_name,
        error: run.error,
        storageStatus: "unknown",
        onedriveStatus: "unknown",
      },
    ).catch(() => []);
  }
  return reaped;
}

function alertChannels(config: BackupConfig) {
  return { webhookUrl: config.alertWebhookUrl, emails: config.alertEmails, sender: config.alertSender };
}

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

export async function startBackup(deps: PipelineDeps, params: RunParams): Promise<StartOutcome> {
  await reapAndAlert(deps);
  const onedriveSkipped = deps.onedrive === null || deps.config.azure === null;
  const start = await startRun(deps.sql, { ...params, onedriveSkipped });
  if (!start.started) {
    return "rateLimited" in start
      ? {
        kind: "rate_limited",
        lastActivityAt: start.lastActivityAt,
        retryAfterSeconds: start.retryAfterSeconds,
      }
      : { kind: "busy", runningId: start.runningId };
  }
  const done = execute(deps, start.id, params, onedriveSkipped);
  return { kind: "started", runId: start.id, done };
}

/** Runs a backup to its end (CLI): null when another run is in progress. */
export async function runBackup(
  deps: PipelineDeps,
  params: RunParams,
): Promise<RunOutcome | { busy: true; runningId: string }> {
  const started = await startBackup(deps, params);
  if (started.kind === "busy") return { busy: true, runningId: started.runningId };
  if (started.kind === "rate_limited") {
    throw new BackupError("rate_limited", rateLimitedMessage(started));
  }
  return await started.done;
}

async function execute(
  deps: PipelineDeps,
  runId: string,
  params: RunParams,
  onedriveSkipped: boolean,
): Promise<RunOutcome> {
  const { config, sql } = deps;
  const emit = (event: ProgressEvent) => {
    try {
      deps.onProgress?.(event);
    } catch {
      // A progress printer must never break a run.
    }
  };
  const storage: Destination = { status: "pending", error: null, code: null };
  const onedrive: Destination = { status: onedriveSkipped ? "skipped" : "pending", error: null, code: null };
  let fileName: string | null = null;
  /** Where the Storage copy goes: `<run id>/<file name>` (storage-path.ts). */
  let storagePath: string | null = null;
  /** The Storage object exists (the upload call succeeded), verified or not: recorded so retention can remove it. */
  let storageWritten = false;
  let spooled: SpooledFile | null = null;
  let summary: ExportSummary | null = null;
  let fatal: BackupError | null = null;
  let warning: string | null = null;
  const abort = new AbortController();

  // Progress writes are serialized and best effort; a lost heartbeat only matters if the run is dead.
  let pending: Promise<unknown> = Promise.resolve();
  const update = (patch: RunPatch) => {
    pending = pending.then(() => updateRun(sql, runId, patch)).then((alive) => {
      if (alive === false && !abort.signal.aborted) {
        abort.abort(new BackupError("run_abandoned", "The run was marked failed while it was still working"));
      }
    }).catch((error) => deps.log(deps.redact(`Cannot update run ${runId}: ${errorMessage(error)}`)));
    return pending;
  };
  const phase = async (p: RunPhase, patch: RunPatch = {}) => {
    emit({ type: "phase", phase: p });
    await update({ ...patch, phase: p });
  };
  const heartbeat = setInterval(() => void update({}), deps.heartbeatMs ?? 10_000);
  const checkAlive = () => {
    if (abort.signal.aborted) throw abort.signal.reason;
  };

  try {
    if (config.problems.length) {
      throw new BackupError(
        "config_invalid",
        `Cannot start the backup: the configuration is invalid: ${describeProblems(config.problems)}`,
      );
    }

    // A process killed mid-run could not delete its spool file; older ones than any live run go now.
    if (!deps.spool) await removeStaleSpoolFiles({ olderThanMs: config.maxRunSeconds * 1000 });

    // Exporting: snapshot → JSON → gzip → hashes → spool file.
    fileName = await freshFileName(deps, runId);
    storagePath = runStoragePath(runId, fileName);
    emit({ type: "started", runId, fileName });
    await phase("exporting", { file_name: fileName, storage_status: "pending" });
    try {
      let lastBytes = 0;
      const handle = exportBackup({
        dbUrl: config.dbUrl,
        schemas: config.schemas,
        exclude: config.excludeTables,
        onTable: (table, done, total) => emit({ type: "table", table, done, total }),
      });
      spooled = await (deps.spool ?? spoolToTempFile)(handle.stream, {
        compression: config.compression,
        onProgress: (_json, fileBytes) => {
          // Bytes on the row are informative; write them at most every 4 MiB.
          if (fileBytes - lastBytes >= 4 * 1024 * 1024) {
            lastBytes = fileBytes;
            void update({ size_bytes: fileBytes });
          }
        },
      });
      summary = await handle.summary;
    } catch (error) {
      throw exportFailure(error);
    }
    checkAlive();
    emit({
      type: "exported",
      summary,
      size: spooled.size,
      sha256: spooled.sha256,
      quickXorHash: spooled.quickXorHash,
    });
    await update({
      size_bytes: spooled.size,
      row_count: summary.rowCount,
      table_count: summary.tableCount,
      tables: summary.tables,
      sha256: spooled.sha256,
      quick_xor_hash: spooled.quickXorHash,
    });

    // Storing: Supabase Storage.
    await phase("storing", { storage_status: "running" });
    storage.status = "running";
    try {
      await refuseAPublicBucket(deps.storage, fileName);
      await deps.storage.upload(storagePath, spooled, contentTypeFor(fileName));
      storageWritten = true;
      storage.status = "success"; // provisional: verified below
    } catch (error) {
      storage.status = "failed";
      storage.error = errorMessage(error);
      storage.code = error instanceof BackupError ? error.code : "storage_error";
    }
    emit({
      type: "destination",
      destination: "storage",
      status: storage.status,
      message: storage.error ?? undefined,
    });
    await update({
      storage_status: storage.status === "success" ? "running" : storage.status,
      storage_path: storageWritten ? storagePath : null,
    });
    checkAlive();

    // Uploading: OneDrive.
    let uploaded: { id: string; size: number; webUrl: string; quickXorHash: string } | null = null;
    let folder: GraphFolder | null = null;
    if (!onedriveSkipped && deps.onedrive && config.destination) {
      await phase("uploading", { onedrive_status: "running", bytes_uploaded: 0 });
      onedrive.status = "running";
      try {
        folder = await deps.onedrive.resolveFolder(destinationOf(config.destination));
        let lastReported = 0;
        const total = spooled.size;
        uploaded = await deps.onedrive.upload(folder, fileName, await fileUploadSource(spooled.path), {
          signal: abort.signal,
          expectedQuickXorHash: spooled.quickXorHash,
          ...(config.uploadFragmentBytes === null ? {} : { fragmentSize: config.uploadFragmentBytes }),
          onProgress: (bytes) => {
            emit({ type: "uploaded", bytes, total });
            if (bytes - lastReported >= 2 * 1024 * 1024 || bytes === total) {
              lastReported = bytes;
              void update({ bytes_uploaded: bytes });
            }
          },
        });
        await update({
          bytes_uploaded: uploaded.size,
          onedrive_item_id: uploaded.id,
          onedrive_drive_id: folder.driveId,
          onedrive_web_url: uploaded.webUrl,
        });
      } catch (error) {
        onedrive.status = "failed";
        onedrive.error = errorMessage(error);
        const code = (error as { code?: unknown })?.code;
        onedrive.code = typeof code === "string" ? code : "onedrive_failed";
        await update({ onedrive_status: "failed" });
      }
      checkAlive();
    }

    // Verifying: both copies are what we wrote.
    await phase("verifying");
    if (storage.status === "success") {
      try {
        const object = await deps.storage.find(storagePath);
        if (!object) {
          throw new BackupError(
            "storage_verify_failed",
            `the object "${storagePath}" is not listed after the upload`,
          );
        }
        if (object.size !== null && object.size !== spooled.size) {
          throw new BackupError(
            "storage_verify_failed",
            `the stored object has ${object.size} bytes instead of ${spooled.size}`,
          );
        }
      } catch (error) {
        storage.status = "failed";
        storage.error = `Cannot verify the Storage copy "${storagePath}": ${errorMessage(error)}`;
        storage.code = "storage_verify_failed";
      }
      await update({ storage_status: storage.status });
      emit({
        type: "destination",
        destination: "storage",
        status: storage.status,
        message: storage.error ?? undefined,
      });
    }
    if (uploaded) {
      if (uploaded.size !== spooled.size) {
        onedrive.status = "failed";
        onedrive.error =
          `Cannot verify the OneDrive copy "${fileName}": it has ${uploaded.size} bytes instead of ${spooled.size}`;
        onedrive.code = "onedrive_verify_failed";
      } else if (uploaded.quickXorHash && uploaded.quickXorHash !== spooled.quickXorHash) {
        onedrive.status = "failed";
        onedrive.error =
          `Cannot verify the OneDrive copy "${fileName}": its QuickXorHash "${uploaded.quickXorHash}" differs from the file's "${spooled.quickXorHash}"`;
        onedrive.code = "onedrive_hash_mismatch";
      } else if (!uploaded.quickXorHash) {
        onedrive.status = "failed";
        onedrive.error =
          `Cannot verify the OneDrive copy "${fileName}": OneDrive reported no QuickXorHash (is the folder on OneDrive for Business or SharePoint?)`;
        onedrive.code = "onedrive_verify_failed";
      } else {
        onedrive.status = "success";
      }
      await update({ onedrive_status: onedrive.status });
    }
    if (!onedriveSkipped) {
      emit({
        type: "destination",
        destination: "onedrive",
        status: onedrive.status,
        message: onedrive.error ?? undefined,
      });
    }

    // Pruning: only where this run left a verified copy, so an outage never empties a destination; only
    // copies recorded in backup_runs (retention.ts), never files found in a listing.
    if (!config.retention.keepAll && (storage.status === "success" || onedrive.status === "success")) {
      await phase("pruning");
      const problems: string[] = [];
      const od = onedrive.status === "success" && deps.onedrive && folder ? deps.onedrive : null;
      const targets = {
        storage: storage.status === "success" ? deps.storage : null,
        onedrive: od && folder
          ? {
            getItem: (driveId: string, itemId: string) => od.getItem(driveId, itemId),
            deleteItem: (driveId: string, itemId: string) => od.deleteItem(driveId, itemId),
            fallbackDriveId: folder.driveId,
          }
          : null,
      };
      for (const destination of ["storage", "onedrive"] as const) {
        if (!targets[destination]) continue;
        const label = destination === "storage" ? "Storage" : "OneDrive";
        try {
          const result = (await pruneRecordedCopies(
            sql,
            { storage: null, onedrive: null, [destination]: targets[destination] },
            config.retention,
            runId,
          ))[destination];
          if (result) {
            emit({ type: "pruned", destination, deleted: result.deleted, skipped: result.skipped });
            problems.push(...result.skipped.map((m) => `${label}: ${m}`));
          }
        } catch (error) {
          problems.push(`${label}: ${errorMessage(error)}`);
        }
      }
      if (problems.length) {
        warning = `The backup succeeded but old backups could not be deleted: ${problems.join("; ")}`;
        emit({ type: "warning", message: warning });
      }
    }
  } catch (error) {
    fatal = error instanceof BackupError
      ? error
      : new BackupError("internal_error", `The backup failed: ${errorMessage(error)}`);
  } finally {
    clearInterval(heartbeat);
    await spooled?.remove().catch((error) =>
      deps.log(`Cannot delete the spool file: ${errorMessage(error)}`)
    );
  }

  // The outcome: success only when every configured destination holds a verified copy.
  const configured = [storage, ...(onedriveSkipped ? [] : [onedrive])];
  for (const d of configured) {
    if (d.status !== "success" && d.status !== "failed") d.status = "failed";
  }
  const verified = configured.filter((d) => d.status === "success").length;
  const status: RunOutcome["status"] = fatal
    ? "failed"
    : verified === configured.length
    ? "success"
    : verified > 0
    ? "partial"
    : "failed";

  let error: string | null = null;
  let errorCode: string | null = null;
  if (fatal) {
    error = fatal.message;
    errorCode = fatal.code;
  } else if (status !== "success") {
    const parts: string[] = [];
    if (storage.status === "failed") parts.push(`Supabase Storage copy failed: ${storage.error}`);
    if (onedrive.status === "failed") parts.push(`OneDrive copy failed: ${onedrive.error}`);
    const lead = status === "partial"
      ? storage.status === "success"
        ? "The backup is safe in Supabase Storage but not in OneDrive"
        : "The backup is safe in OneDrive but not in Supabase Storage"
      : "The backup was not stored anywhere";
    error = `${lead}. ${parts.join(". ")}`;
    errorCode = status === "partial"
      ? (storage.status === "failed" ? storage.code : onedrive.code)
      : (storage.code ?? onedrive.code);
  } else if (warning) {
    error = warning;
    errorCode = "prune_failed";
  }
  if (error) error = deps.redact(error);

  await pending;
  let recorded = false;
  try {
    recorded = await finishRun(sql, runId, status, {
      storage_status: storage.status,
      onedrive_status: onedrive.status,
      storage_path: storageWritten ? storagePath : null,
      error,
      error_code: errorCode,
      ...(spooled ? { size_bytes: spooled.size } : {}),
    });
    if (!recorded) {
      deps.log(`Run ${runId} had already been marked failed; its outcome (${status}) was not recorded`);
    }
  } catch (e) {
    deps.log(deps.redact(`Cannot record the outcome of run ${runId}: ${errorMessage(e)}`));
  }

  let alerts: AlertResult[] = [];
  if (status !== "success" && recorded) {
    alerts = await sendAlerts(
      {
        fetch: deps.fetch,
        mail: deps.onedrive,
        redact: deps.redact,
        project: projectLabel(config.supabaseUrl),
      },
      alertChannels(config),
      {
        id: runId,
        status,
        trigger: params.trigger,
        fileName,
        error: error ?? "",
        storageStatus: storage.status,
        onedriveStatus: onedrive.status,
      },
    );
    for (const a of alerts) if (!a.ok) deps.log(a.message);
  }

  return {
    runId,
    status,
    fileName,
    error,
    errorCode,
    storageStatus: storage.status,
    onedriveStatus: onedrive.status,
    size: spooled?.size ?? null,
    rowCount: summary?.rowCount ?? null,
    sha256: spooled?.sha256 ?? null,
    alerts,
  };
}
