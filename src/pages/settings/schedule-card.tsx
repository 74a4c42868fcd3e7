import { useId, useMemo, useState, type FormEvent } from "react";
import { CalendarClockIcon, LoaderCircleIcon } from "lucide-react";
import { Button } from "@/components/ui/button";
import { Card, CardContent, CardDescription, CardHeader, CardTitle } from "@/components/ui/card";
import { Input } from "@/components/ui/input";
import { Label } from "@/components/ui/label";
import { Select, SelectContent, SelectItem, SelectTrigger, SelectValue } from "@/components/ui/select";
import { Skeleton } from "@/components/ui/skeleton";
import { useBackupScheduleMutation } from "@/data/backups/backup-schedule-mutation";
import { useBackupStatusQuery } from "@/data/backups/backup-status-query";
import type { BackupSchedule } from "@contract";
import { StatusLoadError } from "./status-load-error";
import { formatScheduleDateTime, formatTimeOfDay } from "@/lib/format";
import { useI18n } from "@/lib/i18n/i18n-context";
import { withElements } from "@/lib/i18n/with-elements";
import {
  localTimeZone,
  runsMoreThanHourly,
  sameSchedule,
  scheduleToUtcCron,
  utcCronToSchedule,
  type LocalSchedule,
  type ScheduleReading,
  type Weekday,
} from "@/lib/schedule-cron";

type Frequency = LocalSchedule["kind"];

/** Monday first, as calendars in France and most of Europe show weeks. */
const WEEKDAYS: Weekday[] = [1, 2, 3, 4, 5, 6, 0];

/** The localized name of a cron weekday (0 = Sunday). */
export function weekdayName(weekday: Weekday, locale: string): string {
  // 2024-01-07 was a Sunday.
  return new Intl.DateTimeFormat(locale, { weekday: "long", timeZone: "UTC" }).format(
    new Date(Date.UTC(2024, 0, 7 + weekday)),
  );
}

const pad = (value: number) => String(value).padStart(2, "0");

/** One sentence describing a schedule in the admin's language ("Tous les jours à 02:00"). */
export function useScheduleSummary(): (reading: ScheduleReading) => string {
  const { t, locale } = useI18n();
  return (reading) => {
    switch (reading.kind) {
      case "off":
        return t("schedule.summaryOff");
      case "daily":
        return t("schedule.summaryDaily", { time: formatTimeOfDay(reading.hour, reading.minute, locale) });
      case "weekly":
        return t("schedule.summaryWeekly", {
          weekday: weekdayName(reading.weekday, locale),
          time: formatTimeOfDay(reading.hour, reading.minute, locale),
        });
      case "custom":
        return t("schedule.custom", { cron: reading.cron });
    }
  };
}

export function ScheduleCard({
  className,
  timeZone = localTimeZone(),
}: {
  className?: string;
  timeZone?: string;
}) {
  const { t } = useI18n();
  const status = useBackupStatusQuery();

  return (
    <Card className={className} role="region" aria-labelledby="schedule-title">
      <CardHeader>
        <CardTitle id="schedule-title" className="flex items-center gap-2 text-lg">
          <CalendarClockIcon aria-hidden="true" className="size-5 text-primary" />
          {t("schedule.title")}
        </CardTitle>
        <CardDescription>{t("schedule.description", { timeZone })}</CardDescription>
      </CardHeader>
      <CardContent>
        {status.isPending ? (
          <div className="grid gap-3" aria-busy="true">
            <Skeleton className="h-9 w-full" />
            <Skeleton className="h-9 w-full" />
            <Skeleton className="h-5 w-2/3" />
          </div>
        ) : status.isError ? (
          <StatusLoadError status={status} />
        ) : (
          // A new key when the stored schedule changes resets the form to what is now saved.
          <ScheduleForm
            key={status.data.schedule.cron ?? "off"}
            schedule={status.data.schedule}
            timeZone={timeZone}
          />
        )}
      </CardContent>
    </Card>
  );
}

function ScheduleForm({ schedule, timeZone }: { schedule: BackupSchedule; timeZone: string }) {
  const { t, locale } = useI18n();
  const id = useId();
  const mutation = useBackupScheduleMutation();
  const summary = useScheduleSummary();
  const saved = useMemo(
    () => utcCronToSchedule(schedule.cron, timeZone, new Date()),
    [schedule.cron, timeZone],
  );

  const [frequency, setFrequency] = useState<Frequency>(saved.kind === "custom" ? "daily" : saved.kind);
  const [weekday, setWeekday] = useState<Weekday>(saved.kind === "weekly" ? saved.weekday : 1);
  const [time, setTime] = useState(
    saved.kind === "daily" || saved.kind === "weekly" ? `${pad(saved.hour)}:${pad(saved.minute)}` : "02:00",
  );

  const timeMatch = /^(\d{2}):(\d{2})/.exec(time);
  const timeValid = timeMatch !== null && Number(timeMatch[1]) < 24 && Number(timeMatch[2]) < 60;
  const draft: LocalSchedule | null =
    frequency === "off"
      ? { kind: "off" }
      : !timeValid
        ? null
        : frequency === "daily"
          ? { kind: "daily", hour: Number(timeMatch[1]), minute: Number(timeMatch[2]) }
          : { kind: "weekly", weekday, hour: Number(timeMatch[1]), minute: Number(timeMatch[2]) };
  const changed = draft !== null && !sameSchedule(draft, saved);

  const onSubmit = (event: FormEvent) => {
    event.preventDefault();
    if (!draft || !changed) return;
    mutation.mutate({ cron: scheduleToUtcCron(draft, timeZone, new Date()) });
  };

  return (
    <form className="grid gap-4" onSubmit={onSubmit} aria-describedby={`${id}-current`}>
      <div className="grid gap-4 sm:grid-cols-2 lg:grid-cols-1 xl:grid-cols-2">
        <div className="grid gap-2">
          <Label htmlFor={`${id}-frequency`}>{t("schedule.frequency")}</Label>
          <Select value={frequency} onValueChange={(value) => setFrequency(value as Frequency)}>
            <SelectTrigger id={`${id}-frequency`} className="w-full">
              <SelectValue />
            </SelectTrigger>
            <SelectContent>
              <SelectItem value="off">{t("schedule.off")}</SelectItem>
              <SelectItem value="daily">{t("schedule.daily")}</SelectItem>
              <SelectItem value="weekly">{t("schedule.weekly")}</SelectItem>
            </SelectContent>
          </Select>
        </div>
        {frequency === "weekly" && (
          <div className="grid gap-2">
            <Label htmlFor={`${id}-day`}>{t("schedule.day")}</Label>
            <Select value={String(weekday)} onValueChange={(value) => setWeekday(Number(value) as Weekday)}>
              <SelectTrigger id={`${id}-day`} className="w-full capitalize">
                <SelectValue />
              </SelectTrigger>
              <SelectContent>
                {WEEKDAYS.map((day) => (
                  <SelectItem key={day} value={String(day)} className="capitalize">
                    {weekdayName(day, locale)}
                  </SelectItem>
                ))}
              </SelectContent>
            </Select>
          </div>
        )}
        {frequency !== "off" && (
          <div className="grid gap-2">
            <Label htmlFor={`${id}-time`}>{t("schedule.time")}</Label>
            <Input
              id={`${id}-time`}
              type="time"
              step={60}
              required
              value={time}
              onChange={(event) => setTime(event.target.value)}
              aria-invalid={!timeValid}
              aria-describedby={timeValid ? undefined : `${id}-time-error`}
            />
            {!timeValid && (
              <p id={`${id}-time-error`} className="text-sm text-destructive">
                {t("schedule.invalidTime")}
              </p>
            )}
          </div>
        )}
      </div>

      <div className="flex flex-wrap items-center gap-3">
        <Button type="submit" disabled={!changed || mutation.isPending}>
          {mutation.isPending && <LoaderCircleIcon aria-hidden="true" className="animate-spin" />}
          {mutation.isPending ? t("schedule.saving") : t("schedule.save")}
        </Button>
      </div>

      <div
        id={`${id}-current`}
        className="grid gap-1 rounded-lg border bg-muted/30 px-3 py-2.5 text-sm"
        data-testid="schedule-current"
      >
        <p className="font-medium first-letter:uppercase">{summary(saved)}</p>
        {schedule.next_run_at && (
          <p className="text-muted-foreground">
            {t("schedule.nextRun", { date: formatScheduleDateTime(schedule.next_run_at, locale, timeZone) })}
          </p>
        )}
        {schedule.cron && (
          <p className="text-xs text-muted-foreground">
            {withElements(t("schedule.utcNote"), {
              cron: <code className="rounded bg-muted px-1 py-0.5 font-mono">{schedule.cron}</code>,
            })}
          </p>
        )}
      </div>
      {schedule.cron && saved.kind !== "custom" && (
        <p className="text-xs text-muted-foreground">{t("schedule.dstNote")}</p>
      )}
      {schedule.cron && runsMoreThanHourly(schedule.cron) && (
        <p role="alert" className="text-sm text-destructive">
          {t("schedule.tooFrequent", { cron: schedule.cron })}
        </p>
      )}
    </form>
  );
}
