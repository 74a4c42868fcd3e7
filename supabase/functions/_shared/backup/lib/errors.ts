/**
 * Errors the pipeline records on a run: a message an admin can act on (sentence case, the action, a
 * colon, the detail) and a stable machine-readable code for the run's `error_code`, one of the contract's.
 */
import type { BackupErrorCode } from "../http/contract.ts";

export class BackupError extends Error {
  constructor(readonly code: BackupErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = "BackupError";
  }
}

export function errorMessage(error: unknown): string {
  if (error instanceof Error) return error.message;
  return String(error);
}

/** The error's code when it has one (BackupError, GraphError, Postgres errors), else `fallback`. */
export function errorCode(error: unknown, fallback: string): string {
  if (error instanceof BackupError) return error.code;
  if (error && typeof error === "object" && "code" in error && typeof error.code === "string") {
    return error.code;
  }
  return fallback;
}
