/**
 * Phase "pruning": deletes old copies, only where this run left a verified copy, so an outage never
 * empties a destination; only copies recorded in backup_runs (retention.ts), never files found in a
 * listing. A failure here is a warning on a successful run, not a failed run.
 */
import { errorMessage } from "../../lib/errors.ts";
import { pruneRecordedCopies, type PruneTargets } from "../retention.ts";
import type { OneDriveCopy, RunContext } from "../run-context.ts";

/** The destinations to prune: those holding this run's verified copy. */
function pruneTargets(run: RunContext, copy: OneDriveCopy | null): PruneTargets {
  const { deps } = run;
  const folder = copy?.folder ?? null;
  const od = run.onedrive.status === "success" && deps.onedrive && folder ? deps.onedrive : null;
  return {
    storage: run.storage.status === "success" ? deps.storage : null,
    onedrive: od && folder
      ? {
        getItem: (driveId: string, itemId: string) => od.getItem(driveId, itemId),
        deleteItem: (driveId: string, itemId: string) => od.deleteItem(driveId, itemId),
        fallbackDriveId: folder.driveId,
      }
      : null,
  };
}

/** Prunes one destination; returns why some copies stayed. */
async function pruneDestination(
  run: RunContext,
  destination: "storage" | "onedrive",
  targets: PruneTargets,
): Promise<string[]> {
  const label = destination === "storage" ? "Storage" : "OneDrive";
  try {
    const result = (await pruneRecordedCopies(
      run.deps.sql,
      { storage: null, onedrive: null, [destination]: targets[destination] },
      run.deps.config.retention,
      run.runId,
    ))[destination];
    if (!result) return [];
    run.progress.emit({ type: "pruned", destination, deleted: result.deleted, skipped: result.skipped });
    return result.skipped.map((m) => `${label}: ${m}`);
  } catch (error) {
    return [`${label}: ${errorMessage(error)}`];
  }
}

export async function prune(run: RunContext, copy: OneDriveCopy | null): Promise<void> {
  const { retention } = run.deps.config;
  if (retention.keepAll || (run.storage.status !== "success" && run.onedrive.status !== "success")) return;
  await run.progress.phase("pruning");
  const targets = pruneTargets(run, copy);
  const problems: string[] = [];
  for (const destination of ["storage", "onedrive"] as const) {
    if (targets[destination]) problems.push(...await pruneDestination(run, destination, targets));
  }
  if (problems.length) {
    run.warning = `The backup succeeded but old backups could not be deleted: ${problems.join("; ")}`;
    run.progress.emit({ type: "warning", message: run.warning });
  }
}
