/** The reader's one error type: a code for programs, a message saying what is wrong for people. */
// The codes are part of the function's HTTP contract, declared there once.
import type { BackupFileErrorCode } from "../http/contract.ts";

export type { BackupFileErrorCode };

export class BackupFileError extends Error {
  constructor(readonly code: BackupFileErrorCode, message: string) {
    super(message);
    this.name = "BackupFileError";
  }
}
