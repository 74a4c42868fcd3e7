// Locale-aware formatting through Intl only: numbers, sizes, dates, relative times and durations.

/** Formats an integer count with the locale's digit grouping ("20 000", "20,000"). */
export function formatNumber(value: number, locale: string): string {
  return new Intl.NumberFormat(locale).format(value);
}

const BYTE_UNITS = ["byte", "kilobyte", "megabyte", "gigabyte", "terabyte"] as const;

/**
 * Formats a byte count with decimal (SI) units, as OneDrive and most file managers show sizes:
 * "1,5 Mo" in French, "1.5 MB" in English.
 */
export function formatBytes(bytes: number, locale: string): string {
  let value = Math.max(0, bytes);
  let unit = 0;
  while (value >= 1000 && unit < BYTE_UNITS.length - 1) {
    value /= 1000;
    unit += 1;
  }
  return new Intl.NumberFormat(locale, {
    style: "unit",
    unit: BYTE_UNITS[unit],
    unitDisplay: unit === 0 ? "long" : "short",
    maximumFractionDigits: value < 10 && unit > 0 ? 1 : 0,
  }).format(value);
}

/** Exact date and time with seconds and the time zone, for tooltips and details. */
export function formatDateTime(iso: string, locale: string, timeZone?: string): string {
  return new Intl.DateTimeFormat(locale, { dateStyle: "long", timeStyle: "long", timeZone }).format(
    new Date(iso),
  );
}

/** Compact date and time for tables and summaries. */
export function formatShortDateTime(iso: string, locale: string, timeZone?: string): string {
  return new Intl.DateTimeFormat(locale, { dateStyle: "medium", timeStyle: "short", timeZone }).format(
    new Date(iso),
  );
}

/** Weekday, date and time, for the next scheduled run ("mardi 25 novembre à 02:00"). */
export function formatScheduleDateTime(iso: string, locale: string, timeZone?: string): string {
  return new Intl.DateTimeFormat(locale, {
    weekday: "long",
    day: "numeric",
    month: "long",
    hour: "2-digit",
    minute: "2-digit",
    timeZone,
  }).format(new Date(iso));
}

/** Hours and minutes in the locale's style ("02:00", "2:00 AM"). */
export function formatTimeOfDay(hour: number, minute: number, locale: string): string {
  // Any fixed date works: the time is formatted in UTC, so no time zone shifts it.
  return new Intl.DateTimeFormat(locale, { hour: "2-digit", minute: "2-digit", timeZone: "UTC" }).format(
    new Date(Date.UTC(2024, 0, 1, hour, minute)),
  );
}

const RELATIVE_STEPS: Array<[Intl.RelativeTimeFormatUnit, number]> = [
  ["second", 60],
  ["minute", 60],
  ["hour", 24],
  ["day", 7],
  ["week", 4.345],
  ["month", 12],
  ["year", Number.POSITIVE_INFINITY],
];

/** "il y a 5 minutes", "in 3 hours", "yesterday": the largest unit that keeps the number above 1. */
export function formatRelativeTime(iso: string, now: Date, locale: string): string {
  let value = (new Date(iso).getTime() - now.getTime()) / 1000;
  const format = new Intl.RelativeTimeFormat(locale, { numeric: "auto" });
  if (Math.abs(value) < 45) return format.format(0, "second");
  for (const [unit, size] of RELATIVE_STEPS) {
    if (Math.abs(value) < size) return format.format(Math.round(value), unit);
    value /= size;
  }
  return format.format(Math.round(value), "year");
}

/** "1 h 5 min", "2 min 3 s", "12 s" in French, "1h 5m", "2m 3s" in English: at most two units. */
export function formatDuration(milliseconds: number, locale: string): string {
  const totalSeconds = Math.max(0, Math.round(milliseconds / 1000));
  const hours = Math.floor(totalSeconds / 3600);
  const minutes = Math.floor((totalSeconds % 3600) / 60);
  const seconds = totalSeconds % 60;
  // English's short units ("2 hrs 5 mins") read worse than its narrow ones; French reads best short.
  const unitDisplay = locale.toLowerCase().startsWith("en") ? "narrow" : "short";
  const part = (value: number, unit: "hour" | "minute" | "second") =>
    new Intl.NumberFormat(locale, { style: "unit", unit, unitDisplay }).format(value);
  const list = new Intl.ListFormat(locale, { style: "narrow", type: "unit" });
  if (hours > 0)
    return minutes > 0 ? list.format([part(hours, "hour"), part(minutes, "minute")]) : part(hours, "hour");
  if (minutes > 0) {
    return seconds > 0
      ? list.format([part(minutes, "minute"), part(seconds, "second")])
      : part(minutes, "minute");
  }
  return part(seconds, "second");
}
