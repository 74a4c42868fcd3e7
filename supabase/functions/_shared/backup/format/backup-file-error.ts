/** The reader's one error type: a code for programs, a message saying what is wrong for people. */

export type BackupFileErrorCode =
  | "not_json"
  | "wrong_format"
  | "unsupported_version"
  | "truncated"
  | "incomplete"
  | "count_mismatch"
  | "invalid_table"
  | "corrupt_gzip"
  | "too_large"
  | "hash_mismatch";

export class BackupFileError extends Error {
  constructor(readonly code: BackupFileErrorCode, message: string) {
    super(message);
    this.name = "BackupFileError";
  }
}
