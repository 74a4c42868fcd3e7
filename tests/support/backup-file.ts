/** Writes a real backup file of a database (export → gzip → spool), for restore and verify tests. */
import type { Compression } from "../../supabase/functions/_shared/backup/lib/config.ts";
import { exportBackup } from "../../supabase/functions/_shared/backup/export/export.ts";
import { spoolToTempFile } from "../../supabase/functions/_shared/backup/export/spool.ts";

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
