/**
 * Where a run's copy lives in the `backups` bucket: `<run id>/<file name>`. The run id is the
 * backup_runs uuid (gen_random_uuid()), known only once the run has started, so nobody can act on the
 * path beforehand: a Storage URL signed (or an object planted) under a predictable name such as
 * `backup-2027-01-01T03-00-00Z.json.gz` never names a real backup. The file name itself stays the
 * contract (the OneDrive copy keeps it in a flat folder).
 *
 * Rows written before runs had their own folder record a bare file name at the bucket's root. Those
 * objects are not signed for download: while the bucket was open (before the lock migration) anyone
 * could have replaced them under their predictable names, and nothing re-checks their bytes. Their
 * OneDrive copy, or `npm run verify` against the recorded SHA-256, is the way to them.
 */

export function runStoragePath(runId: string, fileName: string): string {
  return `${runId}/${fileName}`;
}

/** Whether `storagePath` is where this tool puts run `runId`'s file `fileName`: in the run's folder. */
export function isRunStoragePath(storagePath: string, runId: string, fileName: string): boolean {
  return storagePath === runStoragePath(runId.toLowerCase(), fileName);
}
