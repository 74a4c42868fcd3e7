import { useMutation } from "@tanstack/react-query";
import { toast } from "sonner";
import { supabase } from "@/integrations/supabase/client";
import { useI18n } from "@/lib/i18n/i18n-context";

/** Signed links live 5 minutes: long enough to start the download, short enough not to matter if shared. */
export const DOWNLOAD_LINK_SECONDS = 300;

/** A short-lived signed URL for a backup file of the private `backups` bucket, served as an attachment. */
export async function createBackupDownloadUrl(storagePath: string): Promise<string> {
  const { data, error } = await supabase.storage
    .from("backups")
    .createSignedUrl(storagePath, DOWNLOAD_LINK_SECONDS, { download: true });
  if (error) throw error;
  return data.signedUrl;
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
  return useMutation<string, Error, { storagePath: string }>({
    mutationFn: ({ storagePath }) => createBackupDownloadUrl(storagePath),
    onSuccess: (url) => startBrowserDownload(url),
    onError: (error) => {
      toast.error(t("toast.downloadFailed"), { description: error.message });
    },
  });
}
