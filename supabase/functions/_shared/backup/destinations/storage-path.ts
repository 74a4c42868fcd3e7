/**
 * Where a run's copy lives in the `backups` bucket: `<run id>/<file name>`. The run id is the
 * backup_runs uuid (gen_random_uuid()), known only once the run has started, so nobody can act on the
 * path beforehand: a Storage URL signed (or an object planted) under a predictable name such as
 * `backup-2027-01-01T03-00-00Z.json.gz` never names a real backup. The file name itself stays the
 * contract (the OneDrive copy keeps it in a flat folder).
 *
 * Rows written before runs had their own folder record a bare file name at the bucket's root; those
 * are still accepted, but only when the path is exactly the row's own file name.
 */

export function runStoragePath(runId: string, fileName: string): string {
  return `${runId}/${fileName}`;
}

/**
 * Whether `storagePath` is where this tool puts run `runId`'s file `fileName`: in the run's folder,
 * or, for rows recorded before that folder existed, at the root under the same name.
 */
export function isRunStoragePath(storagePath: string, runId: string, fileName: string): boolean {
  return storagePath === runStoragePath(runId.toLowerCase(), fileName) || storagePath === fileName;
}
