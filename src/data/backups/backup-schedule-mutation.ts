import { useMutation, useQueryClient } from "@tanstack/react-query";
import { toast } from "sonner";
import { useI18n } from "@/lib/i18n/i18n-context";
import type { ScheduleResponse } from "@contract";
import { BackupFunctionError, invokeAutoBackup } from "./auto-backup-function";
import { backupKeys } from "./keys";

/** Saves the schedule; the function answers the schedule as saved (ScheduleResponse, a bare object). */
export async function setBackupSchedule(cron: string | null): Promise<ScheduleResponse> {
  const answer = await invokeAutoBackup({ action: "schedule", cron });
  if (!("cron" in answer)) {
    throw new BackupFunctionError(`Cannot read the saved schedule: the function's answer has no "cron"`);
  }
  return answer;
}

/** Saves the schedule (a UTC cron expression, or null to turn it off). */
export function useBackupScheduleMutation() {
  const queryClient = useQueryClient();
  const { t } = useI18n();
  return useMutation<ScheduleResponse, BackupFunctionError, { cron: string | null }>({
    mutationFn: ({ cron }) => setBackupSchedule(cron),
    onSuccess: async (schedule) => {
      await queryClient.invalidateQueries({ queryKey: backupKeys.status() });
      toast.success(schedule.cron ? t("toast.scheduleSaved") : t("toast.scheduleRemoved"));
    },
    onError: (error) => {
      toast.error(t("toast.scheduleFailed"), { description: error.message });
    },
  });
}
