/**
 * Phase "uploading": the spool file into the OneDrive folder, resumable, with its progress on the run's
 * row. A failure is the OneDrive destination's, not the run's: Storage may still hold a copy.
 */
import { errorMessage } from "../../lib/errors.ts";
import { fileUploadSource } from "../../../graph/upload-source.ts";
import { destinationOf } from "../../../graph/destination.ts";
import type { Destination } from "../../../graph/types.ts";
import type { OneDriveClient } from "../pipeline-types.ts";
import type { ExportedFile, OneDriveCopy, RunContext } from "../run-context.ts";

/** The OneDrive copy, or null when OneDrive is skipped or the upload failed. */
export async function uploadCopy(run: RunContext, file: ExportedFile): Promise<OneDriveCopy | null> {
  const { deps, onedrive } = run;
  const { destination } = deps.config;
  if (run.onedriveSkipped || !deps.onedrive || !destination) return null;
  const dest = destinationOf(destination);
  await run.progress.phase("uploading", { onedrive_status: "running", bytes_uploaded: 0 });
  onedrive.status = "running";
  let copy: OneDriveCopy | null = null;
  try {
    copy = await upload(run, deps.onedrive, dest, file);
  } catch (error) {
    onedrive.status = "failed";
    onedrive.error = errorMessage(error);
    const code = (error as { code?: unknown })?.code;
    onedrive.code = typeof code === "string" ? code : "onedrive_failed";
    await run.progress.update({ onedrive_status: "failed" });
  }
  run.progress.checkAlive();
  return copy;
}

async function upload(
  run: RunContext,
  client: OneDriveClient,
  dest: Destination,
  { fileName, spooled }: ExportedFile,
): Promise<OneDriveCopy> {
  const { config } = run.deps;
  const { progress } = run;
  const folder = await client.resolveFolder(dest);
  let lastReported = 0;
  const total = spooled.size;
  const uploaded = await client.upload(folder, fileName, await fileUploadSource(spooled.path), {
    signal: progress.signal,
    expectedQuickXorHash: spooled.quickXorHash,
    ...(config.uploadFragmentBytes === null ? {} : { fragmentSize: config.uploadFragmentBytes }),
    onProgress: (bytes) => {
      progress.emit({ type: "uploaded", bytes, total });
      if (bytes - lastReported >= 2 * 1024 * 1024 || bytes === total) {
        lastReported = bytes;
        void progress.update({ bytes_uploaded: bytes });
      }
    },
  });
  await progress.update({
    bytes_uploaded: uploaded.size,
    onedrive_item_id: uploaded.id,
    onedrive_drive_id: folder.driveId,
    onedrive_web_url: uploaded.webUrl,
  });
  return { uploaded, folder };
}
