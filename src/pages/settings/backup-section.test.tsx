import { describe, expect, it } from "vitest";
import { screen } from "@testing-library/react";
import { installFakeBackend, makeRun } from "@/test/fake-backend";
import { renderWithProviders } from "@/test/render";
import { BackupSection } from "./backup-section";

describe("BackupSection", () => {
  it("shows a member the rights message, no actions, and reads no backup data", async () => {
    const backend = installFakeBackend({ canManage: false, runs: [makeRun()] });
    renderWithProviders(<BackupSection userId="member" />);
    expect(await screen.findByText("Administrator rights needed")).toBeInTheDocument();
    expect(screen.queryByRole("button")).not.toBeInTheDocument();
    expect(backend.requests.map((r) => r.url.pathname)).toEqual(["/rest/v1/rpc/can_manage_backups"]);
  });

  it("shows the rights message in French too", async () => {
    installFakeBackend({ canManage: false });
    renderWithProviders(<BackupSection userId="member" />, { language: "fr" });
    expect(await screen.findByText("Droits d'administrateur requis")).toBeInTheDocument();
  });

  it("reports a failed rights check with its message", async () => {
    installFakeBackend({
      canManage: { status: 404, body: { message: "Could not find the function public.can_manage_backups" } },
    });
    renderWithProviders(<BackupSection userId="admin" />);
    const alert = await screen.findByRole("alert");
    expect(alert).toHaveTextContent("Cannot check your rights");
    expect(alert).toHaveTextContent("Could not find the function public.can_manage_backups");
  });

  it("gives an admin the whole dashboard", async () => {
    installFakeBackend({ canManage: true, runs: [makeRun()] });
    renderWithProviders(<BackupSection userId="admin" />);
    expect(await screen.findByRole("region", { name: "Last backup" })).toBeInTheDocument();
    expect(screen.getByRole("region", { name: "Automatic backup" })).toBeInTheDocument();
    expect(screen.getByRole("region", { name: "History" })).toBeInTheDocument();
    expect(screen.getByRole("region", { name: "Configuration" })).toBeInTheDocument();
    expect(screen.getByRole("button", { name: "Backup now" })).toBeInTheDocument();
    expect(screen.getByRole("button", { name: "Test connection" })).toBeInTheDocument();
  });
});
