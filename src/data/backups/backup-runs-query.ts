import { keepPreviousData, useQuery } from "@tanstack/react-query";
import { supabase } from "@/integrations/supabase/client";
import { backupKeys } from "./keys";
import type { BackupRun } from "./types";

export const BACKUP_RUNS_PAGE_SIZE = 20;

export interface BackupRunsPage {
  runs: BackupRun[];
  /** Number of runs in the whole history. */
  total: number;
}

/** One page of the history, newest first; `page` counts from 0. */
export async function getBackupRuns(page: number, pageSize = BACKUP_RUNS_PAGE_SIZE): Promise<BackupRunsPage> {
  const from = page * pageSize;
  const { data, error, count } = await supabase
    .from("backup_runs")
    .select("*", { count: "exact" })
    .order("started_at", { ascending: false })
    .range(from, from + pageSize - 1);
  if (error) throw error;
  return { runs: data, total: count ?? from + data.length };
}

export function useBackupRunsQuery({ page, enabled = true }: { page: number; enabled?: boolean }) {
  return useQuery({
    queryKey: backupKeys.runsPage(page, BACKUP_RUNS_PAGE_SIZE),
    queryFn: () => getBackupRuns(page),
    // Keep the current page on screen while the next one loads.
    placeholderData: keepPreviousData,
    enabled,
  });
}
