import type { UseQueryResult } from "@tanstack/react-query";
import { QueryErrorAlert } from "@/components/query-error-alert";
import { useI18n } from "@/lib/i18n/i18n-context";

/**
 * The backup status (`useBackupStatusQuery`) could not be read. The configuration and schedule cards
 * both show it, so both say so with the same words and the same retry.
 */
export function StatusLoadError({ status }: { status: Pick<UseQueryResult, "error" | "refetch"> }) {
  const { t } = useI18n();
  return (
    <QueryErrorAlert
      title={t("config.loadError")}
      error={status.error}
      onRetry={() => void status.refetch()}
    />
  );
}
