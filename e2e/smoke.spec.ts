import { expect, snap, test } from "./fixtures";
import { LoginPage } from "./login.po";

test("an admin signs in and reaches the Settings page", async ({ page, signIn }) => {
  await page.goto("/");
  const login = new LoginPage(page);
  await expect(login.heading).toBeVisible();
  await snap(page, "login-desktop-light");
  const settings = await signIn("admin");
  await expect(settings.lastBackup).toBeVisible();
  await expect(settings.backupNow).toBeVisible();
});

test("a wrong password is refused with a clear message", async ({ page, stack }) => {
  const login = new LoginPage(page);
  await login.goto();
  await login.signIn(stack.users[0]!.email, "not-the-password");
  await expect(login.error).toHaveText(login.t("login.invalidCredentials"));
  await expect(page).toHaveURL(/\/login$/);
});
