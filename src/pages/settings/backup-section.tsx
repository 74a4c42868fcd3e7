import { ShieldAlertIcon } from "lucide-react";
import { Alert, AlertDescription, AlertTitle } from "@/components/ui/alert";
import { Skeleton } from "@/components/ui/skeleton";
import { useCanManageBackupsQuery } from "@/data/backups/can-manage-backups-query";
import { QueryErrorAlert } from "@/components/query-error-alert";
import { useI18n } from "@/lib/i18n/i18n-context";
import { BackupHistoryCard } from "./backup-history-card";
import { ConfigurationCard } from "./configuration-card";
import { LastBackupCard } from "./last-backup-card";
import { ScheduleCard } from "./schedule-card";

/** The OneDrive backup part of the settings: only administrators see its data and actions. */
export function BackupSection({ userId }: { userId: string | undefined }) {
  const { t } = useI18n();
  const rights = useCanManageBackupsQuery({ userId });

  return (
    <section aria-labelledby="backup-section-title" className="grid gap-6">
      <div className="grid gap-1">
        <h2 id="backup-section-title" className="text-xl font-semibold tracking-tight">
          {t("settings.backup.title")}
        </h2>
        <p className="max-w-3xl text-sm text-muted-foreground">{t("settings.backup.description")}</p>
      </div>
      <BackupSectionBody rights={rights} />
    </section>
  );
}

function BackupSectionBody({ rights }: { rights: ReturnType<typeof useCanManageBackupsQuery> }) {
  const { t } = useI18n();
  if (rights.isPending) {
    return (
      <div className="grid gap-6 lg:grid-cols-3" aria-busy="true">
        <span className="sr-only" role="status">
          {t("rights.checking")}
        </span>
        <Skeleton className="h-72 lg:col-span-2" />
        <Skeleton className="h-72" />
        <Skeleton className="h-64 lg:col-span-3" />
      </div>
    );
  }
  if (rights.isError) {
    return (
      <QueryErrorAlert title={t("rights.error")} error={rights.error} onRetry={() => void rights.refetch()} />
    );
  }
  if (!rights.data) {
    return (
      <Alert variant="warning" className="py-4" data-testid="rights-needed">
        <ShieldAlertIcon aria-hidden="true" />
        <AlertTitle className="text-base">{t("rights.title")}</AlertTitle>
        <AlertDescription>
          <p>{t("rights.description")}</p>
        </AlertDescription>
      </Alert>
    );
  }
  return (
    <div className="grid gap-6 lg:grid-cols-3">
      <LastBackupCard className="lg:col-span-2" />
      <ScheduleCard />
      <BackupHistoryCard className="lg:col-span-3" />
      <ConfigurationCard className="lg:col-span-3" />
    </div>
  );
}
