/**
 * The `download` action: an admin asks for one backup run's Storage copy and gets a signed URL made
 * with the service key, valid DOWNLOAD_URL_SECONDS. Clients cannot read the bucket themselves (its
 * policies refuse every client role), so this is the only way to a backup file through the API, and
 * each URL handed out is recorded in public.backup_downloads (who, when, which run, until when).
 *
 * Only what this tool recorded is signed: the run must exist, have a verified Storage copy
 * (storage_status = 'success', storage_path set) that retention has not deleted (storage_deleted_at
 * null), and its path must be where the tool writes that run's file: `<run id>/<file name>`, or the
 * bare file name for rows recorded before runs had their own folder (storage-path.ts). A run id is
 * never turned into an arbitrary path.
 */
import type { Sql } from "../lib/db.ts";
import type { StorageClient } from "../destinations/storage.ts";
import { isRunStoragePath } from "../destinations/storage-path.ts";
import { BACKUP_NAME_PATTERN } from "../format/file-format.ts";

export const DOWNLOAD_URL_SECONDS = 300;

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
/** `backup-YYYY-MM-DDTHH-MM-SSZ.json`, optionally `.gz`, optionally encrypted (`.age`). */

export type DownloadOutcome =
  | { ok: true; url: string; file_name: string; expires_at: string; expires_in: number }
  | { ok: false; status: 400 | 404 | 409; error: string };

export interface DownloadDeps {
  sql: Sql;
  storage: Pick<StorageClient, "signDownload">;
  now: () => Date;
}

/** "2026-11-29 10:15 UTC" */
function utcMinute(at: Date): string {
  return `${at.toISOString().slice(0, 16).replace("T", " ")} UTC`;
}

export async function createDownload(
  deps: DownloadDeps,
  request: { runId: unknown; userId: string },
): Promise<DownloadOutcome> {
  const { runId } = request;
  if (typeof runId !== "string" || !UUID.test(runId)) {
    return {
      ok: false,
      status: 400,
      error: 'Invalid run_id: send {"action": "download", "run_id": "<id of a backup run>"}',
    };
  }
  const [run] = await deps.sql<
    Array<{
      id: string;
      storage_path: string | null;
      storage_status: string;
      file_name: string | null;
      storage_deleted_at: Date | null;
    }>
  >`select id, storage_path, storage_status, file_name, storage_deleted_at
    from public.backup_runs where id = ${runId}`;
  if (!run) return { ok: false, status: 404, error: `Cannot download run ${runId}: no such backup run` };
  if (run.storage_deleted_at) {
    return {
      ok: false,
      status: 409,
      error: `Cannot download run ${runId}: its Storage copy${
        run.file_name ? ` "${run.file_name}"` : ""
      } was deleted by retention on ${utcMinute(run.storage_deleted_at)}; download a newer backup${
        run.file_name ? ", or this file from the OneDrive folder if it is still kept there" : ""
      }`,
    };
  }
  if (run.storage_status !== "success" || !run.storage_path) {
    return {
      ok: false,
      status: 409,
      error:
        `Cannot download run ${runId}: it has no verified copy in Supabase Storage (storage status: ${run.storage_status})`,
    };
  }
  if (
    !run.file_name || !BACKUP_NAME_PATTERN.test(run.file_name) ||
    !isRunStoragePath(run.storage_path, run.id, run.file_name)
  ) {
    return {
      ok: false,
      status: 409,
      error:
        `Cannot download run ${runId}: its Storage path is not where this tool writes the run's backup file (<run id>/backup-….json.gz)`,
    };
  }
  const expiresAt = new Date(deps.now().getTime() + DOWNLOAD_URL_SECONDS * 1000);
  // Recorded first: a URL is never handed out without its audit row.
  await deps.sql`
    insert into public.backup_downloads (run_id, storage_path, requested_by, expires_at)
    values (${runId}, ${run.storage_path}, ${request.userId}, ${expiresAt})`;
  const url = await deps.storage.signDownload(run.storage_path, DOWNLOAD_URL_SECONDS);
  return {
    ok: true,
    url,
    file_name: run.file_name,
    expires_at: expiresAt.toISOString(),
    expires_in: DOWNLOAD_URL_SECONDS,
  };
}
