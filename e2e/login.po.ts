import type { Locator, Page } from "@playwright/test";
import type { TranslationKey } from "../src/lib/i18n/fr";
import { translate, type Language } from "../src/lib/i18n/translate";

/** The sign-in page, found by its visible labels in the page's language. */
export class LoginPage {
  readonly email: Locator;
  readonly password: Locator;
  readonly submit: Locator;
  readonly heading: Locator;
  readonly error: Locator;

  constructor(
    readonly page: Page,
    readonly language: Language = "en",
  ) {
    this.heading = page.getByRole("heading", { level: 1, name: this.t("login.title") });
    this.email = page.getByLabel(this.t("login.email"));
    this.password = page.getByLabel(this.t("login.password"));
    this.submit = page.getByRole("button", { name: this.t("login.submit") });
    this.error = page.getByRole("alert");
  }

  t(key: TranslationKey, params?: Record<string, string | number>): string {
    return translate(this.language, key, params);
  }

  async goto(): Promise<void> {
    await this.page.goto("/login");
  }

  async signIn(email: string, password: string): Promise<void> {
    await this.email.fill(email);
    await this.password.fill(password);
    await this.submit.click();
  }
}
