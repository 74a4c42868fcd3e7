/**
 * Retention, applied: reads the recorded copies from `public.backup_runs`, plans each destination with
 * planRetention (retention-plan.ts), deletes what the plan says by recorded location only, and records
 * each deletion (`storage_deleted_at`, `onedrive_deleted_at`) so nothing is deleted twice.
 *
 * Nothing here lists a folder or a bucket: a file this tool did not record is never a candidate,
 * whatever its name. A OneDrive item is deleted by its recorded id, in its recorded drive, and only
 * while it still has the run's file name and size; otherwise it is left alone and reported.
 */
import type { Sql } from "../lib/db.ts";
import { errorMessage } from "../lib/errors.ts";
import { planRetention, recordedCopies, type RetentionPolicy, type RunRecord } from "./retention-plan.ts";

export interface PruneResult {
  /** File names whose copy was deleted (or found already gone), oldest first. */
  deleted: string[];
  /** Why copies the plan wanted gone were left in place. */
  skipped: string[];
}

export interface PruneTargets {
  storage: { remove(paths: string[]): Promise<void> } | null;
  onedrive: {
    getItem(
      driveId: string,
      itemId: string,
    ): Promise<{ name: string; size: number; isFile: boolean } | undefined>;
    deleteItem(driveId: string, itemId: string): Promise<void>;
    /** The drive of rows recorded before onedrive_drive_id existed: the configured folder's drive. */
    fallbackDriveId: string;
  } | null;
}

interface PruneRow extends RunRecord {
  file_name: string | null;
  size_bytes: string | number | null;
  onedrive_drive_id: string | null;
}

async function loadRows(sql: Sql): Promise<{ rows: PruneRow[]; now: Date }> {
  const rows = await sql<PruneRow[]>`
    select id, status, started_at, file_name, size_bytes, storage_status, onedrive_status, storage_path,
           onedrive_item_id, onedrive_drive_id, storage_deleted_at, onedrive_deleted_at
    from public.backup_runs
    where (storage_path is not null and storage_deleted_at is null)
       or (onedrive_item_id is not null and onedrive_deleted_at is null)`;
  const [{ now }] = await sql<Array<{ now: Date }>>`select clock_timestamp() as now`;
  return { rows: [...rows], now };
}

function doomedRows(
  rows: PruneRow[],
  destination: "storage" | "onedrive",
  policy: RetentionPolicy,
  now: Date,
  runId: string,
): PruneRow[] {
  const byId = new Map(rows.map((r) => [r.id, r]));
  const plan = planRetention(recordedCopies(rows, destination, { runId, verified: true }), policy, now);
  return plan.delete
    .map((d) => byId.get(d.runId)!)
    .filter((r) => r.id !== runId)
    .sort((a, b) => a.started_at.getTime() - b.started_at.getTime());
}

/**
 * Prunes the destinations given (only those where the run `runId` left a verified copy: an outage never
 * empties a destination). Returns per destination what was deleted and what was left alone.
 */
export async function pruneRecordedCopies(
  sql: Sql,
  targets: PruneTargets,
  policy: RetentionPolicy,
  runId: string,
): Promise<{ storage?: PruneResult; onedrive?: PruneResult }> {
  if (policy.keepAll) return {};
  const { rows, now } = await loadRows(sql);
  const out: { storage?: PruneResult; onedrive?: PruneResult } = {};

  if (targets.storage) {
    const doomed = doomedRows(rows, "storage", policy, now, runId);
    const result: PruneResult = { deleted: [], skipped: [] };
    // Bounded batches: one request per 100 paths, recorded as deleted once the request succeeded.
    for (let i = 0; i < doomed.length; i += 100) {
      const batch = doomed.slice(i, i + 100);
      await targets.storage.remove(batch.map((r) => r.storage_path!));
      await sql`
        update public.backup_runs set storage_deleted_at = clock_timestamp()
        where id = any(${batch.map((r) => r.id)}::uuid[]) and storage_deleted_at is null`;
      result.deleted.push(...batch.map((r) => r.file_name ?? r.storage_path!));
    }
    out.storage = result;
  }

  if (targets.onedrive) {
    const od = targets.onedrive;
    const result: PruneResult = { deleted: [], skipped: [] };
    for (const row of doomedRows(rows, "onedrive", policy, now, runId)) {
      const driveId = row.onedrive_drive_id ?? od.fallbackDriveId;
      const itemId = row.onedrive_item_id!;
      try {
        const item = await od.getItem(driveId, itemId);
        if (item) {
          const size = row.size_bytes === null ? null : Number(row.size_bytes);
          const problem = !item.isFile
            ? "it is not a file"
            : item.name !== row.file_name
            ? `it is now called "${item.name}", not "${row.file_name ?? ""}"`
            : size !== null && item.size !== size
            ? `it now has ${item.size} bytes instead of ${size}`
            : null;
          if (problem) {
            result.skipped.push(
              `Not deleting OneDrive item "${itemId}" (${
                row.file_name ?? "run " + row.id
              }): ${problem}; it was changed after the backup, delete it by hand if it is no longer needed`,
            );
            continue;
          }
          await od.deleteItem(driveId, itemId);
        }
        // Deleted now, or already gone: either way this copy no longer exists.
        await sql`
          update public.backup_runs set onedrive_deleted_at = clock_timestamp()
          where id = ${row.id} and onedrive_deleted_at is null`;
        result.deleted.push(row.file_name ?? itemId);
      } catch (error) {
        result.skipped.push(
          `Cannot delete OneDrive item "${itemId}" (${row.file_name ?? "run " + row.id}): ${
            errorMessage(error)
          }`,
        );
      }
    }
    out.onedrive = result;
  }
  return out;
}
