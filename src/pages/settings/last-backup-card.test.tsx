import { describe, expect, it, vi } from "vitest";
import { screen, waitFor, within } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { installFakeBackend, makeRun } from "@/test/fake-backend";
import { renderWithProviders } from "@/test/render";
import { LastBackupCard } from "./last-backup-card";

const backupNow = () => screen.getByRole("button", { name: /backup now|backup running|starting/i });

describe("LastBackupCard", () => {
  it("shows a skeleton while loading", () => {
    installFakeBackend({ onRuns: () => undefined });
    renderWithProviders(<LastBackupCard />);
    expect(screen.getByTestId("last-backup-loading")).toHaveAttribute("aria-busy", "true");
    expect(backupNow()).toBeDisabled();
  });

  it("shows the real error message when the runs cannot be read", async () => {
    installFakeBackend({
      onRuns: () => ({ status: 401, body: { message: "JWT expired", code: "PGRST301" } }),
    });
    renderWithProviders(<LastBackupCard />);
    const alert = await screen.findByRole("alert");
    expect(alert).toHaveTextContent("Cannot load the last backup");
    expect(alert).toHaveTextContent("JWT expired");
    expect(within(alert).getByRole("button", { name: "Try again" })).toBeEnabled();
  });

  it("invites to run the first backup when there is none", async () => {
    installFakeBackend({ runs: [] });
    renderWithProviders(<LastBackupCard />);
    expect(await screen.findByText("No backup yet")).toBeInTheDocument();
    expect(backupNow()).toBeEnabled();
  });

  it("shows a successful run with its figures, OneDrive link and download", async () => {
    installFakeBackend({ runs: [makeRun()] });
    renderWithProviders(<LastBackupCard />);
    const card = await screen.findByTestId("last-backup");
    expect(card).toHaveAttribute("data-status", "success");
    expect(within(card).getAllByText("Succeeded")[0]).toBeInTheDocument();
    expect(within(card).getByText("15 MB")).toBeInTheDocument();
    expect(within(card).getByText("34,567")).toBeInTheDocument();
    expect(within(card).getByText("1m 5s")).toBeInTheDocument();
    expect(within(card).getByRole("link", { name: "Open in OneDrive" })).toHaveAttribute(
      "href",
      "https://contoso.sharepoint.com/backups/backup-2026-11-24T10-00-00Z.json.gz",
    );
    expect(within(card).getByRole("button", { name: "Download" })).toBeEnabled();
    expect(within(card).getByText(/ago$/).closest("time")).toHaveAttribute(
      "datetime",
      "2026-11-24T10:00:00.000Z",
    );
    expect(screen.queryByTestId("failure-panel")).not.toBeInTheDocument();
  });

  it("gives the exact start time on keyboard focus of the relative time", async () => {
    installFakeBackend({ runs: [makeRun()] });
    renderWithProviders(<LastBackupCard />);
    const time = (await screen.findByText(/ago$/)).closest("time") as HTMLElement;
    await userEvent.tab();
    while (document.activeElement !== time) await userEvent.tab();
    const tooltip = await screen.findByRole("tooltip");
    expect(tooltip).toHaveTextContent("24 November 2026 at 11:00:00 CET");
  });

  it("disables Backup now and shows the phase and bytes while a run is running", async () => {
    installFakeBackend({
      runs: [
        makeRun({
          status: "running",
          phase: "uploading",
          finished_at: null,
          size_bytes: 20_000_000,
          bytes_uploaded: 5_000_000,
          onedrive_status: "running",
          onedrive_web_url: null,
        }),
      ],
    });
    renderWithProviders(<LastBackupCard />);
    const panel = await screen.findByTestId("running-panel");
    expect(panel).toHaveTextContent("Uploading to OneDrive");
    expect(panel).toHaveTextContent("5 MB of 20 MB uploaded");
    expect(within(panel).getByRole("progressbar")).toHaveAttribute("aria-valuenow", "25");
    expect(screen.getByRole("button", { name: "Backup running…" })).toBeDisabled();
    expect(screen.getByRole("status")).toHaveTextContent("Backup running: Uploading to OneDrive");
  });

  it("puts the error and advice first when the last run is partial", async () => {
    installFakeBackend({
      runs: [
        makeRun({
          status: "partial",
          onedrive_status: "failed",
          onedrive_web_url: null,
          error: "Cannot get a Microsoft token: AADSTS7000215 invalid client secret",
          error_code: "graph_token",
        }),
      ],
    });
    renderWithProviders(<LastBackupCard />, { language: "fr" });
    const panel = await screen.findByTestId("failure-panel");
    expect(panel).toHaveAttribute("role", "alert");
    expect(panel).toHaveTextContent("Sauvegarde incomplète");
    expect(within(panel).getByTestId("run-error")).toHaveTextContent("AADSTS7000215 invalid client secret");
    expect(panel).toHaveTextContent("La copie dans le stockage Supabase est vérifiée");
    expect(panel).toHaveTextContent("AZURE_CLIENT_SECRET");
    expect(panel).toHaveTextContent("Code : graph_token");
    expect(screen.queryByRole("link", { name: "Ouvrir dans OneDrive" })).not.toBeInTheDocument();
    expect(screen.getByRole("button", { name: "Télécharger" })).toBeEnabled();
  });

  it("starts a backup, then follows the new run", async () => {
    const backend = installFakeBackend({ runs: [makeRun()] });
    renderWithProviders(<LastBackupCard />);
    await screen.findByTestId("last-backup");
    await userEvent.click(backupNow());
    expect(await screen.findByText("Backup started")).toBeInTheDocument();
    await waitFor(() => expect(screen.getByTestId("last-backup")).toHaveAttribute("data-status", "running"));
    expect(screen.getByRole("button", { name: "Backup running…" })).toBeDisabled();
    const call = backend.requests.find((r) => r.url.pathname === "/functions/v1/auto-backup");
    expect(call?.body).toEqual({ action: "run" });
  });

  it("says a backup is already running when the function answers 409", async () => {
    installFakeBackend({
      runs: [makeRun()],
      onFunction: (action) =>
        action === "run"
          ? { status: 409, body: { error: "A backup is already running", run_id: "x" } }
          : undefined,
    });
    renderWithProviders(<LastBackupCard />);
    await screen.findByTestId("last-backup");
    await userEvent.click(backupNow());
    expect(await screen.findByText("A backup is already running")).toBeInTheDocument();
  });

  it("says when the next backup may start when the function answers 429 (EN and FR)", async () => {
    const rateLimited = (action: string) =>
      action === "run"
        ? {
            status: 429,
            body: {
              error:
                "Cannot start a backup yet: the previous run started or ended at 12:00:05 UTC, less than 60 s ago; try again in 42 s",
              error_code: "rate_limited",
              retry_after_seconds: 42,
            },
          }
        : undefined;
    installFakeBackend({ runs: [makeRun()], onFunction: rateLimited });
    const { unmount } = renderWithProviders(<LastBackupCard />);
    await screen.findByTestId("last-backup");
    await userEvent.click(backupNow());
    expect(await screen.findByText("Too soon for another backup")).toBeInTheDocument();
    expect(
      screen.getByText("A backup started or ended less than a minute ago. Try again in 42 s."),
    ).toBeInTheDocument();
    unmount();

    installFakeBackend({ runs: [makeRun()], onFunction: rateLimited });
    renderWithProviders(<LastBackupCard />, { language: "fr" });
    await screen.findByTestId("last-backup");
    await userEvent.click(screen.getByRole("button", { name: "Sauvegarder maintenant" }));
    expect(await screen.findByText("Trop tôt pour une nouvelle sauvegarde")).toBeInTheDocument();
    expect(
      screen.getByText(
        "Une sauvegarde a commencé ou s'est terminée il y a moins d'une minute. Réessayez dans 42 s.",
      ),
    ).toBeInTheDocument();
  });

  it("shows the function's message when starting fails", async () => {
    installFakeBackend({
      runs: [],
      onFunction: (action) =>
        action === "run"
          ? {
              status: 500,
              body: { error: 'Cannot start the backup: BACKUP_COMPRESSION is "zip"; use gzip or none' },
            }
          : undefined,
    });
    renderWithProviders(<LastBackupCard />);
    await screen.findByText("No backup yet");
    await userEvent.click(backupNow());
    expect(await screen.findByText("Cannot start the backup")).toBeInTheDocument();
    expect(
      screen.getByText('Cannot start the backup: BACKUP_COMPRESSION is "zip"; use gzip or none'),
    ).toBeInTheDocument();
    expect(screen.queryByText(/non-2xx/)).not.toBeInTheDocument();
  });

  it("asks the function's download action for the run's link, never Storage directly", async () => {
    const backend = installFakeBackend({ runs: [makeRun()] });
    const clicked: string[] = [];
    vi.spyOn(HTMLAnchorElement.prototype, "click").mockImplementation(function (this: HTMLAnchorElement) {
      clicked.push(this.href);
    });
    renderWithProviders(<LastBackupCard />);
    await userEvent.click(await screen.findByRole("button", { name: "Download" }));
    await waitFor(() => expect(clicked).toHaveLength(1));
    const asked = backend.requests.filter((r) => r.url.pathname === "/functions/v1/auto-backup");
    expect(asked.map((r) => r.body)).toContainEqual({ action: "download", run_id: makeRun().id });
    expect(backend.requests.some((r) => r.url.pathname.startsWith("/storage/"))).toBe(false);
    expect(clicked[0]).toBe(
      "http://supabase.test/storage/v1/object/sign/backups/00000000-0000-4000-8000-000000000001/backup-2026-11-24T10-00-00Z.json.gz?token=signed-token&download=backup-2026-11-24T10-00-00Z.json.gz",
    );
  });

  it("shows the function's refusal when the download is refused", async () => {
    installFakeBackend({
      runs: [makeRun()],
      onFunction: (action) =>
        action === "download"
          ? { status: 403, body: { error: "Not allowed: only an admin may manage backups" } }
          : undefined,
    });
    renderWithProviders(<LastBackupCard />);
    await userEvent.click(await screen.findByRole("button", { name: "Download" }));
    expect(await screen.findByText("Cannot prepare the download")).toBeInTheDocument();
    expect(screen.getByText("Not allowed: only an admin may manage backups")).toBeInTheDocument();
  });
});
