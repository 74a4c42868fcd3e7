import { Fragment, useState, type ReactNode } from "react";
import {
  ChevronLeftIcon,
  ChevronRightIcon,
  DownloadIcon,
  ExternalLinkIcon,
  HistoryIcon,
  LoaderCircleIcon,
} from "lucide-react";
import { Alert, AlertDescription, AlertTitle } from "@/components/ui/alert";
import { Button } from "@/components/ui/button";
import { Card, CardContent, CardDescription, CardFooter, CardHeader, CardTitle } from "@/components/ui/card";
import { Skeleton } from "@/components/ui/skeleton";
import { Table, TableBody, TableCell, TableHead, TableHeader, TableRow } from "@/components/ui/table";
import { useBackupDownloadMutation } from "@/data/backups/backup-download-mutation";
import { BACKUP_RUNS_PAGE_SIZE, useBackupRunsQuery } from "@/data/backups/backup-runs-query";
import type { BackupRun } from "@/data/backups/types";
import { useNow } from "@/hooks/use-now";
import { QueryErrorAlert } from "@/components/query-error-alert";
import { formatBytes, formatDateTime, formatDuration, formatNumber, formatShortDateTime } from "@/lib/format";
import type { TranslationKey } from "@/lib/i18n/fr";
import { useI18n } from "@/lib/i18n/i18n-context";
import { cn } from "@/lib/utils";
import { runDurationMs, runTables } from "./run-presentation";
import { DestinationBadge, RunStatusBadge } from "./status-badges";

const TRIGGERS: Record<BackupRun["trigger"], TranslationKey> = {
  manual: "trigger.manual",
  schedule: "trigger.schedule",
  cli: "trigger.cli",
};

const DASH = "—";

// Columns narrow screens can do without: everything they hide is in the expanded details too.
const HIDE_BELOW_SM = "hidden sm:table-cell";
const HIDE_BELOW_MD = "hidden md:table-cell";
const HIDE_BELOW_LG = "hidden lg:table-cell";
const COLUMN_COUNT = 9;

export function BackupHistoryCard({ className }: { className?: string }) {
  const { t, locale } = useI18n();
  const [page, setPage] = useState(0);
  const history = useBackupRunsQuery({ page });
  const total = history.data?.total ?? 0;
  const pages = Math.max(1, Math.ceil(total / BACKUP_RUNS_PAGE_SIZE));
  const from = page * BACKUP_RUNS_PAGE_SIZE + 1;
  const to = Math.min(total, (page + 1) * BACKUP_RUNS_PAGE_SIZE);

  return (
    <Card className={className} role="region" aria-labelledby="history-title">
      <CardHeader>
        <CardTitle id="history-title" className="flex items-center gap-2 text-lg">
          <HistoryIcon aria-hidden="true" className="size-5 text-primary" />
          {t("history.title")}
        </CardTitle>
        <CardDescription>{t("history.description")}</CardDescription>
      </CardHeader>
      <CardContent className="px-0 sm:px-5">
        {history.isPending ? (
          <div className="grid gap-2 px-5 sm:px-0" aria-busy="true" data-testid="history-loading">
            {[0, 1, 2, 3, 4].map((i) => (
              <Skeleton key={i} className="h-10 w-full" />
            ))}
          </div>
        ) : history.isError ? (
          <div className="px-5 sm:px-0">
            <QueryErrorAlert
              title={t("history.loadError")}
              error={history.error}
              onRetry={() => void history.refetch()}
            />
          </div>
        ) : history.data.runs.length === 0 ? (
          <p className="mx-5 rounded-lg border border-dashed px-4 py-8 text-center text-sm text-muted-foreground sm:mx-0">
            {t("history.empty")}
          </p>
        ) : (
          <HistoryTable runs={history.data.runs} busy={history.isPlaceholderData} />
        )}
      </CardContent>
      {total > BACKUP_RUNS_PAGE_SIZE && (
        <CardFooter className="flex-col gap-3 sm:flex-row sm:justify-between">
          <p className="text-sm tabular-nums text-muted-foreground">
            {t("history.range", {
              from: formatNumber(from, locale),
              to: formatNumber(to, locale),
              total: formatNumber(total, locale),
            })}
          </p>
          <nav aria-label={t("history.pagination")} className="flex items-center gap-2">
            <Button
              variant="outline"
              size="sm"
              onClick={() => setPage((p) => Math.max(0, p - 1))}
              disabled={page === 0}
            >
              <ChevronLeftIcon aria-hidden="true" />
              {t("history.previous")}
            </Button>
            <span className="px-1 text-sm tabular-nums" aria-current="page">
              {t("history.page", {
                page: formatNumber(page + 1, locale),
                pages: formatNumber(pages, locale),
              })}
            </span>
            <Button
              variant="outline"
              size="sm"
              onClick={() => setPage((p) => Math.min(pages - 1, p + 1))}
              disabled={page >= pages - 1 || history.isPlaceholderData}
            >
              {t("history.next")}
              <ChevronRightIcon aria-hidden="true" />
            </Button>
          </nav>
        </CardFooter>
      )}
    </Card>
  );
}

function HistoryTable({ runs, busy }: { runs: BackupRun[]; busy: boolean }) {
  const { t } = useI18n();
  const [expanded, setExpanded] = useState<ReadonlySet<string>>(new Set());
  const toggle = (id: string) =>
    setExpanded((current) => {
      const next = new Set(current);
      if (next.has(id)) next.delete(id);
      else next.add(id);
      return next;
    });

  return (
    <Table aria-busy={busy} className={cn(busy && "opacity-60")} data-testid="history-table">
      <TableHeader>
        <TableRow className="hover:bg-transparent">
          <TableHead className="w-10 pr-0 pl-3 sm:pl-2">
            <span className="sr-only">{t("history.details")}</span>
          </TableHead>
          <TableHead>{t("history.started")}</TableHead>
          <TableHead className={HIDE_BELOW_MD}>{t("history.trigger")}</TableHead>
          <TableHead>{t("history.status")}</TableHead>
          <TableHead className={cn(HIDE_BELOW_SM, "text-right")}>{t("history.duration")}</TableHead>
          <TableHead className={cn(HIDE_BELOW_SM, "text-right")}>{t("history.size")}</TableHead>
          <TableHead className={cn(HIDE_BELOW_MD, "text-right")}>{t("history.rows")}</TableHead>
          <TableHead className={HIDE_BELOW_LG}>{t("history.storage")}</TableHead>
          <TableHead className={HIDE_BELOW_LG}>{t("history.onedrive")}</TableHead>
        </TableRow>
      </TableHeader>
      <TableBody>
        {runs.map((run) => (
          <HistoryRow key={run.id} run={run} open={expanded.has(run.id)} onToggle={() => toggle(run.id)} />
        ))}
      </TableBody>
    </Table>
  );
}

function HistoryRow({ run, open, onToggle }: { run: BackupRun; open: boolean; onToggle: () => void }) {
  const { t, locale } = useI18n();
  const now = useNow(run.status === "running" ? 1000 : 60_000);
  const duration = runDurationMs(run, now);
  const started = formatShortDateTime(run.started_at, locale);
  const detailsId = `run-details-${run.id}`;

  return (
    <Fragment>
      <TableRow
        data-state={open ? "open" : "closed"}
        data-run-id={run.id}
        data-status={run.status}
        className="cursor-pointer"
        onClick={onToggle}
      >
        <TableCell className="pr-0 pl-3 sm:pl-2">
          <Button
            variant="ghost"
            size="icon"
            className="size-8"
            aria-expanded={open}
            aria-controls={open ? detailsId : undefined}
            aria-label={t(open ? "history.hideDetails" : "history.showDetails", { date: started })}
            onClick={(event) => {
              event.stopPropagation();
              onToggle();
            }}
          >
            <ChevronRightIcon
              aria-hidden="true"
              className={cn("transition-transform", open && "rotate-90")}
            />
          </Button>
        </TableCell>
        <TableCell>
          <time dateTime={run.started_at} title={formatDateTime(run.started_at, locale)}>
            {started}
          </time>
        </TableCell>
        <TableCell className={HIDE_BELOW_MD}>{t(TRIGGERS[run.trigger] ?? "trigger.manual")}</TableCell>
        <TableCell>
          <RunStatusBadge status={run.status} />
        </TableCell>
        <TableCell className={cn(HIDE_BELOW_SM, "text-right tabular-nums")}>
          {duration === null ? DASH : formatDuration(duration, locale)}
        </TableCell>
        <TableCell className={cn(HIDE_BELOW_SM, "text-right tabular-nums")}>
          {run.size_bytes === null ? DASH : formatBytes(run.size_bytes, locale)}
        </TableCell>
        <TableCell className={cn(HIDE_BELOW_MD, "text-right tabular-nums")}>
          {run.row_count === null ? DASH : formatNumber(run.row_count, locale)}
        </TableCell>
        <TableCell className={HIDE_BELOW_LG}>
          <DestinationBadge status={run.storage_status} />
        </TableCell>
        <TableCell className={HIDE_BELOW_LG}>
          <DestinationBadge status={run.onedrive_status} />
        </TableCell>
      </TableRow>
      {open && (
        <TableRow id={detailsId} className="bg-muted/20 hover:bg-muted/20" data-testid="run-details">
          <TableCell colSpan={COLUMN_COUNT} className="whitespace-normal px-4 py-4 sm:px-6">
            <RunDetails run={run} duration={duration} />
          </TableCell>
        </TableRow>
      )}
    </Fragment>
  );
}

function Detail({
  label,
  children,
  mono,
  wide,
}: {
  label: string;
  children: ReactNode;
  mono?: boolean;
  /** Long values (dates, hashes, names) take the whole width on phones. */
  wide?: boolean;
}) {
  return (
    <div className={cn("grid min-w-0 content-start gap-0.5", wide && "col-span-2 sm:col-span-1")}>
      <dt className="text-xs font-medium text-muted-foreground">{label}</dt>
      <dd className={cn("min-w-0 text-sm break-all", mono && "font-mono text-xs")}>{children}</dd>
    </div>
  );
}

function RunDetails({ run, duration }: { run: BackupRun; duration: number | null }) {
  const { t, locale } = useI18n();
  const download = useBackupDownloadMutation();
  const tables = runTables(run.tables);

  return (
    <div className="grid gap-5 lg:grid-cols-[minmax(0,1fr)_minmax(0,22rem)]">
      <div className="grid content-start gap-4">
        {run.error && (
          <Alert variant={run.status === "partial" ? "warning" : "destructive"}>
            <AlertTitle>{t("details.error")}</AlertTitle>
            <AlertDescription>
              <p className="break-words">{run.error}</p>
              {run.error_code && (
                <p className="text-xs text-muted-foreground">{t("failure.code", { code: run.error_code })}</p>
              )}
            </AlertDescription>
          </Alert>
        )}
        <dl className="grid grid-cols-2 gap-3">
          <Detail label={t("history.trigger")}>{t(TRIGGERS[run.trigger] ?? "trigger.manual")}</Detail>
          <Detail label={t("details.finishedAt")} wide>
            {run.finished_at ? formatDateTime(run.finished_at, locale) : t("details.notFinished")}
          </Detail>
          <Detail label={t("history.duration")}>
            {duration === null ? DASH : formatDuration(duration, locale)}
          </Detail>
          <Detail label={t("history.size")}>
            {run.size_bytes === null
              ? DASH
              : `${formatBytes(run.size_bytes, locale)} (${formatNumber(run.size_bytes, locale)})`}
          </Detail>
          <Detail label={t("history.rows")}>
            {run.row_count === null ? DASH : formatNumber(run.row_count, locale)}
          </Detail>
          <Detail label={t("destination.storage")}>
            <DestinationBadge status={run.storage_status} />
            <PrunedNote at={run.storage_deleted_at} />
          </Detail>
          <Detail label={t("destination.onedrive")}>
            <DestinationBadge status={run.onedrive_status} />
            <PrunedNote at={run.onedrive_deleted_at} />
          </Detail>
          <Detail label={t("details.file")} mono wide>
            {run.file_name ?? DASH}
          </Detail>
          <Detail label={t("details.sha256")} mono wide>
            {run.sha256 ?? DASH}
          </Detail>
          <Detail label={t("details.quickXorHash")} mono wide>
            {run.quick_xor_hash ?? DASH}
          </Detail>
        </dl>
        {(run.onedrive_web_url || (run.storage_path && run.storage_status === "success")) && (
          <div className="flex flex-wrap gap-2">
            {run.onedrive_web_url && run.onedrive_status === "success" && !run.onedrive_deleted_at && (
              <Button variant="outline" size="sm" asChild>
                <a href={run.onedrive_web_url} target="_blank" rel="noreferrer noopener">
                  <ExternalLinkIcon aria-hidden="true" />
                  {t("actions.openInOneDrive")}
                </a>
              </Button>
            )}
            {run.storage_path && run.storage_status === "success" && !run.storage_deleted_at && (
              <Button
                variant="outline"
                size="sm"
                disabled={download.isPending}
                onClick={() => download.mutate({ runId: run.id })}
              >
                {download.isPending ? (
                  <LoaderCircleIcon aria-hidden="true" className="animate-spin" />
                ) : (
                  <DownloadIcon aria-hidden="true" />
                )}
                {t("actions.download")}
              </Button>
            )}
          </div>
        )}
      </div>
      <div className="grid content-start gap-2">
        <h3 className="text-sm font-semibold">{t("details.tables")}</h3>
        {tables.length === 0 ? (
          <p className="text-sm text-muted-foreground">{t("details.noTables")}</p>
        ) : (
          <div className="max-h-72 overflow-y-auto rounded-lg border bg-card">
            <table className="w-full text-sm">
              <thead className="sticky top-0 bg-card">
                <tr className="border-b">
                  <th scope="col" className="px-3 py-2 text-left text-xs font-medium text-muted-foreground">
                    {t("details.table")}
                  </th>
                  <th scope="col" className="px-3 py-2 text-right text-xs font-medium text-muted-foreground">
                    {t("details.rows")}
                  </th>
                </tr>
              </thead>
              <tbody>
                {tables.map((table) => (
                  <tr key={`${table.schema}.${table.name}`} className="border-b last:border-b-0">
                    <td className="px-3 py-1.5 font-mono text-xs break-all">
                      {table.schema}.{table.name}
                    </td>
                    <td className="px-3 py-1.5 text-right tabular-nums">
                      {formatNumber(table.rows, locale)}
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        )}
      </div>
    </div>
  );
}

/** Says that retention deleted this copy, and when. */
function PrunedNote({ at }: { at: string | null }) {
  const { t, locale } = useI18n();
  if (!at) return null;
  return (
    <span className="block text-xs text-muted-foreground">
      {t("details.deletedByRetention", { date: formatDateTime(at, locale) })}
    </span>
  );
}
