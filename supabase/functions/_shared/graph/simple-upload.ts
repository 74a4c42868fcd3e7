/** A file up to SIMPLE_UPLOAD_LIMIT, sent with one `PUT …:/content` that never replaces an existing name. */
import type { SourceReader } from "./fragment-reader.ts";
import type { DriveItemJson } from "./types.ts";
import { badRequest, itemByName, itemPath, resolveConflict, type UploadJob } from "./upload-job.ts";

export async function simpleUpload(job: UploadJob, reader: SourceReader): Promise<DriveItemJson> {
  const size = job.source.size;
  const bytes = await reader.read(0, size, new Uint8Array(size));
  job.hash.add(bytes, 0);
  const response = await job.http.send<DriveItemJson>({
    method: "PUT",
    path: itemPath(job, "/content?@microsoft.graph.conflictBehavior=fail"),
    body: bytes,
    accept: [400, 409],
    signal: job.options.signal,
    operation: job.operation,
  });
  if (response.status === 409) return await resolveConflict(job, response.detail);
  if (response.status === 400) throw badRequest(job, response.detail);
  job.options.onProgress?.(size);
  return response.body?.id ? response.body : await itemByName(job);
}
