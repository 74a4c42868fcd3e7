// The schedule control works in the admin's local time; pg_cron runs in UTC. These functions convert a
// "daily at 02:00" or "weekly on Monday at 02:00" choice in a time zone to a 5-field UTC cron expression,
// and back. The conversion uses the UTC offset of the next occurrence, so it is exact for the current
// season; after a daylight-saving change the local time shifts by the change (the UI says so).
import { Cron } from "croner";

/** 0 = Sunday … 6 = Saturday, as in cron. */
export type Weekday = 0 | 1 | 2 | 3 | 4 | 5 | 6;

export type LocalSchedule =
  | { kind: "off" }
  | { kind: "daily"; hour: number; minute: number }
  | { kind: "weekly"; weekday: Weekday; hour: number; minute: number };

/** What a stored cron expression means for the control: a local schedule, or something it cannot show. */
export type ScheduleReading = LocalSchedule | { kind: "custom"; cron: string };

interface WallTime {
  year: number;
  month: number; // 1-12
  day: number;
  hour: number;
  minute: number;
  weekday: Weekday;
}

const formatters = new Map<string, Intl.DateTimeFormat>();

function wallTimeFormatter(timeZone: string): Intl.DateTimeFormat {
  let formatter = formatters.get(timeZone);
  if (!formatter) {
    formatter = new Intl.DateTimeFormat("en-US", {
      timeZone,
      hourCycle: "h23",
      year: "numeric",
      month: "numeric",
      day: "numeric",
      hour: "numeric",
      minute: "numeric",
      second: "numeric",
      weekday: "short",
    });
    formatters.set(timeZone, formatter);
  }
  return formatter;
}

const WEEKDAY_NAMES = ["Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"];

/** The wall-clock time of an instant in a time zone. */
export function wallTimeIn(instant: Date, timeZone: string): WallTime & { second: number } {
  const parts: Record<string, string> = {};
  for (const part of wallTimeFormatter(timeZone).formatToParts(instant)) parts[part.type] = part.value;
  return {
    year: Number(parts.year),
    month: Number(parts.month),
    day: Number(parts.day),
    hour: Number(parts.hour),
    minute: Number(parts.minute),
    second: Number(parts.second),
    weekday: WEEKDAY_NAMES.indexOf(parts.weekday ?? "") as Weekday,
  };
}

/** Milliseconds to add to UTC to get the wall time of `instant` in `timeZone`. */
function offsetAt(instant: number, timeZone: string): number {
  const w = wallTimeIn(new Date(instant), timeZone);
  const asUtc = Date.UTC(w.year, w.month - 1, w.day, w.hour, w.minute, w.second);
  return asUtc - Math.floor(instant / 1000) * 1000;
}

/** The instant at which a time zone's clocks show the given wall time (the later one across a DST gap). */
export function instantOfWallTime(
  wall: { year: number; month: number; day: number; hour: number; minute: number },
  timeZone: string,
): Date {
  const naive = Date.UTC(wall.year, wall.month - 1, wall.day, wall.hour, wall.minute);
  const first = naive - offsetAt(naive, timeZone);
  const second = naive - offsetAt(first, timeZone);
  return new Date(second);
}

function checkTime(hour: number, minute: number): void {
  if (
    !Number.isInteger(hour) ||
    hour < 0 ||
    hour > 23 ||
    !Number.isInteger(minute) ||
    minute < 0 ||
    minute > 59
  ) {
    throw new RangeError(`Cannot build a schedule: "${hour}:${minute}" is not a time of day`);
  }
}

/** The next instant, strictly after `now`, at which the local schedule fires. */
function nextLocalOccurrence(
  schedule: Exclude<LocalSchedule, { kind: "off" }>,
  timeZone: string,
  now: Date,
): Date {
  const today = wallTimeIn(now, timeZone);
  // Walk forward from today's local date; 8 days always contain the next occurrence.
  for (let offset = 0; offset <= 8; offset += 1) {
    const date = new Date(Date.UTC(today.year, today.month - 1, today.day + offset));
    const weekday = date.getUTCDay() as Weekday;
    if (schedule.kind === "weekly" && weekday !== schedule.weekday) continue;
    const candidate = instantOfWallTime(
      {
        year: date.getUTCFullYear(),
        month: date.getUTCMonth() + 1,
        day: date.getUTCDate(),
        hour: schedule.hour,
        minute: schedule.minute,
      },
      timeZone,
    );
    if (candidate.getTime() > now.getTime()) return candidate;
  }
  throw new Error("Cannot build a schedule: no occurrence found in the next 8 days");
}

/** Converts a local schedule to a UTC cron expression (`null` for off). */
export function scheduleToUtcCron(schedule: LocalSchedule, timeZone: string, now: Date): string | null {
  if (schedule.kind === "off") return null;
  checkTime(schedule.hour, schedule.minute);
  const at = nextLocalOccurrence(schedule, timeZone, now);
  const minute = at.getUTCMinutes();
  const hour = at.getUTCHours();
  return schedule.kind === "daily" ? `${minute} ${hour} * * *` : `${minute} ${hour} * * ${at.getUTCDay()}`;
}

const SIMPLE_CRON = /^(\d{1,2})\s+(\d{1,2})\s+\*\s+\*\s+(\*|[0-7])$/;

/** Reads a UTC cron expression as a local schedule, or as "custom" when it is not daily or weekly. */
export function utcCronToSchedule(cron: string | null, timeZone: string, now: Date): ScheduleReading {
  if (cron === null || cron.trim() === "") return { kind: "off" };
  const trimmed = cron.trim();
  const match = SIMPLE_CRON.exec(trimmed);
  if (!match) return { kind: "custom", cron: trimmed };
  const minute = Number(match[1]);
  const hour = Number(match[2]);
  if (minute > 59 || hour > 23) return { kind: "custom", cron: trimmed };
  const next = nextCronRun(trimmed, now);
  if (!next) return { kind: "custom", cron: trimmed };
  const local = wallTimeIn(next, timeZone);
  return match[3] === "*"
    ? { kind: "daily", hour: local.hour, minute: local.minute }
    : { kind: "weekly", weekday: local.weekday, hour: local.hour, minute: local.minute };
}

/** The next run of a UTC cron expression after `now`, or null when the expression is invalid. */
export function nextCronRun(cron: string, now: Date): Date | null {
  try {
    return new Cron(cron, { timezone: "UTC", paused: true }).nextRun(now);
  } catch {
    return null;
  }
}

/** True when two schedules fire at the same local times. */
export function sameSchedule(a: ScheduleReading, b: ScheduleReading): boolean {
  if (a.kind !== b.kind) return false;
  if (a.kind === "off" || b.kind === "off") return true;
  if (a.kind === "custom" || b.kind === "custom")
    return a.kind === "custom" && b.kind === "custom" && a.cron === b.cron;
  if (a.hour !== b.hour || a.minute !== b.minute) return false;
  return a.kind === "daily" || (b.kind === "weekly" && a.weekday === b.weekday);
}

/** The browser's IANA time zone, such as "Europe/Paris". */
export function localTimeZone(): string {
  return Intl.DateTimeFormat().resolvedOptions().timeZone || "UTC";
}

/**
 * True when a UTC cron expression runs more than once in some hour (its minute field holds more than one
 * minute). The function refuses such schedules: backups run at most hourly.
 */
export function runsMoreThanHourly(cron: string): boolean {
  const first = nextCronRun(cron, new Date());
  if (!first) return false;
  const hourStart = Math.floor(first.getTime() / 3_600_000) * 3_600_000;
  const inHour = nextCronRun(cron, new Date(hourStart - 1000));
  const after = inHour ? nextCronRun(cron, inHour) : null;
  return after !== null && after.getTime() - hourStart < 3_600_000;
}
