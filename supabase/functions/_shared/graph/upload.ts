/**
 * Uploads a file into a OneDrive / SharePoint folder without ever overwriting an existing name: up to 4 MiB
 * with one `PUT …:/content` (simple-upload.ts), larger through an upload session sent in fragments
 * (upload-session.ts). Memory stays bounded by two fragments. The QuickXorHash is computed while the bytes go
 * out and compared with the driveItem's, together with the size; a mismatch fails the upload and deletes the
 * bad copy.
 */
import { deleteItem } from "./drive.ts";
import { GraphError, sanitise } from "./errors.ts";
import { SourceReader } from "./fragment-reader.ts";
import type { GraphHttp } from "./graph-http.ts";
import { simpleUpload } from "./simple-upload.ts";
import { StreamHash } from "./stream-hash.ts";
import type { DriveItemJson, GraphFolder, UploadedItem, UploadOptions, UploadSource } from "./types.ts";
import { childByName, uploadFailure, type UploadJob } from "./upload-job.ts";
import { checkedFragmentSize, invalidFileNameReason, SIMPLE_UPLOAD_LIMIT } from "./upload-rules.ts";
import { sessionUpload } from "./upload-session.ts";

export async function uploadFile(
  http: GraphHttp,
  folder: GraphFolder,
  name: string,
  source: UploadSource,
  options: UploadOptions = {},
): Promise<UploadedItem> {
  const operation = `upload "${name}" to OneDrive folder "${folder.name}"`;
  const job: UploadJob = { http, folder, name, source, options, hash: new StreamHash(), operation };
  const reason = invalidFileNameReason(name);
  if (reason) throw uploadFailure(job, "upload_name_invalid", reason);
  const fragmentSize = checkedFragmentSize(options.fragmentSize);
  options.signal?.throwIfAborted();
  const reader = new SourceReader(source);
  try {
    const item = source.size <= SIMPLE_UPLOAD_LIMIT
      ? await simpleUpload(job, reader)
      : await sessionUpload(job, reader, fragmentSize);
    return await verify(job, item);
  } catch (error) {
    throw asGraphError(job, error);
  } finally {
    await reader.close();
  }
}

function asGraphError(job: UploadJob, error: unknown): GraphError {
  if (job.options.signal?.aborted) {
    return uploadFailure(job, "upload_cancelled", "the upload was cancelled", { cause: error });
  }
  if (error instanceof GraphError) {
    // Errors from the source reader carry only the detail.
    if (error.code === "upload_source_changed" && !error.message.startsWith("Cannot ")) {
      return uploadFailure(job, "upload_source_changed", error.message);
    }
    if (error.code === "graph_request_cancelled") {
      return uploadFailure(job, "upload_cancelled", "the upload was cancelled");
    }
    return error;
  }
  return uploadFailure(
    job,
    "upload_failed",
    sanitise(error instanceof Error ? error.message : String(error)),
    {
      cause: error,
    },
  );
}

/** Checks the stored item against what was sent: size, the hash computed earlier, the hash of the bytes. */
async function verify(job: UploadJob, item: DriveItemJson): Promise<UploadedItem> {
  const size = job.source.size;
  const local = job.hash.digest();
  if (!item.id || typeof item.name !== "string") {
    throw uploadFailure(job, "upload_failed", "OneDrive answered without the uploaded item's id");
  }
  if (item.size !== size) {
    await discard(job, item.id);
    throw uploadFailure(
      job,
      "upload_size_mismatch",
      `OneDrive stored ${item.size} bytes instead of ${size}. The incomplete copy was deleted; run the backup again`,
    );
  }
  const expected = job.options.expectedQuickXorHash;
  if (expected !== undefined && expected !== local) {
    await discard(job, item.id);
    throw uploadFailure(
      job,
      "upload_source_changed",
      `the file changed between hashing and uploading (QuickXorHash "${local}" instead of "${expected}"). The uploaded copy was deleted`,
    );
  }
  // Hashes can lag behind the upload for a moment: read the item once more.
  const remote = item.file?.hashes?.quickXorHash || (await childByName(job))?.file?.hashes?.quickXorHash;
  if (!remote) {
    job.http.options.log(`OneDrive returned no quickXorHash for "${job.name}"; only its size was verified`);
  } else if (remote !== local) {
    await discard(job, item.id);
    throw uploadFailure(
      job,
      "upload_hash_mismatch",
      `the copy in OneDrive is corrupt: its QuickXorHash is "${remote}" but the data sent hashes to "${local}". The corrupt copy was deleted; run the backup again`,
    );
  }
  return { id: item.id, name: item.name, size, webUrl: item.webUrl ?? "", quickXorHash: local };
}

async function discard(job: UploadJob, itemId: string): Promise<void> {
  try {
    await deleteItem(job.http, job.folder.driveId, itemId);
  } catch (error) {
    job.http.options.log(`Could not delete the bad copy of "${job.name}": ${(error as Error).message}`);
  }
}
