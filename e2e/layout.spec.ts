import { expect, snap, test } from "./fixtures";

// The page must fit phones from 360 px wide to desktops, in light and dark: no sideways scrolling, and the
// main actions visible. Screenshots land in e2e/screenshots/ for a person to look at.
const viewports = [
  { name: "mobile", width: 360, height: 800 },
  { name: "desktop", width: 1280, height: 900 },
] as const;

for (const viewport of viewports) {
  for (const colorScheme of ["light", "dark"] as const) {
    test.describe(`${viewport.name} ${colorScheme}`, () => {
      test.use({ viewport: { width: viewport.width, height: viewport.height }, colorScheme });

      test("the Settings page fits and shows its actions", async ({ page, signIn }) => {
        const settings = await signIn("admin");
        await expect(page.locator("html")).toHaveClass(colorScheme === "dark" ? /dark/ : /^(?!.*dark)/);
        await expect(settings.backupNow).toBeVisible();
        await expect(settings.history).toBeVisible();
        await expect(settings.testConnection).toBeVisible();
        await expect(settings.lastBackup.getByTestId("last-backup-loading")).toHaveCount(0);
        const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
        expect(overflow, "horizontal overflow in px").toBeLessThanOrEqual(0);
        await snap(page, `settings-${viewport.name}-${colorScheme}`);

        const firstRun = settings.historyRows.first();
        if ((await firstRun.count()) > 0) {
          const runId = (await firstRun.getAttribute("data-run-id"))!;
          await settings.expandRun(runId);
          const overflowExpanded = await page.evaluate(
            () => document.documentElement.scrollWidth - window.innerWidth,
          );
          expect(overflowExpanded, "horizontal overflow with a run expanded").toBeLessThanOrEqual(0);
          await snap(page, `history-details-${viewport.name}-${colorScheme}`);
        }
      });

      test("the sign-in page fits", async ({ page }) => {
        await page.goto("/login");
        await expect(page.getByRole("heading", { level: 1 })).toBeVisible();
        const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
        expect(overflow).toBeLessThanOrEqual(0);
        await snap(page, `login-${viewport.name}-${colorScheme}`);
      });
    });
  }
}
