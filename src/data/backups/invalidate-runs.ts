import type { QueryClient } from "@tanstack/react-query";
import { backupKeys } from "./keys";

/** Refreshes everything that shows runs: the last-run card and every history page. */
export async function invalidateBackupRuns(queryClient: QueryClient): Promise<void> {
  await Promise.all([
    queryClient.invalidateQueries({ queryKey: backupKeys.lastRun() }),
    queryClient.invalidateQueries({ queryKey: backupKeys.runs() }),
  ]);
}
