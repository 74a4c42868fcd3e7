import { FunctionsFetchError, FunctionsHttpError, FunctionsRelayError } from "@supabase/supabase-js";
import type { ActionResponses, AutoBackupRequest, BackupAction } from "@contract";
import { supabase } from "@/integrations/supabase/client";

/** An error answered by the auto-backup function, carrying its own message rather than supabase-js's. */
export class BackupFunctionError extends Error {
  readonly status: number | undefined;
  /**
   * The answer's error_code (a BackupErrorCode of the contract), `already_running` for a 409 without one;
   * a string, since a function deployed before or after this page may send a code it does not know.
   */
  readonly code: string | undefined;
  /** For 409: the run already in progress. */
  readonly runId: string | undefined;
  /** For 429: seconds to wait before the next run may start. */
  readonly retryAfterSeconds: number | undefined;

  constructor(
    message: string,
    options: {
      status?: number;
      code?: string;
      runId?: string;
      retryAfterSeconds?: number;
      cause?: unknown;
    } = {},
  ) {
    super(message, { cause: options.cause });
    this.name = "BackupFunctionError";
    this.status = options.status;
    this.code = options.code;
    this.runId = options.runId;
    this.retryAfterSeconds = options.retryAfterSeconds;
  }

  /** True when the function refused because a backup is already running (HTTP 409). */
  get alreadyRunning(): boolean {
    return this.status === 409;
  }

  /** True when the function refused because the previous run started or ended too recently (HTTP 429). */
  get rateLimited(): boolean {
    return this.status === 429;
  }
}

async function readErrorBody(response: Response): Promise<{
  error?: unknown;
  code?: unknown;
  error_code?: unknown;
  run_id?: unknown;
  retry_after_seconds?: unknown;
}> {
  try {
    const text = await response.clone().text();
    try {
      const parsed: unknown = JSON.parse(text);
      if (parsed && typeof parsed === "object") return parsed as Record<string, unknown>;
    } catch {
      // not JSON: a proxy or platform page; keep a short excerpt of it
    }
    const excerpt = text.trim().slice(0, 200);
    return excerpt ? { error: excerpt } : {};
  } catch {
    return {};
  }
}

/**
 * Turns what supabase-js's functions.invoke returned as an error into a BackupFunctionError whose message
 * is the function's own `{error}` text (never "Edge function returned a non-2xx status code").
 */
export async function toBackupFunctionError(error: unknown): Promise<BackupFunctionError> {
  if (error instanceof FunctionsHttpError || error instanceof FunctionsRelayError) {
    const response = error.context as Response;
    const body = await readErrorBody(response);
    const message =
      typeof body.error === "string" && body.error.trim() !== ""
        ? body.error
        : `The backup function answered HTTP ${response.status}${response.statusText ? ` ${response.statusText}` : ""}`;
    return new BackupFunctionError(message, {
      status: response.status,
      code:
        typeof body.code === "string"
          ? body.code
          : typeof body.error_code === "string"
            ? body.error_code
            : response.status === 409
              ? "already_running"
              : undefined,
      runId: typeof body.run_id === "string" ? body.run_id : undefined,
      retryAfterSeconds: typeof body.retry_after_seconds === "number" ? body.retry_after_seconds : undefined,
      cause: error,
    });
  }
  if (error instanceof FunctionsFetchError) {
    const cause = error.context as unknown;
    const detail = cause instanceof Error ? cause.message : String(cause);
    return new BackupFunctionError(`Cannot reach the backup function: ${detail}`, { cause: error });
  }
  if (error instanceof Error) return new BackupFunctionError(error.message, { cause: error });
  return new BackupFunctionError(`Cannot call the backup function: ${String(error)}`, { cause: error });
}

/**
 * Calls the auto-backup function as the signed-in user and returns the contract's answer to the action;
 * throws BackupFunctionError on any failure.
 */
export async function invokeAutoBackup<A extends BackupAction>(
  body: Extract<AutoBackupRequest, { action: A }>,
): Promise<ActionResponses[A]> {
  const { data, error } = await supabase.functions.invoke<ActionResponses[A]>("auto-backup", { body });
  if (error) throw await toBackupFunctionError(error);
  if (data === null || typeof data !== "object") {
    throw new BackupFunctionError(
      `Cannot read the backup function's answer to "${body.action}": expected JSON`,
    );
  }
  return data;
}
