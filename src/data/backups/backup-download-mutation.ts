import { useMutation } from "@tanstack/react-query";
import { toast } from "sonner";
import { invokeAutoBackup } from "@/data/backups/auto-backup-function";
import { useI18n } from "@/lib/i18n/i18n-context";

/**
 * Asks the auto-backup function for a short-lived download URL of one run's Storage copy. The bucket
 * is closed to every client role (admins included), so the function signs it with the service key,
 * for 300 s, after checking the caller is an admin and the run's file is one it recorded.
 */
export async function createBackupDownloadUrl(runId: string): Promise<string> {
  const answer = await invokeAutoBackup({ action: "download", run_id: runId });
  return answer.url;
}

/** Starts the browser's download of a URL that answers with Content-Disposition: attachment. */
export function startBrowserDownload(url: string): void {
  const link = document.createElement("a");
  link.href = url;
  link.rel = "noopener";
  document.body.append(link);
  link.click();
  link.remove();
}

export function useBackupDownloadMutation() {
  const { t } = useI18n();
  return useMutation<string, Error, { runId: string }>({
    mutationFn: ({ runId }) => createBackupDownloadUrl(runId),
    onSuccess: (url) => startBrowserDownload(url),
    onError: (error) => {
      toast.error(t("toast.downloadFailed"), { description: error.message });
    },
  });
}
