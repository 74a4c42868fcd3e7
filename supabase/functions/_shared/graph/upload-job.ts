/**
 * One file being uploaded, shared by the single PUT and the upload session: where it goes, what it sends, the
 * hash of what went out, and the answers both kinds of upload give the same way (a name conflict, a refused
 * name or path, an item to read back by name).
 */
import { getChildByName } from "./drive.ts";
import { describeServiceError, GraphError, type GraphErrorCode, type ServiceErrorDetail } from "./errors.ts";
import { graphFailure, type GraphHttp } from "./graph-http.ts";
import type { StreamHash } from "./stream-hash.ts";
import type { DriveItemJson, GraphFolder, UploadOptions, UploadSource } from "./types.ts";

export interface UploadJob {
  http: GraphHttp;
  folder: GraphFolder;
  name: string;
  source: UploadSource;
  options: UploadOptions;
  hash: StreamHash;
  /** What the upload does, for messages ("Cannot <operation>: …"). */
  operation: string;
}

export function uploadFailure(
  job: UploadJob,
  code: GraphErrorCode,
  detail: string,
  extra: { status?: number; graphCode?: string; cause?: unknown } = {},
): GraphError {
  return new GraphError(code, `Cannot ${job.operation}: ${detail}`, extra);
}

/** A Graph path addressing the file by name in its folder, followed by `suffix`. */
export function itemPath(job: UploadJob, suffix: string): string {
  return `/v1.0/drives/${encodeURIComponent(job.folder.driveId)}/items/${
    encodeURIComponent(job.folder.folderId)
  }:/${encodeURIComponent(job.name)}:${suffix}`;
}

export async function childByName(job: UploadJob): Promise<DriveItemJson | undefined> {
  return await getChildByName(job.http, job.folder, job.name, job.options.signal);
}

/** The uploaded item, read by name after OneDrive reported the upload complete without it. */
export async function itemByName(job: UploadJob): Promise<DriveItemJson> {
  const item = await childByName(job);
  if (!item) {
    throw uploadFailure(
      job,
      "upload_failed",
      "OneDrive reported the upload complete, but the file is not in the folder",
    );
  }
  return item;
}

export function nameConflict(job: UploadJob, detail: ServiceErrorDetail): GraphError {
  return uploadFailure(
    job,
    "upload_name_conflict",
    `a file with that name already exists${
      describeServiceError(detail)
    }. Existing files are never overwritten`,
    { status: 409, graphCode: detail.code },
  );
}

/**
 * A name conflict can be our own upload, accepted by a request whose answer was lost and then retried.
 * It is ours only if the existing file has exactly our size and hash; anything else is a real conflict.
 */
export async function resolveConflict(job: UploadJob, detail: ServiceErrorDetail): Promise<DriveItemJson> {
  const existing = await childByName(job);
  const size = job.source.size;
  if (
    existing?.file && existing.size === size && job.hash.hashedUpTo === size &&
    existing.file.hashes?.quickXorHash === job.hash.digest()
  ) {
    job.http.options.log(
      `"${job.name}" already holds exactly the uploaded bytes: a retried request had succeeded`,
    );
    return existing;
  }
  throw nameConflict(job, detail);
}

export function badRequest(job: UploadJob, detail: ServiceErrorDetail): GraphError {
  const codes = `${detail.code} ${detail.innerCode}`;
  if (/pathIsTooLong/i.test(codes)) {
    return uploadFailure(
      job,
      "upload_path_too_long",
      `the path is too long${describeServiceError(detail)}. Use a folder closer to the library's root`,
      { status: 400 },
    );
  }
  if (/invalidName/i.test(codes)) {
    return uploadFailure(
      job,
      "upload_name_invalid",
      `OneDrive refused the name${describeServiceError(detail)}`,
      {
        status: 400,
      },
    );
  }
  return graphFailure(job.operation, 400, detail);
}
