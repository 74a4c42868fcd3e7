/**
 * The `backups` bucket must stay private: a public bucket serves every backup (a full copy of the
 * database) to anyone who guesses a file name, which follows a fixed pattern. The migrations make it
 * private and forbid clients to change it; someone with dashboard access still could. The backup
 * refuses to store into it then, and `test` reports it.
 */
import { BackupError } from "../lib/errors.ts";
import type { StorageClient } from "./storage.ts";

export function publicBucketMessage(bucket: string): string {
  return `the Storage bucket "${bucket}" is public, so anyone could download every backup; make it private (Dashboard → Storage → ${bucket} → Edit bucket → turn off "Public bucket", or run \`update storage.buckets set public = false where id = '${bucket}'\`)`;
}

export async function refuseAPublicBucket(
  storage: Pick<StorageClient, "bucket" | "bucketInfo">,
  fileName: string,
): Promise<void> {
  const info = await storage.bucketInfo();
  if (info?.public) {
    throw new BackupError(
      "storage_public",
      `Cannot store backup "${fileName}": ${publicBucketMessage(storage.bucket)}`,
    );
  }
}
