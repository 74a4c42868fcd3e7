/** Phase "storing": the spool file into the private Storage bucket (verified later, verify-copies.ts). */
import { BackupError, errorMessage } from "../../lib/errors.ts";
import { contentTypeFor } from "../../format/file-format.ts";
import { refuseAPublicBucket } from "../../destinations/bucket-guard.ts";
import { emitDestination, type ExportedFile, type RunContext } from "../run-context.ts";

export async function storeCopy(
  run: RunContext,
  { fileName, storagePath, spooled }: ExportedFile,
): Promise<void> {
  const { deps, progress, storage } = run;
  await progress.phase("storing", { storage_status: "running" });
  storage.status = "running";
  try {
    await refuseAPublicBucket(deps.storage, fileName);
    await deps.storage.upload(storagePath, spooled, contentTypeFor(fileName));
    run.storageWritten = true;
    storage.status = "success"; // provisional: verified below
  } catch (error) {
    storage.status = "failed";
    storage.error = errorMessage(error);
    storage.code = error instanceof BackupError ? error.code : "storage_error";
  }
  emitDestination(run, "storage");
  await progress.update({
    storage_status: storage.status === "success" ? "running" : storage.status,
    storage_path: run.storageWritten ? storagePath : null,
  });
  progress.checkAlive();
}
