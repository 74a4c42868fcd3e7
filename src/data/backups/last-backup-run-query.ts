import { useQuery } from "@tanstack/react-query";
import { supabase } from "@/integrations/supabase/client";
import { backupKeys } from "./keys";
import type { BackupRun } from "./types";

/** How often the page refreshes a running backup. */
export const RUNNING_POLL_INTERVAL_MS = 2000;

/** The most recent run, or null when there is none. */
export async function getLastBackupRun(): Promise<BackupRun | null> {
  const { data, error } = await supabase
    .from("backup_runs")
    .select("*")
    .order("started_at", { ascending: false })
    .limit(1);
  if (error) throw error;
  return data[0] ?? null;
}

/** Polls every 2 s while the last run is running, and not at all otherwise. */
export function lastRunRefetchInterval(run: BackupRun | null | undefined): number | false {
  return run?.status === "running" ? RUNNING_POLL_INTERVAL_MS : false;
}

export function useLastBackupRunQuery({ enabled = true }: { enabled?: boolean } = {}) {
  return useQuery({
    queryKey: backupKeys.lastRun(),
    queryFn: getLastBackupRun,
    refetchInterval: (query) => lastRunRefetchInterval(query.state.data),
    enabled,
  });
}
