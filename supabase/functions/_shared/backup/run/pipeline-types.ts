/**
 * The pipeline's types: what it needs (PipelineDeps, the part of the Graph client it uses), what it
 * reports while it works (ProgressEvent) and what a run ends with (RunOutcome). Apart from pipeline.ts
 * so the phases (phases/) can use them without importing the module that runs them.
 */
import type { BackupConfig } from "../lib/config.ts";
import type { Sql } from "../lib/db.ts";
import type { ExportSummary, TableCount } from "../export/export.ts";
import type { Redactor } from "../lib/redact.ts";
import type { Sleep } from "../lib/retry.ts";
import type { DestinationStatus, RunPhase, RunTrigger } from "./runs.ts";
import type { spoolToTempFile } from "../export/spool.ts";
import type { StorageClient } from "../destinations/storage.ts";
import type { AlertResult } from "./alerts.ts";
import type { GraphClient } from "../../graph/types.ts";

/** The part of the Graph client (docs/architecture.md) the pipeline uses. */
export type OneDriveClient = Pick<
  GraphClient,
  "resolveFolder" | "upload" | "listChildren" | "getItem" | "deleteItem" | "sendMail"
>;

export type ProgressEvent =
  | { type: "started"; runId: string; fileName: string }
  | { type: "phase"; phase: RunPhase }
  | { type: "table"; table: TableCount; done: number; total: number }
  | { type: "exported"; summary: ExportSummary; size: number; sha256: string; quickXorHash: string }
  | { type: "destination"; destination: "storage" | "onedrive"; status: DestinationStatus; message?: string }
  | { type: "uploaded"; bytes: number; total: number }
  | { type: "pruned"; destination: "storage" | "onedrive"; deleted: string[]; skipped: string[] }
  | { type: "warning"; message: string };

export interface PipelineDeps {
  config: BackupConfig;
  sql: Sql;
  storage: StorageClient;
  /** null when OneDrive is not configured (its status is then `skipped`). */
  onedrive: OneDriveClient | null;
  fetch: typeof fetch;
  sleep: Sleep;
  now: () => Date;
  redact: Redactor;
  log: (message: string) => void;
  onProgress?: (event: ProgressEvent) => void;
  /** How often the run row's heartbeat is refreshed while the run is alive. */
  heartbeatMs?: number;
  spool?: typeof spoolToTempFile;
}

export interface RunParams {
  trigger: RunTrigger;
  requestedBy: string | null;
  /** Refuse the run while another started or ended less than a minute ago (the HTTP entry point). */
  rateLimited?: boolean;
}

export interface RunOutcome {
  runId: string;
  status: "success" | "partial" | "failed";
  fileName: string | null;
  error: string | null;
  errorCode: string | null;
  storageStatus: DestinationStatus;
  onedriveStatus: DestinationStatus;
  size: number | null;
  rowCount: number | null;
  sha256: string | null;
  alerts: AlertResult[];
}

export type StartOutcome =
  | { kind: "started"; runId: string; done: Promise<RunOutcome> }
  | { kind: "busy"; runningId: string }
  | { kind: "rate_limited"; lastActivityAt: Date; retryAfterSeconds: number };
