/**
 * Cron expressions of the backup schedule: what pg_cron accepts (five fields, always UTC), checked before
 * anything reaches the database, and the next run time as pg_cron will compute it.
 *
 * croner evaluates the expressions; it accepts more than pg_cron does (seconds, years, `L`, `W`, `#`, `?`),
 * so the shape is checked here first and croner only sees what both understand. Both treat a restricted
 * day of month and day of week as "either matches", as classic cron does.
 */
import { Cron } from "croner";
import { ScheduleError } from "./schedule-error.ts";

const FIELDS = ["minute", "hour", "day-of-month", "month", "day-of-week"] as const;
const EXAMPLE =
  `for example "0 2 * * *" runs every day at 02:00 UTC and "0 3 * * 1" every Monday at 03:00 UTC`;
const MONTH_NAMES = ["jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"];
const DAY_NAMES = ["sun", "mon", "tue", "wed", "thu", "fri", "sat"];

/** Trims and collapses spaces: the form stored in cron.job and returned to callers. */
export function normalizeCron(expr: string): string {
  return expr.trim().split(/\s+/).join(" ");
}

function invalid(expr: string, detail: string): ScheduleError {
  return new ScheduleError("invalid_schedule", `Cannot use the backup schedule "${expr}": ${detail}`);
}

function croner(expr: string): Cron {
  return new Cron(expr, { timezone: "UTC", mode: "5-part", paused: true });
}

/**
 * Throws a ScheduleError (code `invalid_schedule`) with an actionable message unless `expr` is a cron
 * expression pg_cron accepts, that runs at least once and at most once an hour: five fields (minute hour
 * day-of-month month day-of-week), interpreted in UTC. The hourly limit keeps a stolen admin session
 * from saving a "* * * * *" schedule (each run is also rate limited, see runs.ts).
 */
export function validateCron(expr: string): void {
  const { job, first } = parseCron(expr);
  const twice = runsTwiceInAnHour(job, first);
  if (twice) {
    const hhmm = (d: Date) => d.toISOString().slice(11, 16);
    throw invalid(
      normalizeCron(expr),
      `it runs more often than once an hour (at ${hhmm(twice[0])} and ${
        hhmm(twice[1])
      } UTC), and backups run at most hourly; give the minute field a single value, e.g. "0 * * * *" for every hour or "0 2 * * *" for every day at 02:00 UTC`,
    );
  }
}

/** Checks the shape of `expr` (what pg_cron accepts, and that it runs at all) and returns its job. */
function parseCron(expr: string): { job: Cron; first: Date } {
  if (typeof expr !== "string") {
    throw new ScheduleError(
      "invalid_schedule",
      `Cannot use the backup schedule: expected a cron expression as text or null, got ${typeof expr}`,
    );
  }
  const shown = normalizeCron(expr);
  if (shown === "") {
    throw invalid(
      shown,
      `it is empty; give five fields (minute hour day-of-month month day-of-week, UTC), ${EXAMPLE}, or null to turn scheduling off`,
    );
  }
  if (shown.startsWith("@")) {
    throw invalid(shown, `shortcuts such as "@daily" are not supported; write the five fields, ${EXAMPLE}`);
  }
  const parts = shown.split(" ");
  if (parts.length !== FIELDS.length) {
    const seconds = parts.length === 6 ? " (pg_cron has no seconds field)" : "";
    throw invalid(
      shown,
      `expected 5 fields (minute hour day-of-month month day-of-week, UTC), got ${parts.length}${seconds}; ${EXAMPLE}`,
    );
  }
  parts.forEach((part, index) => {
    const field = FIELDS[index];
    const named = field === "month" || field === "day-of-week";
    if (!(named ? /^[0-9A-Za-z*,/-]+$/ : /^[0-9*,/-]+$/).test(part)) {
      const allowed = named
        ? `digits, names such as ${field === "month" ? "JAN" : "MON"}, "*", ",", "-" and "/"`
        : `digits, "*", ",", "-" and "/"`;
      throw invalid(shown, `the ${field} field "${part}" may only contain ${allowed}`);
    }
    const names = field === "month" ? MONTH_NAMES : DAY_NAMES;
    for (const word of part.match(/[A-Za-z]+/g) ?? []) {
      if (!names.includes(word.toLowerCase())) {
        throw invalid(
          shown,
          `the ${field} field "${part}" contains "${word}", which is not a ${
            field === "month" ? "month (JAN to DEC)" : "day (SUN to SAT)"
          }`,
        );
      }
    }
  });
  let job: Cron;
  try {
    job = croner(shown);
  } catch (error) {
    const detail = (error instanceof Error ? error.message : String(error)).replace(/^CronPattern:\s*/, "");
    throw invalid(shown, `${detail.charAt(0).toLowerCase()}${detail.slice(1)}; ${EXAMPLE}`);
  }
  const first = job.nextRun(new Date());
  if (!first) {
    throw invalid(shown, "it never runs (no date matches it, such as the 31st of a 30-day month)");
  }
  return { job, first };
}

/**
 * Every minute of the minute field runs in every hour the other fields select, so an expression runs
 * more than hourly exactly when one of its hours holds two runs: look at the hour of the first run.
 */
function runsTwiceInAnHour(job: Cron, first: Date): [Date, Date] | null {
  const hourStart = new Date(Math.floor(first.getTime() / 3_600_000) * 3_600_000);
  const [a, b] = job.nextRuns(2, new Date(hourStart.getTime() - 1000));
  return a && b && b.getTime() - hourStart.getTime() < 3_600_000 ? [a, b] : null;
}

/**
 * The first run strictly after `now`, in UTC, or null when the expression never runs again or is not one
 * pg_cron accepts (a job edited by hand in cron.job, for example; one that runs more than hourly still
 * gets its next run, so the page shows what pg_cron will do).
 */
export function nextRunAt(expr: string, now: Date): Date | null {
  try {
    parseCron(expr);
    return croner(normalizeCron(expr)).nextRun(now) ?? null;
  } catch {
    return null;
  }
}
