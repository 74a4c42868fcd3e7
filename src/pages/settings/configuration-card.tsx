import type { ReactNode } from "react";
import {
  CircleCheckIcon,
  CircleXIcon,
  LoaderCircleIcon,
  PlugZapIcon,
  SlidersHorizontalIcon,
  TriangleAlertIcon,
} from "lucide-react";
import { Alert, AlertDescription, AlertTitle } from "@/components/ui/alert";
import { Badge } from "@/components/ui/badge";
import { Button } from "@/components/ui/button";
import { Card, CardAction, CardContent, CardDescription, CardHeader, CardTitle } from "@/components/ui/card";
import { Skeleton } from "@/components/ui/skeleton";
import { useBackupStatusQuery } from "@/data/backups/backup-status-query";
import { useBackupTestMutation } from "@/data/backups/backup-test-mutation";
import type { BackupCheck, StatusResponse } from "@contract";
import { StatusLoadError } from "./status-load-error";
import { formatScheduleDateTime } from "@/lib/format";
import type { TranslationKey } from "@/lib/i18n/fr";
import { useI18n } from "@/lib/i18n/i18n-context";
import { localTimeZone, utcCronToSchedule } from "@/lib/schedule-cron";
import { cn } from "@/lib/utils";
import { useScheduleSummary } from "./schedule-card";

function ConfiguredBadge({ configured }: { configured: boolean }) {
  const { t } = useI18n();
  return configured ? (
    <Badge variant="success">
      <CircleCheckIcon aria-hidden="true" />
      {t("config.configured")}
    </Badge>
  ) : (
    <Badge variant="outline" className="text-muted-foreground">
      <CircleXIcon aria-hidden="true" />
      {t("config.notConfigured")}
    </Badge>
  );
}

function Setting({ label, children }: { label: string; children: ReactNode }) {
  return (
    <div className="flex flex-wrap items-center justify-between gap-x-4 gap-y-1.5 border-b py-3 last:border-b-0 sm:grid sm:grid-cols-[minmax(0,14rem)_1fr] sm:gap-4">
      <dt className="text-sm text-muted-foreground">{label}</dt>
      <dd className="flex min-w-0 flex-wrap items-center justify-end gap-2 text-right text-sm sm:justify-start sm:text-left">
        {children}
      </dd>
    </div>
  );
}

export function ConfigurationCard({ className }: { className?: string }) {
  const { t } = useI18n();
  const status = useBackupStatusQuery();
  const test = useBackupTestMutation();

  return (
    <Card className={className} role="region" aria-labelledby="configuration-title">
      <CardHeader>
        <CardTitle id="configuration-title" className="flex items-center gap-2 text-lg">
          <SlidersHorizontalIcon aria-hidden="true" className="size-5 text-primary" />
          {t("config.title")}
        </CardTitle>
        <CardDescription>{t("config.description")}</CardDescription>
        <CardAction>
          <Button
            variant="outline"
            className="w-full sm:w-auto"
            onClick={() => test.mutate()}
            disabled={test.isPending}
          >
            {test.isPending ? (
              <LoaderCircleIcon aria-hidden="true" className="animate-spin" />
            ) : (
              <PlugZapIcon aria-hidden="true" />
            )}
            {test.isPending ? t("actions.testing") : t("actions.testConnection")}
          </Button>
        </CardAction>
      </CardHeader>
      <CardContent className="grid gap-5 lg:grid-cols-2 lg:gap-8">
        <div>
          {status.isPending ? (
            <div className="grid gap-3" aria-busy="true">
              {[0, 1, 2, 3, 4].map((i) => (
                <Skeleton key={i} className="h-7 w-full" />
              ))}
            </div>
          ) : status.isError ? (
            <StatusLoadError status={status} />
          ) : (
            <ConfigurationList status={status.data} />
          )}
        </div>
        {/* On phones the results come first, right under the button that asked for them. */}
        <div
          aria-live="polite"
          className={cn("order-first lg:order-none", !test.data && !test.isPending && "hidden lg:block")}
        >
          {test.data || test.isPending ? (
            <ConnectionTestResults checks={test.data?.checks} pending={test.isPending} />
          ) : (
            // Wide screens have room to say what the test does before it is run.
            <div className="flex h-full min-h-40 flex-col items-center justify-center gap-2 rounded-lg border border-dashed px-6 py-8 text-center lg:flex">
              <PlugZapIcon aria-hidden="true" className="size-7 text-muted-foreground" />
              <p className="font-medium">{t("test.title")}</p>
              <p className="max-w-sm text-sm text-muted-foreground">{t("test.description")}</p>
            </div>
          )}
        </div>
      </CardContent>
    </Card>
  );
}

function ConfigurationList({ status }: { status: StatusResponse }) {
  const { t, tp, locale } = useI18n();
  const summary = useScheduleSummary();
  const timeZone = localTimeZone();
  const { configured, destination, schedule } = status;

  const problems = status.config_problems ?? [];
  return (
    <div className="grid gap-4">
      {problems.length > 0 && (
        <Alert variant="destructive" data-testid="config-problems">
          <TriangleAlertIcon aria-hidden="true" />
          <AlertTitle>{t("config.problems")}</AlertTitle>
          <AlertDescription>
            <ul className="list-disc space-y-1 pl-4">
              {problems.map((problem) => (
                <li key={problem.variable}>
                  <code className="font-mono text-xs font-semibold">{problem.variable}</code>:{" "}
                  {problem.message}
                </li>
              ))}
            </ul>
          </AlertDescription>
        </Alert>
      )}
      {status.schedule_error && (
        <Alert variant="warning">
          <TriangleAlertIcon aria-hidden="true" />
          <AlertDescription>
            <p>{t("config.scheduleError", { message: status.schedule_error })}</p>
          </AlertDescription>
        </Alert>
      )}
      {!status.onedrive_enabled && (
        <Alert variant="warning">
          <TriangleAlertIcon aria-hidden="true" />
          <AlertDescription>
            <p>{t("config.onedriveDisabled")}</p>
          </AlertDescription>
        </Alert>
      )}
      <dl>
        <Setting label={t("config.azure")}>
          <ConfiguredBadge configured={configured.azure} />
        </Setting>
        <Setting label={t("config.destination")}>
          <ConfiguredBadge configured={configured.destination} />
          {destination.kind && (
            <span className="text-muted-foreground">
              {t(destination.kind === "link" ? "config.destinationLink" : "config.destinationIds")}
            </span>
          )}
          {destination.folder_name && (
            <span className="font-medium break-all">
              {t("config.folderName", { name: destination.folder_name })}
            </span>
          )}
        </Setting>
        <Setting label={t("config.alertWebhook")}>
          <ConfiguredBadge configured={configured.alert_webhook} />
        </Setting>
        <Setting label={t("config.alertEmail")}>
          <ConfiguredBadge configured={configured.alert_email} />
        </Setting>
        <Setting label={t("config.cronSecret")}>
          <ConfiguredBadge configured={configured.cron_secret} />
        </Setting>
        <Setting label={t("config.compression")}>
          {status.compression === "gzip" ? "gzip" : t("config.compressionNone")}
        </Setting>
        <Setting label={t("config.retention")}>
          {status.retention?.keep_all || status.retention_count === 0
            ? t("config.retentionAll")
            : status.retention
              ? t("config.retentionPolicy", {
                  tiers: t("config.retentionTiers", {
                    daily: status.retention.daily,
                    weekly: status.retention.weekly,
                    monthly: status.retention.monthly,
                  }),
                  last: tp("config.retentionLast", status.retention.keep_last),
                  minAge: tp("config.retentionMinAge", status.retention.min_age_days),
                })
              : tp("config.retentionCount", status.retention_count)}
        </Setting>
        <Setting label={t("config.schemas")}>
          {status.schemas.map((schema) => (
            <code key={schema} className="rounded bg-muted px-1.5 py-0.5 font-mono text-xs">
              {schema}
            </code>
          ))}
        </Setting>
        <Setting label={t("config.schedule")}>
          <span data-testid="config-schedule" className="grid gap-0.5">
            <span className="first-letter:uppercase">
              {schedule.cron
                ? summary(utcCronToSchedule(schedule.cron, timeZone, new Date()))
                : t("config.notScheduled")}
            </span>
            {schedule.cron && schedule.next_run_at && (
              <span className="text-muted-foreground">
                {t("config.nextRun", {
                  date: formatScheduleDateTime(schedule.next_run_at, locale, timeZone),
                })}
              </span>
            )}
          </span>
        </Setting>
      </dl>
    </div>
  );
}

const CHECK_LABELS: Record<string, TranslationKey> = {
  config: "check.configuration",
  configuration: "check.configuration",
  token: "check.token",
  folder: "check.folder",
  destination: "check.folder",
  link: "check.folder",
  write: "check.write",
  write_access: "check.write",
  bucket: "check.bucket",
  storage: "check.bucket",
  database: "check.database",
  mail: "check.mail",
  email: "check.mail",
  onedrive_link_scope: "check.linkScope",
};

function ConnectionTestResults({ checks, pending }: { checks: BackupCheck[] | undefined; pending: boolean }) {
  const { t, tp } = useI18n();
  if (pending || !checks) {
    return (
      <div className="grid gap-2" aria-busy="true">
        <Skeleton className="h-5 w-40" />
        <Skeleton className="h-14 w-full" />
        <Skeleton className="h-14 w-full" />
      </div>
    );
  }
  const passed = checks.filter((check) => check.ok).length;
  return (
    <section aria-labelledby="connection-test-title" className="grid gap-3" data-testid="connection-test">
      <div>
        <h3 id="connection-test-title" className="font-semibold">
          {t("test.title")}
        </h3>
        <p className="text-sm text-muted-foreground">
          {checks.length === 0 ? t("test.none") : tp("test.summary", checks.length, { passed })}
        </p>
      </div>
      <ul className="grid gap-2">
        {checks.map((check) => {
          const label = CHECK_LABELS[check.name.toLowerCase()];
          return (
            <li key={check.name} className="flex gap-3 rounded-lg border px-3 py-2.5" data-ok={check.ok}>
              {check.ok ? (
                <CircleCheckIcon aria-hidden="true" className="mt-0.5 size-4 shrink-0 text-success" />
              ) : (
                <CircleXIcon aria-hidden="true" className="mt-0.5 size-4 shrink-0 text-destructive" />
              )}
              <div className="grid min-w-0 gap-0.5">
                <p className="text-sm font-medium">
                  {label ? t(label) : check.name}
                  <span className="sr-only"> ({check.ok ? t("test.ok") : t("test.failed")})</span>
                </p>
                <p className="text-sm break-words text-muted-foreground">{check.message}</p>
              </div>
            </li>
          );
        })}
      </ul>
    </section>
  );
}
