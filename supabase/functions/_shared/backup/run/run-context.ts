/**
 * The state one run's phases share (phases/): who the run is, how it reports, and what each phase has
 * achieved so far. The outcome (outcome.ts) reads it even when a phase stopped the run halfway, so each
 * phase records its results here as soon as it has them.
 */
import type { ExportSummary } from "../export/export.ts";
import type { SpooledFile } from "../export/spool.ts";
import type { GraphFolder } from "../../graph/types.ts";
import type { PipelineDeps } from "./pipeline-types.ts";
import { RunProgress } from "./run-progress.ts";
import type { DestinationStatus } from "./runs.ts";

/** Where a destination stands, and why it failed. */
export interface DestinationResult {
  status: DestinationStatus;
  error: string | null;
  code: string | null;
}

export interface RunContext {
  readonly deps: PipelineDeps;
  readonly runId: string;
  readonly progress: RunProgress;
  /** OneDrive is not configured: its status stays `skipped` and no phase touches it. */
  readonly onedriveSkipped: boolean;
  fileName: string | null;
  /** Where the Storage copy goes: `<run id>/<file name>` (storage-path.ts). */
  storagePath: string | null;
  spooled: SpooledFile | null;
  summary: ExportSummary | null;
  readonly storage: DestinationResult;
  /** The Storage object exists (the upload call succeeded), verified or not: recorded so retention can remove it. */
  storageWritten: boolean;
  readonly onedrive: DestinationResult;
  /** Old copies could not all be deleted (the run still succeeded). */
  warning: string | null;
}

/** The export's result, as the phases after it use it. */
export interface ExportedFile {
  fileName: string;
  storagePath: string;
  spooled: SpooledFile;
}

/** The OneDrive copy as the upload reported it, and the folder it went to. */
export interface OneDriveCopy {
  uploaded: { id: string; size: number; webUrl: string; quickXorHash: string };
  folder: GraphFolder;
}

/** A run's context at its start; its heartbeat runs until `progress.stop()`. */
export function createRunContext(deps: PipelineDeps, runId: string, onedriveSkipped: boolean): RunContext {
  return {
    deps,
    runId,
    progress: new RunProgress(deps, runId),
    onedriveSkipped,
    fileName: null,
    storagePath: null,
    spooled: null,
    summary: null,
    storage: { status: "pending", error: null, code: null },
    storageWritten: false,
    onedrive: { status: onedriveSkipped ? "skipped" : "pending", error: null, code: null },
    warning: null,
  };
}

/** Tells the caller where a destination stands now. */
export function emitDestination(run: RunContext, destination: "storage" | "onedrive"): void {
  const { status, error } = run[destination];
  run.progress.emit({ type: "destination", destination, status, message: error ?? undefined });
}
