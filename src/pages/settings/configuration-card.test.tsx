import { describe, expect, it } from "vitest";
import { screen, within } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { installFakeBackend, makeStatus } from "@/test/fake-backend";
import { renderWithProviders } from "@/test/render";
import { ConfigurationCard } from "./configuration-card";

const setting = (label: string) =>
  screen.getByText(label, { selector: "dt" }).nextElementSibling as HTMLElement;

describe("ConfigurationCard", () => {
  it("shows which settings are present, the folder, retention and schedule", async () => {
    // A function deployed before the retention policy existed answers only retention_count.
    installFakeBackend({ status: makeStatus({ retention: undefined, retention_count: 30 }) });
    renderWithProviders(<ConfigurationCard />);
    await screen.findByText("Azure app (Entra ID)");
    expect(setting("Azure app (Entra ID)")).toHaveTextContent("Set");
    expect(setting("Destination folder")).toHaveTextContent("Sharing link");
    expect(setting("Destination folder")).toHaveTextContent("Folder “Sauvegardes”");
    expect(setting("Webhook alert")).toHaveTextContent("Not set");
    expect(setting("Retention")).toHaveTextContent("The newest 30");
    expect(setting("Exported schemas")).toHaveTextContent("public");
    expect(screen.getByTestId("config-schedule")).toHaveTextContent("Every day at");
    expect(screen.getByTestId("config-schedule")).toHaveTextContent("Next run:");
  });

  it("says when nothing is scheduled and OneDrive is off", async () => {
    installFakeBackend({
      status: makeStatus({
        onedrive_enabled: false,
        configured: {
          azure: false,
          destination: false,
          alert_webhook: false,
          alert_email: false,
          cron_secret: false,
        },
        destination: { kind: null, folder_name: null },
        retention_count: 0,
        schedule: { cron: null, next_run_at: null, timezone: "UTC" },
      }),
    });
    renderWithProviders(<ConfigurationCard />);
    expect(await screen.findByText(/Upload to OneDrive is off/)).toBeInTheDocument();
    expect(screen.getByTestId("config-schedule")).toHaveTextContent("Not scheduled");
    expect(setting("Retention")).toHaveTextContent("Every backup");
  });

  it("describes the retention policy: tiers, the newest always kept, the minimum age", async () => {
    installFakeBackend();
    renderWithProviders(<ConfigurationCard />);
    await screen.findByTestId("config-schedule");
    expect(setting("Retention")).toHaveTextContent(
      "One a day for 7 days, one a week for 4 weeks, one a month for 12 months; always the newest 3; nothing deleted before 7 days",
    );
  });

  it("describes the retention policy in French", async () => {
    installFakeBackend();
    renderWithProviders(<ConfigurationCard />, { language: "fr" });
    await screen.findByTestId("config-schedule");
    expect(setting("Conservation")).toHaveTextContent(
      "Une par jour sur 7 jours, une par semaine sur 4 semaines, une par mois sur 12 mois ; toujours les 3 plus récentes ; rien n'est supprimé avant 7 jours",
    );
  });

  it("lists invalid settings by variable name", async () => {
    installFakeBackend({
      status: makeStatus({
        config_problems: [
          { variable: "BACKUP_COMPRESSION", message: 'Unknown value "zip": use gzip or none' },
          { variable: "AZURE_CLIENT_SECRET", message: "Missing while AZURE_TENANT_ID is set" },
        ],
        schedule_error: "pg_cron is not installed",
      }),
    });
    renderWithProviders(<ConfigurationCard />);
    const problems = await screen.findByTestId("config-problems");
    expect(problems).toHaveTextContent("Settings to fix");
    expect(problems).toHaveTextContent('BACKUP_COMPRESSION: Unknown value "zip": use gzip or none');
    expect(problems).toHaveTextContent("AZURE_CLIENT_SECRET: Missing while AZURE_TENANT_ID is set");
    expect(screen.getByText("Cannot read the schedule: pg_cron is not installed")).toBeInTheDocument();
  });

  it("shows a sharing link open to the whole organization as a failed check, with its advice", async () => {
    installFakeBackend({
      onFunction: (action) =>
        action === "test"
          ? {
              status: 200,
              body: {
                checks: [
                  {
                    name: "onedrive_link_scope",
                    ok: false,
                    message:
                      'The sharing link "https://contoso.sharepoint.com/:f:/s/B/EaBc…" works for everyone in the organization',
                  },
                ],
              },
            }
          : undefined,
    });
    renderWithProviders(<ConfigurationCard />);
    await userEvent.click(screen.getByRole("button", { name: "Test connection" }));
    const results = await screen.findByTestId("connection-test");
    const [item] = within(results).getAllByRole("listitem");
    expect(item).toHaveAttribute("data-ok", "false");
    expect(item).toHaveTextContent("Who the sharing link lets in");
    expect(item).toHaveTextContent("works for everyone in the organization");
  });

  it("shows the function's error when the status cannot be read", async () => {
    installFakeBackend({
      onFunction: (action) =>
        action === "status"
          ? { status: 403, body: { error: "Only administrators can manage backups" } }
          : undefined,
    });
    renderWithProviders(<ConfigurationCard />);
    const alert = await screen.findByRole("alert");
    expect(alert).toHaveTextContent("Cannot read the configuration");
    expect(alert).toHaveTextContent("Only administrators can manage backups");
  });

  it("runs the connection test and lists each check with its message", async () => {
    const backend = installFakeBackend();
    renderWithProviders(<ConfigurationCard />);
    await userEvent.click(screen.getByRole("button", { name: "Test connection" }));
    const results = await screen.findByTestId("connection-test");
    expect(results).toHaveTextContent("1 of 2 checks passed");
    const items = within(results).getAllByRole("listitem");
    expect(items[0]).toHaveAttribute("data-ok", "true");
    expect(items[0]).toHaveTextContent("Microsoft token");
    expect(items[1]).toHaveAttribute("data-ok", "false");
    expect(items[1]).toHaveTextContent('Cannot resolve OneDrive folder "Sauvegardes": access denied');
    expect(await screen.findByText("Test finished: 1 check failed")).toBeInTheDocument();
    expect(
      backend.requests.filter((r) => r.url.pathname === "/functions/v1/auto-backup").map((r) => r.body),
    ).toContainEqual({
      action: "test",
    });
  });
});
