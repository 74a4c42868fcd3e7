import type { Tables } from "@/integrations/supabase/types";

/** One row of public.backup_runs (DESIGN section 5). */
export type BackupRun = Tables<"backup_runs">;

export type BackupRunStatus = BackupRun["status"];
export type DestinationStatus = BackupRun["storage_status"];

/** One entry of backup_runs.tables. */
export interface BackupRunTable {
  schema: string;
  name: string;
  rows: number;
}

/** `status` action of the auto-backup function. */
export interface BackupStatus {
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
  retention?: {
    keep_all: boolean;
    keep_last: number;
    daily: number;
    weekly: number;
    monthly: number;
    min_age_days: number;
  };
  schemas: string[];
  schedule: BackupSchedule;
  /** Why the schedule could not be read, when it could not (the rest of the status is still valid). */
  schedule_error?: string;
  /** Settings that are present but invalid, by variable name (never their values). */
  config_problems?: Array<{ variable: string; message: string }>;
}

export interface BackupSchedule {
  /** 5-field cron expression in UTC, or null when nothing is scheduled. */
  cron: string | null;
  next_run_at: string | null;
  timezone: "UTC";
}

/** `run` action: 202 body. */
export interface BackupRunStarted {
  run_id: string;
  status: "running";
}

/** `test` action: one configuration or connectivity check. */
export interface BackupCheck {
  name: string;
  ok: boolean;
  message: string;
}

export interface BackupTestResult {
  checks: BackupCheck[];
}
