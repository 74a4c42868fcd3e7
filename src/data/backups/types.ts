import type { Tables } from "@/integrations/supabase/types";

// What the auto-backup function takes and answers is its contract, shared with the function itself:
// import those types from "@contract" (supabase/functions/_shared/backup/http/contract.ts).

/** One row of public.backup_runs (docs/design.md §5). */
export type BackupRun = Tables<"backup_runs">;

export type BackupRunStatus = BackupRun["status"];
export type DestinationStatus = BackupRun["storage_status"];

/** One entry of backup_runs.tables. */
export interface BackupRunTable {
  schema: string;
  name: string;
  rows: number;
}
