import assert from "node:assert/strict";
import {
  nextRunAt,
  normalizeCron,
} from "../../../../supabase/functions/_shared/backup/schedule/schedule-cron.ts";
import { ScheduleError } from "../../../../supabase/functions/_shared/backup/schedule/schedule-error.ts";
import { SCHEDULE_JOB_COMMAND } from "../../../../supabase/functions/_shared/backup/schedule/schedule-job.ts";
import {
  generateCronSecret,
  normalizeProjectUrl,
  validateCron,
} from "../../../../supabase/functions/_shared/backup/schedule/schedule.ts";

function rejects(expr: string, pattern: RegExp): void {
  assert.throws(
    () => validateCron(expr),
    (error: unknown) => {
      assert.ok(error instanceof ScheduleError, `expected a ScheduleError for "${expr}"`);
      assert.equal(error.code, "invalid_schedule");
      assert.match(error.message, /^Cannot use the backup schedule/);
      assert.match(error.message, pattern);
      return true;
    },
  );
}

Deno.test("validateCron accepts the five-field expressions pg_cron runs", () => {
  for (
    const expr of [
      "0 2 * * *",
      "0 * * * *",
      "59 */2 * * *",
      "0 0,12 * * *",
      "30 23 * * 0",
      "0 3 * * 7",
      "0 3 * * MON",
      "0 4 1 JAN-MAR mon-fri",
      "0 2 1-31/2 * *",
      "  0   2 * * *  ",
    ]
  ) {
    validateCron(expr);
  }
});

Deno.test("validateCron explains what is wrong", () => {
  rejects("", /it is empty.*"0 2 \* \* \*"/);
  rejects("0 2 * *", /expected 5 fields .* got 4/);
  rejects("0 0 2 * * *", /got 6 \(pg_cron has no seconds field\)/);
  rejects("0 2 * * * 2027", /got 6/);
  rejects("@daily", /shortcuts such as "@daily" are not supported/);
  rejects("0 24 * * *", /invalid value for hour: 24/);
  rejects("60 * * * *", /invalid value for minute: 60/);
  rejects("0 2 * * 8", /invalid value for dayOfWeek: 8/);
  rejects("0 2 L * *", /the day-of-month field "L" may only contain digits/);
  rejects("0 2 ? * *", /the day-of-month field "\?"/);
  rejects("0 2 * * 1#2", /the day-of-week field "1#2"/);
  rejects("0 2 * * MONDAY", /contains "MONDAY", which is not a day/);
  rejects("0 2 * FOO *", /contains "FOO", which is not a month/);
  rejects("5/5 * * * *", /stepping with numeric prefix/);
  rejects("0 0 31 4 *", /it never runs/);
  // At most hourly: a stolen admin session cannot schedule a run every minute.
  rejects("* * * * *", /runs more often than once an hour \(at \d\d:00 and \d\d:01 UTC\).*"0 \* \* \* \*"/);
  rejects("*/15 * * * *", /more often than once an hour/);
  rejects("0,30 2 * * *", /more often than once an hour \(at 02:00 and 02:30 UTC\)/);
  rejects("0-1 3 1 1 *", /more often than once an hour \(at 03:00 and 03:01 UTC\)/);
  assert.throws(
    () => validateCron(42 as unknown as string),
    /expected a cron expression as text or null, got number/,
  );
});

Deno.test("normalizeCron collapses spaces", () => {
  assert.equal(normalizeCron("  0\t2  * *   * "), "0 2 * * *");
});

Deno.test("nextRunAt is the next matching minute in UTC, strictly after now", () => {
  const now = new Date("2026-11-24T18:00:30Z");
  assert.equal(nextRunAt("0 2 * * *", now)?.toISOString(), "2026-11-25T02:00:00.000Z");
  assert.equal(nextRunAt("* * * * *", now)?.toISOString(), "2026-11-24T18:01:00.000Z");
  assert.equal(
    nextRunAt("* * * * *", new Date("2026-11-24T18:01:00Z"))?.toISOString(),
    "2026-11-24T18:02:00.000Z",
  );
  // 2026-11-24 is a Tuesday; "1" is Monday, "0" and "7" are Sunday.
  assert.equal(nextRunAt("0 3 * * 1", now)?.toISOString(), "2026-11-30T03:00:00.000Z");
  assert.equal(nextRunAt("0 3 * * 0", now)?.toISOString(), "2026-11-29T03:00:00.000Z");
  assert.equal(nextRunAt("0 3 * * 7", now)?.toISOString(), "2026-11-29T03:00:00.000Z");
  // Day of month and day of week both restricted: either one matches, as in classic cron and pg_cron.
  assert.equal(nextRunAt("0 0 1 * 1", now)?.toISOString(), "2026-11-30T00:00:00.000Z");
  assert.equal(
    nextRunAt("0 0 1 * 1", new Date("2026-11-30T00:00:00Z"))?.toISOString(),
    "2026-12-01T00:00:00.000Z",
  );
  // Always UTC, whatever the process's time zone: 02:00 is 02:00Z.
  assert.equal(
    nextRunAt("0 2 * * *", new Date("2026-07-01T01:59:59Z"))?.toISOString(),
    "2026-07-01T02:00:00.000Z",
  );
  assert.equal(nextRunAt("not a schedule", now), null);
  assert.equal(nextRunAt("30 seconds", now), null);
});

Deno.test("normalizeProjectUrl keeps the URL pg_net calls and refuses what would break it", () => {
  assert.equal(normalizeProjectUrl("https://abcd.supabase.co"), "https://abcd.supabase.co");
  assert.equal(normalizeProjectUrl("https://abcd.supabase.co/"), "https://abcd.supabase.co");
  assert.equal(normalizeProjectUrl("http://127.0.0.1:54321/"), "http://127.0.0.1:54321");
  assert.equal(
    normalizeProjectUrl("https://self.example.com/supabase/"),
    "https://self.example.com/supabase",
  );
  for (
    const [value, pattern] of [
      ["abcd.supabase.co", /"abcd\.supabase\.co" is not a URL; check SUPABASE_URL/],
      ["ftp://abcd.supabase.co", /must start with https:\/\//],
      ["https://abcd.supabase.co/?apikey=x", /must not carry credentials, a query or a fragment/],
      ["https://user:pw@abcd.supabase.co", /must not carry credentials/],
    ] as const
  ) {
    assert.throws(
      () => normalizeProjectUrl(value),
      (error: unknown) =>
        error instanceof ScheduleError && error.code === "invalid_project_url" && pattern.test(error.message),
    );
  }
  // The refused URL is not echoed with its password.
  assert.throws(() => normalizeProjectUrl("https://user:pw@abcd.supabase.co"), (error: unknown) => {
    assert.ok(error instanceof Error && !error.message.includes("pw"));
    return true;
  });
});

Deno.test("generateCronSecret makes 32 random bytes, base64url", () => {
  const secrets = new Set(Array.from({ length: 50 }, () => generateCronSecret()));
  assert.equal(secrets.size, 50);
  for (const secret of secrets) {
    assert.match(secret, /^[A-Za-z0-9_-]{43}$/);
  }
});

Deno.test("the job command reads everything secret from Vault and calls the function", () => {
  assert.match(SCHEDULE_JOB_COMMAND, /from vault\.decrypted_secrets where name = 'auto_backup_project_url'/);
  assert.match(SCHEDULE_JOB_COMMAND, /from vault\.decrypted_secrets where name = 'auto_backup_cron_secret'/);
  assert.match(SCHEDULE_JOB_COMMAND, /url := project_url \|\| '\/functions\/v1\/auto-backup'/);
  assert.match(SCHEDULE_JOB_COMMAND, /body := '\{"action":"run"\}'::jsonb/);
  assert.match(SCHEDULE_JOB_COMMAND, /'x-backup-secret', cron_secret/);
});
