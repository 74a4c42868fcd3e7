/**
 * The `public.backup_runs` lifecycle: start (one running row at a time, enforced by the database's
 * unique partial index), progress updates with a heartbeat, the final update, and the reaper that marks
 * silent runs failed.
 *
 * Timestamps come from the database's clock, so a CLI on a laptop and the edge function agree on what
 * "stale" means. Every update after the start is guarded by `status = 'running'`: a run that the reaper
 * already marked failed is never resurrected by a late update.
 */
import type { JsonValue, Sql } from "../lib/db.ts";

export type RunTrigger = "manual" | "schedule" | "cli";
export type RunStatus = "running" | "success" | "partial" | "failed";
export type RunPhase = "exporting" | "storing" | "uploading" | "verifying" | "pruning";
export type DestinationStatus = "pending" | "running" | "success" | "failed" | "skipped";

export interface RunPatch {
  phase?: RunPhase | null;
  file_name?: string;
  size_bytes?: number;
  row_count?: number;
  table_count?: number;
  tables?: Array<{ schema: string; name: string; rows: number }>;
  sha256?: string;
  quick_xor_hash?: string;
  storage_path?: string | null;
  storage_status?: DestinationStatus;
  onedrive_status?: DestinationStatus;
  onedrive_item_id?: string | null;
  onedrive_drive_id?: string | null;
  onedrive_web_url?: string | null;
  bytes_uploaded?: number;
  error?: string | null;
  error_code?: string | null;
}

export interface RunRow {
  id: string;
  trigger: RunTrigger;
  requested_by: string | null;
  status: RunStatus;
  phase: RunPhase | null;
  started_at: Date;
  heartbeat_at: Date;
  finished_at: Date | null;
  file_name: string | null;
  error: string | null;
  error_code: string | null;
  storage_status: DestinationStatus;
  onedrive_status: DestinationStatus;
}

export type StartResult =
  | { started: true; id: string }
  | { started: false; runningId: string }
  | { started: false; rateLimited: true; lastActivityAt: Date; retryAfterSeconds: number };

/**
 * Runs started from the function (manual, schedule) wait this long after the previous run started or
 * ended. A stolen admin session or scheduler secret cannot chain runs; the CLI, which holds the database
 * URL anyway, is not limited.
 */
export const MIN_RUN_INTERVAL_SECONDS = 60;

const ONE_RUNNING_INDEX = "backup_runs_one_running_idx";

function isOneRunningViolation(error: unknown): boolean {
  const e = error as { code?: string; constraint_name?: string; message?: string };
  return e?.code === "23505" &&
    (e.constraint_name === ONE_RUNNING_INDEX || String(e.message ?? "").includes(ONE_RUNNING_INDEX));
}

/**
 * Inserts the running row. When another run holds the slot, returns its id instead (HTTP 409). With
 * `rateLimited`, refuses (HTTP 429) while any other run started or ended less than
 * MIN_RUN_INTERVAL_SECONDS ago, by the database's clock (a run the reaper closed ended at its last
 * heartbeat, so a crashed run never delays the next one): the check and the insert are one statement,
 * and two concurrent starts still meet the one-running index, so two function instances cannot both
 * pass. The insert and the lookup of the running row are not atomic: if the other run ends in
 * between, try again.
 */
export async function startRun(
  sql: Sql,
  params: {
    trigger: RunTrigger;
    requestedBy: string | null;
    onedriveSkipped: boolean;
    rateLimited?: boolean;
  },
): Promise<StartResult> {
  const interval = params.rateLimited ? MIN_RUN_INTERVAL_SECONDS : 0;
  for (let attempt = 0; attempt < 3; attempt++) {
    try {
      const [row] = await sql<Array<{ id: string | null; last_at: Date | null; now: Date }>>`
        with recent as (
          -- heartbeat_at is when a run ended, or for a run the reaper closed, its last sign of life
          select max(greatest(started_at, heartbeat_at)) as last_at
          from public.backup_runs
          where status <> 'running'
            and (started_at > clock_timestamp() - make_interval(secs => ${interval})
              or heartbeat_at > clock_timestamp() - make_interval(secs => ${interval}))
        ), inserted as (
          insert into public.backup_runs (trigger, requested_by, status, started_at, heartbeat_at, onedrive_status)
          select ${params.trigger}, ${params.requestedBy}, 'running', clock_timestamp(), clock_timestamp(),
                 ${params.onedriveSkipped ? "skipped" : "pending"}
          where ${interval} = 0 or (select last_at from recent) is null
             -- a run in progress answers "busy" (the index refuses this insert), not "too soon"
             or exists (select 1 from public.backup_runs where status = 'running')
          returning id
        )
        select (select id from inserted) as id, (select last_at from recent) as last_at,
               clock_timestamp() as now`;
      if (row.id) return { started: true, id: row.id };
      const last = row.last_at!;
      const wait = Math.max(1, Math.ceil(interval - (row.now.getTime() - last.getTime()) / 1000));
      return { started: false, rateLimited: true, lastActivityAt: last, retryAfterSeconds: wait };
    } catch (error) {
      if (!isOneRunningViolation(error)) throw error;
      const [running] = await sql<Array<{ id: string }>>`
        select id from public.backup_runs where status = 'running' limit 1`;
      if (running) return { started: false, runningId: running.id };
    }
  }
  throw new Error(
    "Cannot start the backup: another run keeps starting and ending at the same time; try again",
  );
}

const PATCH_COLUMNS = [
  "phase",
  "file_name",
  "size_bytes",
  "row_count",
  "table_count",
  "tables",
  "sha256",
  "quick_xor_hash",
  "storage_path",
  "storage_status",
  "onedrive_status",
  "onedrive_item_id",
  "onedrive_drive_id",
  "onedrive_web_url",
  "bytes_uploaded",
  "error",
  "error_code",
] as const;

/** The patch as a row for postgres.js' update helper (only the keys that are set). */
function rowOf(patch: RunPatch): { row: Record<string, JsonValue>; columns: string[] } {
  const row: Record<string, JsonValue> = {};
  for (const c of PATCH_COLUMNS) {
    const v = patch[c];
    if (v !== undefined) row[c] = v as JsonValue;
  }
  return { row, columns: Object.keys(row) };
}

/** Applies a progress update and refreshes the heartbeat; false when the run is no longer running. */
export async function updateRun(sql: Sql, id: string, patch: RunPatch = {}): Promise<boolean> {
  const { row, columns } = rowOf(patch);
  const rows = columns.length
    ? await sql`
        update public.backup_runs
        set ${sql(row, columns)}, heartbeat_at = clock_timestamp()
        where id = ${id} and status = 'running'
        returning id`
    : await sql`
        update public.backup_runs set heartbeat_at = clock_timestamp()
        where id = ${id} and status = 'running'
        returning id`;
  return rows.length === 1;
}

/** The final update; false when the run was already ended (e.g. by the reaper). */
export async function finishRun(
  sql: Sql,
  id: string,
  status: Exclude<RunStatus, "running">,
  patch: RunPatch = {},
): Promise<boolean> {
  const final: RunPatch = { ...patch, phase: null };
  const { row, columns } = rowOf(final);
  const rows = await sql`
    update public.backup_runs
    set ${sql(row, columns)}, status = ${status},
        finished_at = clock_timestamp(), heartbeat_at = clock_timestamp()
    where id = ${id} and status = 'running'
    returning id`;
  return rows.length === 1;
}

export interface ReapedRun {
  id: string;
  trigger: RunTrigger;
  file_name: string | null;
  error: string;
}

/**
 * Marks failed every running row whose heartbeat is older than `maxRunSeconds`: its process is gone
 * (platform timeout, crash, kill), so nothing will ever finish it. Destinations it never completed are
 * marked failed too, so the row tells the truth.
 */
export async function reapStaleRuns(sql: Sql, options: { maxRunSeconds: number }): Promise<ReapedRun[]> {
  const rows = await sql<ReapedRun[]>`
    update public.backup_runs
    set status = 'failed',
        finished_at = clock_timestamp(),
        error = format(
          'The backup stopped without finishing (function timed out or was killed): no sign of life since %s UTC%s; the next run starts from scratch',
          to_char(heartbeat_at at time zone 'UTC', 'YYYY-MM-DD HH24:MI:SS'),
          case when phase is null then '' else format(' while %s', phase) end),
        error_code = 'run_abandoned',
        phase = null,
        storage_status = case when storage_status in ('pending', 'running') then 'failed' else storage_status end,
        onedrive_status = case when onedrive_status in ('pending', 'running') then 'failed' else onedrive_status end
    where status = 'running'
      and heartbeat_at < clock_timestamp() - make_interval(secs => ${options.maxRunSeconds})
    returning id, trigger, file_name, error`;
  return [...rows];
}

export async function getRun(sql: Sql, id: string): Promise<RunRow | null> {
  const [row] = await sql<RunRow[]>`
    select id, trigger, requested_by, status, phase, started_at, heartbeat_at, finished_at, file_name,
           error, error_code, storage_status, onedrive_status
    from public.backup_runs where id = ${id}`;
  return row ?? null;
}
