import { createHash } from "node:crypto";
import { readFile } from "node:fs/promises";
import { expect, snap, test } from "./fixtures";
import { SettingsPage } from "./settings.po";

test("an admin runs a backup, follows it, opens it in OneDrive and downloads it", async ({
  page,
  signIn,
  emulator,
  db,
  request,
  stack,
  idle: _idle,
}) => {
  const since = new Date();
  // Hold the OneDrive upload for a few seconds, so the running state is there to see.
  await emulator.addFault({ route: "content", action: { kind: "delay", ms: 5000 } });
  await emulator.addFault({ route: "createUploadSession", action: { kind: "delay", ms: 5000 } });

  const settings = await signIn("admin");
  await settings.backupNow.click();

  await expect(settings.toast(settings.t("toast.backupStarted"))).toBeVisible();
  await settings.expectLastRunStatus("running", 20_000);
  await expect(settings.backupNow).toBeDisabled();
  await expect(settings.backupNow).toHaveText(settings.t("actions.backupRunning"));
  await expect(settings.runningPanel).toBeVisible();
  await snap(page, "run-running-desktop-light");

  await settings.expectLastRunStatus("success");
  await expect(settings.backupNow).toBeEnabled();
  await expect(settings.toast(settings.t("toast.runSuccess"))).toBeVisible();

  const [run] = await db.runsSince(since);
  expect(run, "the run row").toBeDefined();
  expect(run!.status).toBe("success");
  expect(run!.trigger).toBe("manual");

  // Open in OneDrive: the run's web URL, which serves the uploaded file.
  await expect(settings.openInOneDrive).toHaveAttribute("href", run!.onedrive_web_url!);
  const onedrive = await request.get(run!.onedrive_web_url!);
  expect(onedrive.status()).toBe(200);
  expect(Number(onedrive.headers()["content-length"])).toBe(Number(run!.size_bytes));

  // Download: the function's download action signs a 300 s link (the bucket is closed to every
  // client role), records who asked, and the bytes are the backup's.
  const storageCalls: string[] = [];
  page.on("request", (r) => {
    if (new URL(r.url()).pathname.startsWith("/storage/v1/object/sign/backups/") && r.method() === "POST")
      storageCalls.push(r.url());
  });
  const asked = page.waitForResponse(
    (r) =>
      r.url().endsWith("/functions/v1/auto-backup") &&
      r.request().method() === "POST" &&
      (r.request().postDataJSON() as { action?: string }).action === "download",
  );
  const downloadEvent = page.waitForEvent("download");
  await settings.download.click();
  const answer = await asked;
  expect(answer.request().postDataJSON()).toEqual({ action: "download", run_id: run!.id });
  expect(answer.status()).toBe(200);
  const link = (await answer.json()) as { url: string; expires_in: number; file_name: string };
  expect(link.expires_in).toBe(300);
  expect(link.file_name).toBe(run!.file_name);
  const download = await downloadEvent;
  expect(download.url()).toBe(link.url);
  expect(download.suggestedFilename()).toBe(run!.file_name);
  const bytes = await readFile((await download.path())!);
  expect(bytes.length).toBe(Number(run!.size_bytes));
  expect(createHash("sha256").update(bytes).digest("hex")).toBe(run!.sha256);
  expect(storageCalls, "the page never signs Storage URLs itself").toEqual([]);
  const audit = await db.query<{ run_id: string; email: string }>(
    `select d.run_id::text as run_id, u.email from public.backup_downloads d
     join auth.users u on u.id = d.requested_by where d.run_id = $1`,
    [run!.id],
  );
  expect(audit.map((a) => a.email)).toEqual([stack.users.find((u) => u.admin)!.email]);

  // The history lists it first, and its details show the hashes and tables.
  await expect(settings.historyRows.first()).toHaveAttribute("data-run-id", run!.id);
  const details = await settings.expandRun(run!.id);
  await expect(details).toContainText(run!.sha256!);
  await expect(details).toContainText(run!.file_name!);
  await snap(page, "run-success-desktop-light");
});

test("when OneDrive fails the run ends partial, with the error on the card and in the history", async ({
  page,
  signIn,
  emulator,
  db,
  idle: _idle,
}) => {
  const since = new Date();
  // 507 is never retried: the OneDrive copy fails at once whatever the file size.
  await emulator.failUploadsQuotaExceeded();

  const settings = await signIn("admin");
  await settings.backupNow.click();
  await settings.expectLastRunStatus("partial");

  const [run] = await db.runsSince(since);
  expect(run!.status).toBe("partial");
  expect(run!.storage_status).toBe("success");
  expect(run!.onedrive_status).toBe("failed");
  expect(run!.error).toBeTruthy();

  await expect(settings.failurePanel).toBeVisible();
  await expect(settings.failurePanel).toContainText(settings.t("failure.partial"));
  await expect(settings.failurePanel.getByTestId("run-error")).toHaveText(run!.error!);
  await expect(settings.failurePanel).toContainText(settings.t("advice.onedriveOnly"));
  await expect(settings.toast(settings.t("toast.runPartial"))).toBeVisible();
  // The Storage copy is still there to download; there is no OneDrive copy to open.
  await expect(settings.download).toBeVisible();
  await expect(settings.openInOneDrive).toHaveCount(0);

  const row = settings.historyRow(run!.id);
  await expect(row).toHaveAttribute("data-status", "partial");
  const details = await settings.expandRun(run!.id);
  await expect(details).toContainText(run!.error!);
  await snap(page, "run-partial-desktop-light");
});

test("a second Backup now during a run is refused", async ({
  page,
  context,
  signIn,
  emulator,
  db,
  idle: _idle,
}) => {
  const since = new Date();
  const settings = await signIn("admin");
  // A second tab opened before the run starts: it does not poll, so its button is still enabled.
  const otherTab = await context.newPage();
  const other = new SettingsPage(otherTab);
  await other.goto();
  await expect(other.backupNow).toBeEnabled();

  await emulator.addFault({ route: "content", action: { kind: "delay", ms: 8000 } });
  await emulator.addFault({ route: "createUploadSession", action: { kind: "delay", ms: 8000 } });
  await settings.backupNow.click();
  await settings.expectLastRunStatus("running", 20_000);
  await expect(settings.backupNow).toBeDisabled();

  await other.backupNow.click();
  await expect(other.toast(other.t("toast.alreadyRunning"))).toBeVisible();
  // The refused tab now follows the run in progress.
  await other.expectLastRunStatus("running", 10_000);
  await expect(other.backupNow).toBeDisabled();
  await snap(otherTab, "run-refused-desktop-light");

  await settings.expectLastRunStatus("success");
  await other.expectLastRunStatus("success");
  expect((await db.runsSince(since)).length).toBe(1);
  await page.bringToFront();
});
