import { useEffect, useRef, useState } from "react";
import { useQueryClient } from "@tanstack/react-query";
import { toast } from "sonner";
import {
  CloudUploadIcon,
  DatabaseBackupIcon,
  DownloadIcon,
  ExternalLinkIcon,
  LoaderCircleIcon,
} from "lucide-react";
import { Alert, AlertDescription, AlertTitle } from "@/components/ui/alert";
import { Button } from "@/components/ui/button";
import { Card, CardAction, CardContent, CardDescription, CardHeader, CardTitle } from "@/components/ui/card";
import { Skeleton } from "@/components/ui/skeleton";
import { RelativeTime } from "@/components/relative-time";
import { useBackupDownloadMutation } from "@/data/backups/backup-download-mutation";
import { useBackupRunMutation } from "@/data/backups/backup-run-mutation";
import { invalidateBackupRuns } from "@/data/backups/invalidate-runs";
import { backupKeys } from "@/data/backups/keys";
import { useLastBackupRunQuery } from "@/data/backups/last-backup-run-query";
import type { BackupRun, BackupRunStatus } from "@/data/backups/types";
import { useNow } from "@/hooks/use-now";
import { formatBytes, formatDuration, formatNumber } from "@/lib/format";
import { useI18n } from "@/lib/i18n/i18n-context";
import type { TranslationKey } from "@/lib/i18n/fr";
import { withElements } from "@/lib/i18n/with-elements";
import { QueryErrorAlert } from "@/components/query-error-alert";
import { cn } from "@/lib/utils";
import { DestinationBadge, RunStatusBadge } from "./status-badges";
import {
  phaseLabel,
  runAdvice,
  runDurationMs,
  runStatusPresentation,
  uploadProgress,
} from "./run-presentation";

const FINISHED_TOAST: Record<Exclude<BackupRunStatus, "running">, TranslationKey> = {
  success: "toast.runSuccess",
  partial: "toast.runPartial",
  failed: "toast.runFailed",
};

/**
 * When the run this page was following finishes: refresh the history and the configuration (the
 * function may have pruned files or changed the schedule's next run), tell the user, and return the
 * sentence for the live region.
 */
function useRunFinishedEffects(run: BackupRun | null | undefined): string {
  const queryClient = useQueryClient();
  const { t } = useI18n();
  const followed = useRef<{ id: string; status: BackupRunStatus } | null>(null);
  const [announcement, setAnnouncement] = useState("");

  useEffect(() => {
    const previous = followed.current;
    followed.current = run ? { id: run.id, status: run.status } : null;
    if (!run || !previous || previous.id !== run.id) return;
    if (previous.status !== "running" || run.status === "running") return;
    void invalidateBackupRuns(queryClient);
    void queryClient.invalidateQueries({ queryKey: backupKeys.status() });
    const message = t(FINISHED_TOAST[run.status]);
    // The error itself is on the card, with advice; the toast only says that the run ended.
    if (run.status === "success") toast.success(message);
    else if (run.status === "partial") toast.warning(message);
    else toast.error(message);
    setAnnouncement(t("lastRun.finishedLive", { status: t(runStatusPresentation(run.status).label) }));
  }, [run, queryClient, t]);

  if (run?.status === "running") return t("lastRun.running", { phase: t(phaseLabel(run.phase)) });
  return announcement;
}

export function LastBackupCard({ className }: { className?: string }) {
  const { t } = useI18n();
  const lastRun = useLastBackupRunQuery();
  const runMutation = useBackupRunMutation();
  const run = lastRun.data;
  const running = run?.status === "running";
  const liveText = useRunFinishedEffects(run);

  return (
    <Card className={className} aria-labelledby="last-backup-title" role="region">
      <CardHeader>
        <CardTitle id="last-backup-title" className="flex items-center gap-2 text-lg">
          <DatabaseBackupIcon aria-hidden="true" className="size-5 text-primary" />
          {t("lastRun.title")}
        </CardTitle>
        <CardDescription>{t("lastRun.description")}</CardDescription>
        <CardAction>
          <Button
            className="w-full sm:w-auto"
            onClick={() => runMutation.mutate()}
            disabled={running || runMutation.isPending || lastRun.isPending}
          >
            {running || runMutation.isPending ? (
              <LoaderCircleIcon aria-hidden="true" className="animate-spin" />
            ) : (
              <CloudUploadIcon aria-hidden="true" />
            )}
            {running
              ? t("actions.backupRunning")
              : runMutation.isPending
                ? t("actions.starting")
                : t("actions.backupNow")}
          </Button>
        </CardAction>
      </CardHeader>
      <CardContent>
        <p className="sr-only" role="status" aria-live="polite" aria-atomic="true">
          {liveText}
        </p>
        <LastBackupBody query={lastRun} onRetry={() => void lastRun.refetch()} />
      </CardContent>
    </Card>
  );
}

function LastBackupBody({
  query,
  onRetry,
}: {
  query: ReturnType<typeof useLastBackupRunQuery>;
  onRetry: () => void;
}) {
  const { t } = useI18n();
  if (query.isPending) {
    return (
      <div className="grid gap-4" aria-busy="true" data-testid="last-backup-loading">
        <Skeleton className="h-6 w-48" />
        <div className="grid grid-cols-2 gap-3 sm:grid-cols-4">
          {[0, 1, 2, 3].map((i) => (
            <Skeleton key={i} className="h-16" />
          ))}
        </div>
      </div>
    );
  }
  if (query.isError) {
    return <QueryErrorAlert title={t("lastRun.loadError")} error={query.error} onRetry={onRetry} />;
  }
  const run = query.data;
  if (!run) {
    return (
      <div className="flex flex-col items-center gap-2 rounded-lg border border-dashed px-4 py-8 text-center">
        <DatabaseBackupIcon aria-hidden="true" className="size-8 text-muted-foreground" />
        <p className="font-medium">{t("lastRun.empty.title")}</p>
        <p className="max-w-md text-sm text-muted-foreground">{t("lastRun.empty.description")}</p>
      </div>
    );
  }
  return <LastBackupDetails run={run} />;
}

function LastBackupDetails({ run }: { run: BackupRun }) {
  const { t, locale } = useI18n();
  const now = useNow(run.status === "running" ? 1000 : 60_000);
  const download = useBackupDownloadMutation();
  const duration = runDurationMs(run, now);
  const dash = "—";

  const stats: Array<{ label: string; value: string }> = [
    { label: t("lastRun.duration"), value: duration === null ? dash : formatDuration(duration, locale) },
    { label: t("lastRun.size"), value: run.size_bytes === null ? dash : formatBytes(run.size_bytes, locale) },
    { label: t("lastRun.rows"), value: run.row_count === null ? dash : formatNumber(run.row_count, locale) },
    {
      label: t("lastRun.tables"),
      value: run.table_count === null ? dash : formatNumber(run.table_count, locale),
    },
  ];

  return (
    <div className="grid gap-5" data-testid="last-backup" data-status={run.status}>
      <div className="flex flex-wrap items-center gap-x-3 gap-y-1 text-sm">
        <RunStatusBadge status={run.status} className="px-2.5 py-1 text-sm" />
        <span className="text-muted-foreground">
          {withElements(t("lastRun.startedAt"), { time: <RelativeTime iso={run.started_at} /> })}
        </span>
      </div>

      {run.status === "running" && <RunningPanel run={run} />}
      {(run.status === "failed" || run.status === "partial") && <FailurePanel run={run} />}

      <dl className="grid grid-cols-2 gap-3 sm:grid-cols-4">
        {stats.map((stat) => (
          <div key={stat.label} className="rounded-lg border bg-muted/30 px-3 py-2.5">
            <dt className="text-xs font-medium text-muted-foreground">{stat.label}</dt>
            <dd className="mt-0.5 text-lg font-semibold tabular-nums">{stat.value}</dd>
          </div>
        ))}
      </dl>

      <div className="flex flex-col gap-4 sm:flex-row sm:items-end sm:justify-between">
        <dl className="grid gap-2 text-sm">
          <div className="flex flex-wrap items-center gap-2">
            <dt className="min-w-36 text-muted-foreground">{t("destination.storage")}</dt>
            <dd>
              <DestinationBadge status={run.storage_status} />
            </dd>
          </div>
          <div className="flex flex-wrap items-center gap-2">
            <dt className="min-w-36 text-muted-foreground">{t("destination.onedrive")}</dt>
            <dd>
              <DestinationBadge status={run.onedrive_status} />
            </dd>
          </div>
        </dl>
        <div className="flex flex-col gap-2 sm:flex-row">
          {run.onedrive_web_url && run.onedrive_status === "success" && (
            <Button variant="outline" asChild>
              <a href={run.onedrive_web_url} target="_blank" rel="noreferrer noopener">
                <ExternalLinkIcon aria-hidden="true" />
                {t("actions.openInOneDrive")}
              </a>
            </Button>
          )}
          {run.storage_path && run.storage_status === "success" && (
            <Button
              variant="outline"
              disabled={download.isPending}
              onClick={() => download.mutate({ runId: run.id })}
            >
              {download.isPending ? (
                <LoaderCircleIcon aria-hidden="true" className="animate-spin" />
              ) : (
                <DownloadIcon aria-hidden="true" />
              )}
              {download.isPending ? t("actions.preparingDownload") : t("actions.download")}
            </Button>
          )}
        </div>
      </div>
      {run.onedrive_status === "skipped" && run.status !== "running" && (
        <p className="text-sm text-muted-foreground">{t("lastRun.onedriveSkipped")}</p>
      )}
    </div>
  );
}

function RunningPanel({ run }: { run: BackupRun }) {
  const { t, locale } = useI18n();
  const progress = uploadProgress(run);
  return (
    <div
      className="grid gap-2 rounded-lg border border-primary/30 bg-primary/5 p-4"
      data-testid="running-panel"
    >
      <p className="flex items-center gap-2 font-medium">
        <LoaderCircleIcon aria-hidden="true" className="size-4 animate-spin text-primary" />
        {t(phaseLabel(run.phase))}
      </p>
      {progress && (
        <>
          <div
            role="progressbar"
            aria-label={t("phase.uploading")}
            aria-valuemin={0}
            aria-valuemax={100}
            aria-valuenow={progress.percent ?? undefined}
            className="h-2 overflow-hidden rounded-full bg-primary/15"
          >
            <div
              className={cn(
                "h-full rounded-full bg-primary transition-[width] duration-500",
                progress.percent === null && "w-1/3 animate-pulse",
              )}
              style={progress.percent === null ? undefined : { width: `${progress.percent}%` }}
            />
          </div>
          <p className="text-sm tabular-nums text-muted-foreground">
            {progress.total === null
              ? t("lastRun.uploaded", { uploaded: formatBytes(progress.uploaded, locale) })
              : t("lastRun.uploadedOf", {
                  uploaded: formatBytes(progress.uploaded, locale),
                  total: formatBytes(progress.total, locale),
                })}
          </p>
        </>
      )}
    </div>
  );
}

function FailurePanel({ run }: { run: BackupRun }) {
  const { t } = useI18n();
  const advice = runAdvice(run);
  return (
    <Alert variant={run.status === "failed" ? "destructive" : "warning"} data-testid="failure-panel">
      <AlertTitle className="text-base">
        {t(run.status === "failed" ? "failure.failed" : "failure.partial")}
      </AlertTitle>
      <AlertDescription className="gap-3">
        <p className="font-medium break-words" data-testid="run-error">
          {run.error ?? t("failure.noMessage")}
        </p>
        {advice.length > 0 && (
          <div>
            <p className="font-semibold">{t("failure.whatToDo")}</p>
            <ul className="mt-1 list-disc space-y-1 pl-5">
              {advice.map((key) => (
                <li key={key}>{t(key)}</li>
              ))}
            </ul>
          </div>
        )}
        {run.error_code && (
          <p className="text-xs text-muted-foreground">{t("failure.code", { code: run.error_code })}</p>
        )}
      </AlertDescription>
    </Alert>
  );
}
