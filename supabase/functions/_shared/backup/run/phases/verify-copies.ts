/** Phase "verifying": both copies are what we wrote (size, and for OneDrive its QuickXorHash). */
import { BackupError, errorMessage } from "../../lib/errors.ts";
import type { SpooledFile } from "../../export/spool.ts";
import {
  type DestinationResult,
  emitDestination,
  type ExportedFile,
  type OneDriveCopy,
  type RunContext,
} from "../run-context.ts";

/** What is wrong with the OneDrive copy as OneDrive reported it, or null when it matches the file. */
function oneDriveCopyProblem(
  uploaded: OneDriveCopy["uploaded"],
  spooled: Pick<SpooledFile, "size" | "quickXorHash">,
): { code: string; why: string } | null {
  if (uploaded.size !== spooled.size) {
    return {
      code: "onedrive_verify_failed",
      why: `it has ${uploaded.size} bytes instead of ${spooled.size}`,
    };
  }
  if (uploaded.quickXorHash && uploaded.quickXorHash !== spooled.quickXorHash) {
    return {
      code: "onedrive_hash_mismatch",
      why: `its QuickXorHash "${uploaded.quickXorHash}" differs from the file's "${spooled.quickXorHash}"`,
    };
  }
  if (!uploaded.quickXorHash) {
    return {
      code: "onedrive_verify_failed",
      why: "OneDrive reported no QuickXorHash (is the folder on OneDrive for Business or SharePoint?)",
    };
  }
  return null;
}

/** The OneDrive destination's result: success only when OneDrive reported the file's size and hash. */
export function checkOneDriveCopy(
  fileName: string,
  uploaded: OneDriveCopy["uploaded"],
  spooled: Pick<SpooledFile, "size" | "quickXorHash">,
): DestinationResult {
  const problem = oneDriveCopyProblem(uploaded, spooled);
  if (!problem) return { status: "success", error: null, code: null };
  return {
    status: "failed",
    error: `Cannot verify the OneDrive copy "${fileName}": ${problem.why}`,
    code: problem.code,
  };
}

/** The Storage object is listed with the file's size (a size Storage does not report is not checked). */
async function verifyStorageCopy(run: RunContext, { storagePath, spooled }: ExportedFile): Promise<void> {
  const { storage } = run;
  try {
    const object = await run.deps.storage.find(storagePath);
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
  await run.progress.update({ storage_status: storage.status });
  emitDestination(run, "storage");
}

export async function verifyCopies(
  run: RunContext,
  file: ExportedFile,
  copy: OneDriveCopy | null,
): Promise<void> {
  await run.progress.phase("verifying");
  if (run.storage.status === "success") await verifyStorageCopy(run, file);
  if (copy) {
    Object.assign(run.onedrive, checkOneDriveCopy(file.fileName, copy.uploaded, file.spooled));
    await run.progress.update({ onedrive_status: run.onedrive.status });
  }
  if (!run.onedriveSkipped) emitDestination(run, "onedrive");
}
