import { expect, type Locator, type Page } from "@playwright/test";
import type { TranslationKey } from "../src/lib/i18n/fr";
import { LANGUAGE_NAMES, translate, type Language } from "../src/lib/i18n/translate";

const escape = (text: string) => text.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
const exactly = (...texts: string[]) => new RegExp(`^(${texts.map(escape).join("|")})$`);

/** The Settings page and its backup section, located by roles and the page's own words. */
export class SettingsPage {
  constructor(
    readonly page: Page,
    public language: Language = "en",
  ) {}

  t(key: TranslationKey, params?: Record<string, string | number>): string {
    return translate(this.language, key, params);
  }

  async goto(): Promise<void> {
    await this.page.goto("/settings");
  }

  get heading(): Locator {
    return this.page.getByRole("heading", { level: 1, name: this.t("settings.title") });
  }

  get lastBackup(): Locator {
    return this.page.getByRole("region", { name: this.t("lastRun.title") });
  }

  /** "Backup now", whatever its current label (running, starting). */
  get backupNow(): Locator {
    return this.lastBackup.getByRole("button", {
      name: exactly(this.t("actions.backupNow"), this.t("actions.backupRunning"), this.t("actions.starting")),
    });
  }

  /** The last run's summary; its data-status attribute is the run's status. */
  get lastRun(): Locator {
    return this.page.getByTestId("last-backup");
  }

  get runningPanel(): Locator {
    return this.page.getByTestId("running-panel");
  }

  get failurePanel(): Locator {
    return this.page.getByTestId("failure-panel");
  }

  get openInOneDrive(): Locator {
    return this.lastBackup.getByRole("link", { name: this.t("actions.openInOneDrive") });
  }

  get download(): Locator {
    return this.lastBackup.getByRole("button", { name: this.t("actions.download") });
  }

  get history(): Locator {
    return this.page.getByRole("region", { name: this.t("history.title") });
  }

  get historyRows(): Locator {
    return this.history.locator("tbody tr[data-run-id]");
  }

  historyRow(runId: string): Locator {
    return this.history.locator(`tbody tr[data-run-id="${runId}"]`);
  }

  async expandRun(runId: string): Promise<Locator> {
    await this.historyRow(runId).getByRole("button", { expanded: false }).click();
    const details = this.history.getByTestId("run-details");
    await expect(details).toBeVisible();
    return details;
  }

  get configuration(): Locator {
    return this.page.getByRole("region", { name: this.t("config.title") });
  }

  get testConnection(): Locator {
    return this.configuration.getByRole("button", { name: this.t("actions.testConnection") });
  }

  get schedule(): Locator {
    return this.page.getByRole("region", { name: this.t("schedule.title") });
  }

  get rightsMessage(): Locator {
    return this.page.getByText(this.t("rights.title"));
  }

  get signOut(): Locator {
    return this.page.getByRole("button", { name: this.t("header.signOut") });
  }

  /** A toast with this title. */
  toast(title: string): Locator {
    return this.page.locator("[data-sonner-toast]").filter({ hasText: title });
  }

  /** Waits until the last run has this status (the page polls every 2 s while one runs). */
  async expectLastRunStatus(status: "running" | "success" | "partial" | "failed", timeout = 90_000) {
    await expect(this.lastRun).toHaveAttribute("data-status", status, { timeout });
  }

  async switchLanguage(language: Language): Promise<void> {
    await this.page.getByRole("combobox", { name: this.t("header.language") }).click();
    await this.page.getByRole("option", { name: LANGUAGE_NAMES[language] }).click();
    this.language = language;
    await expect(this.heading).toBeVisible();
  }

  async chooseSchedule(
    frequency: "off" | "daily" | "weekly",
    options: { weekday?: string; time?: string } = {},
  ) {
    const labels = { off: "schedule.off", daily: "schedule.daily", weekly: "schedule.weekly" } as const;
    await this.schedule.getByRole("combobox", { name: this.t("schedule.frequency") }).click();
    await this.page.getByRole("option", { name: this.t(labels[frequency]) }).click();
    if (options.weekday) {
      await this.schedule.getByRole("combobox", { name: this.t("schedule.day") }).click();
      await this.page.getByRole("option", { name: options.weekday, exact: true }).click();
    }
    if (options.time) await this.schedule.getByLabel(this.t("schedule.time")).fill(options.time);
    await this.schedule.getByRole("button", { name: this.t("schedule.save") }).click();
  }
}
