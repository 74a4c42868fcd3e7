import { FunctionsHttpError } from "@supabase/supabase-js";
import { credentials, expect, snap, test } from "./fixtures";

test("a member sees that administrator rights are needed, and no action", async ({ page, signIn }) => {
  const settings = await signIn("member");
  await expect(settings.rightsMessage).toBeVisible();
  await expect(page.getByText(settings.t("rights.description"))).toBeVisible();
  await expect(settings.backupNow).toHaveCount(0);
  await expect(settings.testConnection).toHaveCount(0);
  await expect(settings.history).toHaveCount(0);
  await snap(page, "member-desktop-light");
});

test("the API refuses a member's backup request and shows no runs", async ({ anonClient, stack }) => {
  const member = credentials(stack, "member");
  const { error: signInError } = await anonClient.auth.signInWithPassword({
    email: member.email,
    password: member.password,
  });
  expect(signInError).toBeNull();

  const { error } = await anonClient.functions.invoke("auto-backup", { body: { action: "run" } });
  expect(error).toBeInstanceOf(FunctionsHttpError);
  expect((error as FunctionsHttpError).context.status).toBe(403);

  const { data: rows, error: readError } = await anonClient.from("backup_runs").select("id");
  expect(readError).toBeNull();
  expect(rows).toEqual([]);
});
