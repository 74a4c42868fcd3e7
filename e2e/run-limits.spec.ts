import { expect, test } from "./fixtures";

test("Backup now right after a backup says when the next one may start", async ({
  signIn,
  db,
  idle: _idle,
}) => {
  const since = new Date();
  const settings = await signIn("admin");
  await settings.backupNow.click();
  await settings.expectLastRunStatus("success");

  // Less than a minute later, the function refuses (429) and the page says why, in the admin's language.
  await settings.backupNow.click();
  await expect(settings.toast(settings.t("toast.rateLimited"))).toBeVisible();
  await expect(settings.page.getByText(/Try again in \d+ s\./)).toBeVisible();
  expect((await db.runsSince(since)).length).toBe(1);
});
