/**
 * The HTTP contract of the `auto-backup` function: what each action takes and answers, and every error
 * code the function emits (in an error answer's `error_code` or in `backup_runs.error_code`).
 *
 * Types only, with no imports: the Settings page imports this very file (path alias `@contract`), so the
 * function and the page cannot drift apart, and a browser build never pulls Deno code in. The handler
 * builds its answers with these types; tests/unit/backup/http/contract.test.ts checks that the codes
 * listed here are exactly those the code emits.
 */

// ---- Requests: POST /functions/v1/auto-backup with one JSON body ----------------------------------

export type BackupAction = "run" | "test" | "status" | "schedule" | "download";

/** The request body; a body without `action` (or an empty one) means `run`. */
export type AutoBackupRequest =
  | { action: "run" }
  | { action: "test" }
  | { action: "status" }
  /** A five-field cron expression in UTC, or null to remove the schedule. */
  | { action: "schedule"; cron: string | null }
  | { action: "download"; run_id: string };

// ---- Responses ---------------------------------------------------------------------------------------

/** The schedule as pg_cron runs it. */
export interface BackupSchedule {
  /** The five-field expression of the job (UTC), or null when nothing is scheduled. */
  cron: string | null;
  /** ISO time of the next run; null without a job, or while the job is paused. */
  next_run_at: string | null;
  timezone: "UTC";
}

/** How many backups are kept and for how long (BACKUP_RETENTION_*). */
export interface RetentionStatus {
  keep_all: boolean;
  keep_last: number;
  daily: number;
  weekly: number;
  monthly: number;
  min_age_days: number;
}

/** `status`, 200: what is configured (never the values), the schedule, the settings at fault. */
export interface StatusResponse {
  configured: {
    azure: boolean;
    destination: boolean;
    alert_webhook: boolean;
    alert_email: boolean;
    cron_secret: boolean;
  };
  destination: { kind: "link" | "ids" | null; folder_name: string | null };
  onedrive_enabled: boolean;
  compression: "gzip" | "none";
  /** At least this many newest backups kept (BACKUP_RETENTION_COUNT); 0 when every backup is kept. */
  retention_count: number;
  /** The retention policy (absent from functions deployed before it existed). */
  retention?: RetentionStatus;
  schemas: string[];
  schedule: BackupSchedule;
  /** Why the schedule could not be read, when it could not (the rest of the status is still valid). */
  schedule_error?: string;
  /** Settings that are present but invalid, by variable name (never their values). */
  config_problems?: Array<{ variable: string; message: string }>;
}

/** `schedule`, 200: the schedule as saved, a bare object. */
export type ScheduleResponse = BackupSchedule;

/** `run`, 202: the run started and goes on in the background. */
export interface RunStartedResponse {
  run_id: string;
  status: "running";
}

/** `test`: one configuration or connectivity check. */
export interface BackupCheck {
  name: string;
  ok: boolean;
  message: string;
}

/** `test`, 200: every check, passed or not. */
export interface TestResponse {
  checks: BackupCheck[];
}

/** `download`, 200: a signed URL of the run's Storage copy, valid `expires_in` seconds, recorded. */
export interface DownloadResponse {
  url: string;
  file_name: string;
  expires_at: string;
  expires_in: number;
}

/** Every non-2xx answer. */
export interface ErrorResponse {
  /** What went wrong and what to do, in a sentence an admin can act on. */
  error: string;
  error_code?: BackupErrorCode;
  /** 409: the run already in progress. */
  run_id?: string;
  /** 429: seconds to wait before a run may start (also in the Retry-After header). */
  retry_after_seconds?: number;
}

/** The answer to each action when it succeeds. */
export interface ActionResponses {
  run: RunStartedResponse;
  test: TestResponse;
  status: StatusResponse;
  schedule: ScheduleResponse;
  download: DownloadResponse;
}

// ---- Error codes -------------------------------------------------------------------------------------

/** Codes of the run itself: refusals, the export, the outcome. */
export type RunErrorCode =
  | "rate_limited"
  | "config_invalid"
  | "run_abandoned"
  | "internal_error"
  | "prune_failed"
  | "export_failed"
  | "database_unreachable"
  | "database_locked"
  | "database_timeout";

/** Codes of the copy in Supabase Storage. */
export type StorageErrorCode =
  | "storage_error"
  | "storage_unavailable"
  | "storage_missing"
  | "storage_exists"
  | "storage_too_large"
  | "storage_bucket_missing"
  | "storage_public"
  | "storage_verify_failed";

/** Codes of the copy in OneDrive, as the pipeline records them beside the Graph client's own. */
export type OneDriveErrorCode = "onedrive_failed" | "onedrive_verify_failed" | "onedrive_hash_mismatch";

/** Codes of the Graph client (graph/errors.ts): token, requests, destination, upload, mail. */
export type GraphErrorCode =
  | "graph_auth_invalid_secret"
  | "graph_auth_expired_secret"
  | "graph_auth_unknown_client"
  | "graph_auth_unknown_tenant"
  | "graph_auth_common_tenant"
  | "graph_auth_invalid_scope"
  | "graph_auth_failed"
  | "graph_admin_consent_missing"
  | "graph_token_unreachable"
  | "graph_forbidden"
  | "graph_throttled"
  | "graph_unavailable"
  | "graph_unreachable"
  | "graph_request_failed"
  | "graph_request_cancelled"
  | "graph_quota_exceeded"
  | "graph_redirect_refused"
  | "onedrive_destination_missing"
  | "onedrive_link_invalid"
  | "onedrive_link_personal"
  | "onedrive_link_not_found"
  | "onedrive_link_expired"
  | "onedrive_link_is_file"
  | "onedrive_folder_not_found"
  | "onedrive_not_a_folder"
  | "onedrive_access_denied"
  | "upload_name_invalid"
  | "upload_name_conflict"
  | "upload_path_too_long"
  | "upload_hash_mismatch"
  | "upload_size_mismatch"
  | "upload_source_changed"
  | "upload_session_lost"
  | "upload_cancelled"
  | "upload_failed"
  | "upload_url_refused"
  | "mail_send_denied"
  | "mail_sender_not_found"
  | "mail_invalid_recipient";

/** Codes of the schedule (schedule/schedule-error.ts). */
export type ScheduleErrorCode = "invalid_schedule" | "invalid_project_url" | "scheduler_unavailable";

/** Codes of a backup file that cannot be read back (format/backup-reader.ts). */
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

/** Every code the function emits. A database or network error without one of ours keeps its own code. */
export type BackupErrorCode =
  | RunErrorCode
  | StorageErrorCode
  | OneDriveErrorCode
  | GraphErrorCode
  | ScheduleErrorCode
  | BackupFileErrorCode;
