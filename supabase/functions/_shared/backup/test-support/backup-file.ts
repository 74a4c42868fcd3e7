/** Writes a real backup file of a database (export → gzip → spool), for restore and verify tests. */
import type { Compression } from "../config.ts";
import { exportBackup } from "../export.ts";
import { spoolToTempFile } from "../spool.ts";

export async function writeBackupFile(
  dbUrl: string,
  schemas: string[],
  compression: Compression = "gzip",
): Promise<{ path: string; size: number; sha256: string; quickXorHash: string }> {
  const handle = exportBackup({ dbUrl, schemas, exclude: [] });
  const file = await spoolToTempFile(handle.stream, { compression });
  await handle.summary;
  return file;
}
