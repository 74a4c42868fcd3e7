import { useQuery } from "@tanstack/react-query";
import { invokeAutoBackup } from "./auto-backup-function";
import { backupKeys } from "./keys";
import type { BackupStatus } from "./types";

export function getBackupStatus(): Promise<BackupStatus> {
  return invokeAutoBackup<BackupStatus>({ action: "status" });
}

export function useBackupStatusQuery({ enabled = true }: { enabled?: boolean } = {}) {
  return useQuery({ queryKey: backupKeys.status(), queryFn: getBackupStatus, enabled });
}
