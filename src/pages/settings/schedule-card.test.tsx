import { describe, expect, it } from "vitest";
import { screen, waitFor } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { installFakeBackend, makeStatus } from "@/test/fake-backend";
import { renderWithProviders } from "@/test/render";
import { ScheduleCard } from "./schedule-card";

const scheduleCalls = (backend: ReturnType<typeof installFakeBackend>) =>
  backend.requests
    .filter((r) => r.url.pathname === "/functions/v1/auto-backup")
    .map((r) => r.body as { action: string; cron?: string | null })
    .filter((body) => body.action === "schedule");

async function choose(trigger: RegExp, option: string) {
  await userEvent.click(screen.getByRole("combobox", { name: trigger }));
  await userEvent.click(await screen.findByRole("option", { name: option }));
}

describe("ScheduleCard", () => {
  it("shows the stored UTC schedule in local time with the next run", async () => {
    installFakeBackend();
    renderWithProviders(<ScheduleCard timeZone="Europe/Paris" />, { language: "fr" });
    const current = await screen.findByTestId("schedule-current");
    expect(current).toHaveTextContent("Tous les jours à 02:00");
    expect(current).toHaveTextContent("Prochaine sauvegarde : mercredi 25 novembre à 02:00");
    expect(current).toHaveTextContent("0 1 * * *");
    expect(screen.getByLabelText("Heure")).toHaveValue("02:00");
    expect(screen.getByRole("button", { name: "Enregistrer" })).toBeDisabled();
  });

  it("saves a weekly schedule as a UTC cron expression", async () => {
    const backend = installFakeBackend();
    renderWithProviders(<ScheduleCard timeZone="Europe/Paris" />);
    await screen.findByTestId("schedule-current");
    await choose(/Frequency/, "Every week");
    await choose(/Day/, "Monday");
    const time = screen.getByLabelText("Time");
    await userEvent.clear(time);
    await userEvent.type(time, "00:30");
    await userEvent.click(screen.getByRole("button", { name: "Save" }));
    await waitFor(() =>
      expect(scheduleCalls(backend)).toEqual([{ action: "schedule", cron: "30 23 * * 0" }]),
    );
    expect(await screen.findByText("Schedule saved")).toBeInTheDocument();
    await waitFor(() =>
      expect(screen.getByTestId("schedule-current")).toHaveTextContent("Every Monday at 00:30"),
    );
  });

  it("turns the schedule off with null", async () => {
    const backend = installFakeBackend();
    renderWithProviders(<ScheduleCard timeZone="Europe/Paris" />);
    await screen.findByTestId("schedule-current");
    await choose(/Frequency/, "Off");
    expect(screen.queryByLabelText("Time")).not.toBeInTheDocument();
    await userEvent.click(screen.getByRole("button", { name: "Save" }));
    await waitFor(() => expect(scheduleCalls(backend)).toEqual([{ action: "schedule", cron: null }]));
    expect(await screen.findByText("Automatic backup turned off")).toBeInTheDocument();
    await waitFor(() =>
      expect(screen.getByTestId("schedule-current")).toHaveTextContent("No automatic backup."),
    );
  });

  it("accepts the saved schedule as a bare object too", async () => {
    let saved: string | null = "0 1 * * *";
    installFakeBackend({
      onFunction: (action, body) => {
        if (action === "status") {
          return {
            status: 200,
            body: makeStatus({ schedule: { cron: saved, next_run_at: null, timezone: "UTC" } }),
          };
        }
        if (action !== "schedule") return undefined;
        saved = body.cron as string | null;
        return {
          status: 200,
          body: { cron: saved, next_run_at: "2026-11-25T02:00:00.000Z", timezone: "UTC" },
        };
      },
    });
    renderWithProviders(<ScheduleCard timeZone="UTC" />);
    await screen.findByTestId("schedule-current");
    const time = screen.getByLabelText("Time");
    await userEvent.clear(time);
    await userEvent.type(time, "02:00");
    await userEvent.click(screen.getByRole("button", { name: "Save" }));
    expect(await screen.findByText("Schedule saved")).toBeInTheDocument();
    await waitFor(() =>
      expect(screen.getByTestId("schedule-current")).toHaveTextContent("Every day at 02:00"),
    );
  });

  it("shows an expression it cannot edit as custom", async () => {
    installFakeBackend({
      status: makeStatus({ schedule: { cron: "*/30 * * * *", next_run_at: null, timezone: "UTC" } }),
    });
    renderWithProviders(<ScheduleCard timeZone="UTC" />);
    expect(await screen.findByTestId("schedule-current")).toHaveTextContent(
      "Custom expression (UTC): */30 * * * *",
    );
    // Set by hand in cron.job: the page says the function refuses such a schedule.
    expect(screen.getByRole("alert")).toHaveTextContent(
      "This schedule runs more than once an hour (*/30 * * * *, UTC), but backups run at most hourly",
    );
  });

  it("says nothing about frequency for an hourly custom expression", async () => {
    installFakeBackend({
      status: makeStatus({ schedule: { cron: "15 * * * *", next_run_at: null, timezone: "UTC" } }),
    });
    renderWithProviders(<ScheduleCard timeZone="UTC" />);
    expect(await screen.findByTestId("schedule-current")).toHaveTextContent(
      "Custom expression (UTC): 15 * * * *",
    );
    expect(screen.queryByRole("alert")).toBeNull();
  });

  it("shows the function's message when saving fails", async () => {
    installFakeBackend({
      onFunction: (action) =>
        action === "schedule"
          ? { status: 500, body: { error: "Cannot schedule the backup: pg_cron is not installed" } }
          : undefined,
    });
    renderWithProviders(<ScheduleCard timeZone="UTC" />);
    await screen.findByTestId("schedule-current");
    await choose(/Frequency/, "Off");
    await userEvent.click(screen.getByRole("button", { name: "Save" }));
    expect(
      await screen.findByText("Cannot schedule the backup: pg_cron is not installed"),
    ).toBeInTheDocument();
  });
});
