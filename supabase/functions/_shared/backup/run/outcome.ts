/**
 * A run's outcome from what its destinations ended with: `success` only when
 * every configured destination holds a verified copy; `partial` when one does and the other failed;
 * `failed` otherwise, always with an actionable message and an error code. Pure: the pipeline redacts,
 * records and alerts.
 */
import type { DestinationResult } from "./run-context.ts";
import type { RunOutcome } from "./pipeline-types.ts";
import type { DestinationStatus } from "./runs.ts";

export interface OutcomeInput {
  /** The error that stopped the run before its end, if one did. */
  fatal: { code: string; message: string } | null;
  storage: DestinationResult;
  onedrive: DestinationResult;
  /** OneDrive is not configured: only Storage counts. */
  onedriveSkipped: boolean;
  /** Old copies could not all be deleted. */
  warning: string | null;
}

export interface Outcome {
  status: RunOutcome["status"];
  /** A configured destination still pending or running when the run ended is `failed`. */
  storageStatus: DestinationStatus;
  onedriveStatus: DestinationStatus;
  /** Not redacted yet. */
  error: string | null;
  errorCode: string | null;
}

/** A configured destination the run did not finish with counts as failed. */
function settled(destination: DestinationResult, configured: boolean): DestinationResult {
  const done = destination.status === "success" || destination.status === "failed";
  return configured && !done ? { ...destination, status: "failed" } : destination;
}

export function decideOutcome(input: OutcomeInput): Outcome {
  const storage = settled(input.storage, true);
  const onedrive = settled(input.onedrive, !input.onedriveSkipped);
  const configured = input.onedriveSkipped ? [storage] : [storage, onedrive];
  const verified = configured.filter((d) => d.status === "success").length;
  const status: Outcome["status"] = input.fatal
    ? "failed"
    : verified === configured.length
    ? "success"
    : verified > 0
    ? "partial"
    : "failed";
  return {
    status,
    storageStatus: storage.status,
    onedriveStatus: onedrive.status,
    ...explain(status, storage, onedrive, input),
  };
}

/** The run's error: the fatal one, else what each failed destination said, else the pruning warning. */
function explain(
  status: Outcome["status"],
  storage: DestinationResult,
  onedrive: DestinationResult,
  input: OutcomeInput,
): Pick<Outcome, "error" | "errorCode"> {
  if (input.fatal) return { error: input.fatal.message, errorCode: input.fatal.code };
  if (status === "success") {
    return input.warning
      ? { error: input.warning, errorCode: "prune_failed" }
      : { error: null, errorCode: null };
  }
  const parts: string[] = [];
  if (storage.status === "failed") parts.push(`Supabase Storage copy failed: ${storage.error}`);
  if (onedrive.status === "failed") parts.push(`OneDrive copy failed: ${onedrive.error}`);
  const lead = status === "partial"
    ? storage.status === "success"
      ? "The backup is safe in Supabase Storage but not in OneDrive"
      : "The backup is safe in OneDrive but not in Supabase Storage"
    : "The backup was not stored anywhere";
  return {
    error: `${lead}. ${parts.join(". ")}`,
    errorCode: status === "partial"
      ? (storage.status === "failed" ? storage.code : onedrive.code)
      : (storage.code ?? onedrive.code),
  };
}
