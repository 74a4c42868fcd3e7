import { useMutation } from "@tanstack/react-query";
import { toast } from "sonner";
import { useI18n } from "@/lib/i18n/i18n-context";
import { invokeAutoBackup, BackupFunctionError } from "./auto-backup-function";
import type { TestResponse } from "@contract";

export async function testBackupConnection(): Promise<TestResponse> {
  const result = await invokeAutoBackup({ action: "test" });
  // A malformed answer is an error, never "no checks, all fine".
  if (!Array.isArray(result.checks)) {
    throw new BackupFunctionError(
      `Cannot read the connection test: the function's answer has no "checks" list`,
    );
  }
  return result;
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
