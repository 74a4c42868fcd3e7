import { useMutation, useQueryClient } from "@tanstack/react-query";
import { toast } from "sonner";
import { useI18n } from "@/lib/i18n/i18n-context";
import { BackupFunctionError, invokeAutoBackup } from "./auto-backup-function";
import { backupKeys } from "./keys";
import type { BackupSchedule } from "./types";

/**
 * Saves the schedule. The function answers `{schedule: {...}}`; a bare schedule object is accepted too,
 * since both shapes carry the same fields.
 */
export async function setBackupSchedule(cron: string | null): Promise<{ schedule: BackupSchedule }> {
  const answer = await invokeAutoBackup<{ schedule?: BackupSchedule } & Partial<BackupSchedule>>({
    action: "schedule",
    cron,
  });
  if (answer.schedule && typeof answer.schedule === "object") return { schedule: answer.schedule };
  if ("cron" in answer) {
    return {
      schedule: { cron: answer.cron ?? null, next_run_at: answer.next_run_at ?? null, timezone: "UTC" },
    };
  }
  throw new BackupFunctionError(`Cannot read the saved schedule: the function's answer has no "schedule"`);
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
