import { useMutation } from "@tanstack/react-query";
import { toast } from "sonner";
import { useI18n } from "@/lib/i18n/i18n-context";
import { invokeAutoBackup, type BackupFunctionError } from "./auto-backup-function";
import type { TestResponse } from "@contract";

export async function testBackupConnection(): Promise<TestResponse> {
  const result = await invokeAutoBackup({ action: "test" });
  return { checks: Array.isArray(result.checks) ? result.checks : [] };
}

/** "Test connection": runs the function's checks; the caller lists them from `data`. */
export function useBackupTestMutation() {
  const { t, tp } = useI18n();
  return useMutation<TestResponse, BackupFunctionError>({
    mutationFn: testBackupConnection,
    onSuccess: ({ checks }) => {
      const failed = checks.filter((check) => !check.ok).length;
      if (failed === 0) toast.success(t("toast.testPassed"));
      else toast.warning(tp("toast.testProblems", failed));
    },
    onError: (error) => {
      toast.error(t("toast.testFailed"), { description: error.message });
    },
  });
}
