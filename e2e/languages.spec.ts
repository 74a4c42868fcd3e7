import type { Page } from "@playwright/test";
import { dictionaries } from "../src/lib/i18n/translate";
import { expect, snap, test } from "./fixtures";

const KEYS = Object.keys(dictionaries.fr);

/** Fails when the page shows a dictionary key or an unfilled {placeholder}. */
async function expectNoMissingText(page: Page) {
  const text = await page.locator("body").innerText();
  expect(text).not.toMatch(/\{\w+\}/);
  const shown = KEYS.filter((key) => text.includes(key));
  expect(shown, "dictionary keys shown as text").toEqual([]);
}

test.describe("in French", () => {
  test.use({ locale: "fr-FR" });

  test("a French browser gets the page in French, complete", async ({ page, signIn }) => {
    const settings = await signIn("admin", { language: "fr" });
    await expect(page.locator("html")).toHaveAttribute("lang", "fr");
    await expect(settings.backupNow).toHaveText(/Sauvegarder maintenant|Sauvegarde en cours…/);
    await expect(settings.history).toBeVisible();
    await expect(settings.configuration.getByText("Application Azure (Entra ID)")).toBeVisible();
    await expect(page.getByRole("region", { name: "Sauvegarde automatique" })).toBeVisible();
    await expectNoMissingText(page);
    await snap(page, "settings-fr-desktop-light");
  });

  test("switching to English is remembered", async ({ page, signIn }) => {
    const settings = await signIn("admin", { language: "fr" });
    await settings.switchLanguage("en");
    await expect(page.locator("html")).toHaveAttribute("lang", "en");
    await expect(settings.backupNow).toBeVisible();
    await expectNoMissingText(page);
    await page.reload();
    await expect(settings.heading).toBeVisible();
    await expect(settings.lastBackup).toBeVisible();
    await expectNoMissingText(page);
  });
});

test.describe("in English", () => {
  test.use({ locale: "en-US" });

  test("an English browser gets the page in English, complete", async ({ page, signIn }) => {
    const settings = await signIn("admin", { language: "en" });
    await expect(page.locator("html")).toHaveAttribute("lang", "en");
    await expect(settings.backupNow).toHaveText(/Backup now|Backup running…/);
    await expect(settings.configuration.getByText("Azure app (Entra ID)")).toBeVisible();
    await settings.testConnection.click();
    await expect(page.getByTestId("connection-test")).toBeVisible({ timeout: 30_000 });
    await expectNoMissingText(page);
    await snap(page, "settings-en-desktop-light");
  });
});
