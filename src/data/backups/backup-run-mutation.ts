import { useMutation, useQueryClient } from "@tanstack/react-query";
import { toast } from "sonner";
import { useI18n } from "@/lib/i18n/i18n-context";
import { invokeAutoBackup, type BackupFunctionError } from "./auto-backup-function";
import { invalidateBackupRuns } from "./invalidate-runs";
import type { RunStartedResponse } from "@contract";

export function startBackupRun(): Promise<RunStartedResponse> {
  return invokeAutoBackup({ action: "run" });
}

/** "Backup now": starts a run, refreshes the card and history, then says what happened. */
export function useBackupRunMutation() {
  const queryClient = useQueryClient();
  const { t } = useI18n();
  return useMutation<RunStartedResponse, BackupFunctionError>({
    mutationFn: startBackupRun,
    onSuccess: async () => {
      await invalidateBackupRuns(queryClient);
      toast.success(t("toast.backupStarted"), { description: t("toast.backupStartedDescription") });
    },
    onError: async (error) => {
      if (error.alreadyRunning) {
        // Show the run that is in progress, so the page starts following it.
        await invalidateBackupRuns(queryClient);
        toast.warning(t("toast.alreadyRunning"), { description: t("toast.alreadyRunningDescription") });
        return;
      }
      if (error.rateLimited) {
        toast.warning(t("toast.rateLimited"), {
          description:
            error.retryAfterSeconds === undefined
              ? error.message
              : t("toast.rateLimitedDescription", { seconds: error.retryAfterSeconds }),
        });
        return;
      }
      toast.error(t("toast.backupFailed"), { description: error.message });
    },
  });
}
