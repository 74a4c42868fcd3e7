import { scheduleToUtcCron } from "../src/lib/schedule-cron";
import { expect, test } from "./fixtures";

// The browser runs in Europe/Paris (playwright.config.ts), so the expected UTC expression depends on the
// season; compute it with the same conversion the page uses, and check the stored job.
test("an admin schedules a weekly backup in local time, then turns it off", async ({ signIn, db }) => {
  const settings = await signIn("admin");
  const expected = scheduleToUtcCron(
    { kind: "weekly", weekday: 1, hour: 0, minute: 30 },
    "Europe/Paris",
    new Date(),
  );

  await settings.chooseSchedule("weekly", { weekday: "Monday", time: "00:30" });
  await expect(settings.toast(settings.t("toast.scheduleSaved"))).toBeVisible();
  const current = settings.schedule.getByTestId("schedule-current");
  await expect(current).toContainText("Every Monday at 00:30");
  await expect(current).toContainText(expected!);
  await expect(current).toContainText(settings.t("schedule.nextRun", { date: "" }).trim());
  await expect(settings.configuration.getByTestId("config-schedule")).toContainText("Every Monday at 00:30");

  const jobs = await db.query<{ schedule: string }>(
    "select schedule from cron.job where jobname = 'auto-backup'",
  );
  expect(jobs).toEqual([{ schedule: expected }]);

  await settings.chooseSchedule("off");
  await expect(settings.toast(settings.t("toast.scheduleRemoved"))).toBeVisible();
  await expect(current).toContainText(settings.t("schedule.summaryOff"));
  await expect(settings.configuration.getByTestId("config-schedule")).toContainText(
    settings.t("config.notScheduled"),
  );
  expect(await db.query("select jobid from cron.job where jobname = 'auto-backup'")).toEqual([]);
});
