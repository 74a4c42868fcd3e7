/**
 * `npm run verify`: reads a backup file to its end without a database and reports what a restore would
 * find: format and version, completeness, every table's row count against its rows, and the file's
 * SHA-256 and QuickXorHash (to compare with the run history or OneDrive's copy).
 */
import {
  BackupFileError,
  openBackup,
  readBackup,
} from "../../supabase/functions/_shared/backup/format/backup-reader.ts";
import type {
  BackupHeader,
  SequenceMeta,
} from "../../supabase/functions/_shared/backup/format/file-format.ts";

export interface VerifyReport {
  header: BackupHeader;
  compressed: boolean;
  size: number;
  sha256: string;
  quickXorHash: string;
  tables: Array<{ schema: string; name: string; rows: number }>;
  rowCount: number;
  sequences: SequenceMeta[];
}

export async function verifyBackup(
  bytes: ReadableStream<Uint8Array>,
  options: { maxValueChars?: number } = {},
): Promise<VerifyReport> {
  const opened = await openBackup(bytes);
  let header: BackupHeader | null = null;
  const tables: VerifyReport["tables"] = [];
  let sequences: SequenceMeta[] = [];
  let rowCount = 0;
  for await (const event of readBackup(opened.text, { validateRows: true, ...options })) {
    if (event.type === "header") header = event.header;
    else if (event.type === "table_end") {
      tables.push({ schema: event.table.schema, name: event.table.name, rows: event.rowCount });
    } else if (event.type === "end") {
      sequences = event.sequences;
      rowCount = event.rowCount;
    }
  }
  const hashes = await opened.hashes;
  if (!header) throw new BackupFileError("wrong_format", "the file has no tables section");
  return {
    header,
    compressed: opened.compressed,
    size: hashes.size,
    sha256: hashes.sha256,
    quickXorHash: hashes.quickXorHash,
    tables,
    rowCount,
    sequences,
  };
}
