import { useMutation, useQueryClient } from "@tanstack/react-query";
import { toast } from "sonner";
import { useI18n } from "@/lib/i18n/i18n-context";
import { invokeAutoBackup, type BackupFunctionError } from "./auto-backup-function";
import { backupKeys } from "./keys";
import type { BackupSchedule } from "./types";

export function setBackupSchedule(cron: string | null): Promise<{ schedule: BackupSchedule }> {
  return invokeAutoBackup<{ schedule: BackupSchedule }>({ action: "schedule", cron });
}

/** Saves the schedule (a UTC cron expression, or null to turn it off). */
export function useBackupScheduleMutation() {
  const queryClient = useQueryClient();
  const { t } = useI18n();
  return useMutation<{ schedule: BackupSchedule }, BackupFunctionError, { cron: string | null }>({
    mutationFn: ({ cron }) => setBackupSchedule(cron),
    onSuccess: async ({ schedule }) => {
      await queryClient.invalidateQueries({ queryKey: backupKeys.status() });
      toast.success(schedule.cron ? t("toast.scheduleSaved") : t("toast.scheduleRemoved"));
    },
    onError: (error) => {
      toast.error(t("toast.scheduleFailed"), { description: error.message });
    },
  });
}
