/**
 * One backup run, end to end: export (one snapshot) → gzip → hashes → spool file → Supabase Storage →
 * OneDrive → verification of both copies → retention → final run row → alerts. Each step is a phase
 * (phases/) over one run context (run-context.ts); the outcome is decided by outcome.ts.
 *
 * The promises this module keeps (docs/design.md §1 and §5):
 * - the run row never stays `running` because of an error here (everything is caught and recorded);
 * - `success` only when every configured destination holds a verified copy; `partial` when one does
 *   and the other failed; `failed` otherwise, always with an actionable message and an error code;
 * - no secret in any message (the redactor runs over every recorded error);
 * - the spool file is deleted at the end, whatever happened.
 */
import { type BackupConfig, describeProblems } from "../lib/config.ts";
import { BackupError, errorMessage } from "../lib/errors.ts";
import { rateLimitedMessage } from "../http/run-rate-limit.ts";
import { finishRun, type ReapedRun, reapStaleRuns, startRun } from "./runs.ts";
import { type AlertResult, sendAlerts } from "./alerts.ts";
import type { PipelineDeps, RunOutcome, RunParams, StartOutcome } from "./pipeline-types.ts";
import { createRunContext, type RunContext } from "./run-context.ts";
import { decideOutcome, type Outcome } from "./outcome.ts";
import { exportToSpool } from "./phases/export-to-spool.ts";
import { storeCopy } from "./phases/store-copy.ts";
import { uploadCopy } from "./phases/upload-copy.ts";
import { verifyCopies } from "./phases/verify-copies.ts";
import { prune } from "./phases/prune.ts";

export type {
  OneDriveClient,
  PipelineDeps,
  ProgressEvent,
  RunOutcome,
  RunParams,
  StartOutcome,
} from "./pipeline-types.ts";

/** A project label for alerts: the host of SUPABASE_URL (never a key or a path). */
export function projectLabel(supabaseUrl: string): string {
  try {
    return new URL(supabaseUrl).host;
  } catch {
    return "this project";
  }
}

/** Marks dead runs failed and alerts about them (once: only the call that reaps a row alerts). */
export async function reapAndAlert(deps: PipelineDeps): Promise<ReapedRun[]> {
  const reaped = await reapStaleRuns(deps.sql, { maxRunSeconds: deps.config.maxRunSeconds });
  for (const run of reaped) {
    deps.log(`Marked run ${run.id} failed: ${run.error}`);
    await sendAlerts(
      alertDeps(deps),
      alertChannels(deps.config),
      {
        id: run.id,
        status: "failed",
        trigger: run.trigger,
        fileName: run.file_name,
        error: run.error,
        storageStatus: "unknown",
        onedriveStatus: "unknown",
      },
    ).catch(() => []);
  }
  return reaped;
}

function alertDeps(deps: PipelineDeps) {
  return {
    fetch: deps.fetch,
    mail: deps.onedrive,
    redact: deps.redact,
    project: projectLabel(deps.config.supabaseUrl),
  };
}

function alertChannels(config: BackupConfig) {
  return { webhookUrl: config.alertWebhookUrl, emails: config.alertEmails, sender: config.alertSender };
}

export async function startBackup(deps: PipelineDeps, params: RunParams): Promise<StartOutcome> {
  await reapAndAlert(deps);
  const onedriveSkipped = deps.onedrive === null || deps.config.azure === null;
  const start = await startRun(deps.sql, { ...params, onedriveSkipped });
  if (!start.started) {
    return "rateLimited" in start
      ? {
        kind: "rate_limited",
        lastActivityAt: start.lastActivityAt,
        retryAfterSeconds: start.retryAfterSeconds,
      }
      : { kind: "busy", runningId: start.runningId };
  }
  const done = execute(deps, start.id, params, onedriveSkipped);
  return { kind: "started", runId: start.id, done };
}

/** Runs a backup to its end (CLI): null when another run is in progress. */
export async function runBackup(
  deps: PipelineDeps,
  params: RunParams,
): Promise<RunOutcome | { busy: true; runningId: string }> {
  const started = await startBackup(deps, params);
  if (started.kind === "busy") return { busy: true, runningId: started.runningId };
  if (started.kind === "rate_limited") {
    throw new BackupError("rate_limited", rateLimitedMessage(started));
  }
  return await started.done;
}

/** The phases, in order; each records what it achieved on the run before the next starts. */
async function runPhases(run: RunContext): Promise<void> {
  const { problems } = run.deps.config;
  if (problems.length) {
    throw new BackupError(
      "config_invalid",
      `Cannot start the backup: the configuration is invalid: ${describeProblems(problems)}`,
    );
  }
  const file = await exportToSpool(run);
  await storeCopy(run, file);
  const copy = await uploadCopy(run, file);
  await verifyCopies(run, file, copy);
  await prune(run, copy);
}

/** Writes the outcome on the run's row; false when the row had already been marked failed. */
async function recordOutcome(run: RunContext, outcome: Outcome, error: string | null): Promise<boolean> {
  const { deps, runId } = run;
  try {
    const recorded = await finishRun(deps.sql, runId, outcome.status, {
      storage_status: outcome.storageStatus,
      onedrive_status: outcome.onedriveStatus,
      storage_path: run.storageWritten ? run.storagePath : null,
      error,
      error_code: outcome.errorCode,
      ...(run.spooled ? { size_bytes: run.spooled.size } : {}),
    });
    if (!recorded) {
      deps.log(
        `Run ${runId} had already been marked failed; its outcome (${outcome.status}) was not recorded`,
      );
    }
    return recorded;
  } catch (e) {
    deps.log(deps.redact(`Cannot record the outcome of run ${runId}: ${errorMessage(e)}`));
    return false;
  }
}

async function alertOutcome(
  run: RunContext,
  params: RunParams,
  outcome: Outcome & { status: "failed" | "partial" },
  error: string | null,
): Promise<AlertResult[]> {
  const { deps } = run;
  const alerts = await sendAlerts(
    alertDeps(deps),
    alertChannels(deps.config),
    {
      id: run.runId,
      status: outcome.status,
      trigger: params.trigger,
      fileName: run.fileName,
      error: error ?? "",
      storageStatus: outcome.storageStatus,
      onedriveStatus: outcome.onedriveStatus,
    },
  );
  for (const a of alerts) if (!a.ok) deps.log(a.message);
  return alerts;
}

async function execute(
  deps: PipelineDeps,
  runId: string,
  params: RunParams,
  onedriveSkipped: boolean,
): Promise<RunOutcome> {
  const run = createRunContext(deps, runId, onedriveSkipped);
  let fatal: BackupError | null = null;
  try {
    await runPhases(run);
  } catch (error) {
    fatal = error instanceof BackupError
      ? error
      : new BackupError("internal_error", `The backup failed: ${errorMessage(error)}`);
  } finally {
    run.progress.stop();
    await run.spooled?.remove().catch((error) =>
      deps.log(`Cannot delete the spool file: ${errorMessage(error)}`)
    );
  }

  const outcome = decideOutcome({
    fatal,
    storage: run.storage,
    onedrive: run.onedrive,
    onedriveSkipped,
    warning: run.warning,
  });
  const error = outcome.error ? deps.redact(outcome.error) : outcome.error;
  await run.progress.settled();
  const recorded = await recordOutcome(run, outcome, error);
  const { status } = outcome;
  const alerts = status !== "success" && recorded
    ? await alertOutcome(run, params, { ...outcome, status }, error)
    : [];
  return {
    runId,
    status: outcome.status,
    fileName: run.fileName,
    error,
    errorCode: outcome.errorCode,
    storageStatus: outcome.storageStatus,
    onedriveStatus: outcome.onedriveStatus,
    size: run.spooled?.size ?? null,
    rowCount: run.summary?.rowCount ?? null,
    sha256: run.spooled?.sha256 ?? null,
    alerts,
  };
}
