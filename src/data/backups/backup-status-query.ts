import { useQuery } from "@tanstack/react-query";
import { invokeAutoBackup } from "./auto-backup-function";
import { backupKeys } from "./keys";
import type { StatusResponse } from "@contract";

export function getBackupStatus(): Promise<StatusResponse> {
  return invokeAutoBackup({ action: "status" });
}

export function useBackupStatusQuery({ enabled = true }: { enabled?: boolean } = {}) {
  return useQuery({ queryKey: backupKeys.status(), queryFn: getBackupStatus, enabled });
}
