import { describe, expect, it } from "vitest";
import { screen, waitFor, within } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { installFakeBackend, makeRun } from "@/test/fake-backend";
import { renderWithProviders } from "@/test/render";
import { BackupHistoryCard } from "./backup-history-card";

function manyRuns(count: number) {
  return Array.from({ length: count }, (_, i) =>
    makeRun({
      id: `run-${String(i).padStart(3, "0")}`,
      started_at: new Date(Date.UTC(2026, 10, 1, 2, 0) + i * 86_400_000).toISOString(),
      finished_at: new Date(Date.UTC(2026, 10, 1, 2, 1) + i * 86_400_000).toISOString(),
      trigger: i % 2 ? "schedule" : "manual",
    }),
  );
}

describe("BackupHistoryCard", () => {
  it("shows a skeleton, then an empty state", async () => {
    installFakeBackend({ runs: [] });
    renderWithProviders(<BackupHistoryCard />);
    expect(screen.getByTestId("history-loading")).toBeInTheDocument();
    expect(await screen.findByText("No backup yet: run the first one.")).toBeInTheDocument();
  });

  it("shows the error message when the history cannot be read", async () => {
    installFakeBackend({
      onRuns: () => ({ status: 500, body: { message: "permission denied for table backup_runs" } }),
    });
    renderWithProviders(<BackupHistoryCard />);
    const alert = await screen.findByRole("alert");
    expect(alert).toHaveTextContent("Cannot load the history");
    expect(alert).toHaveTextContent("permission denied for table backup_runs");
  });

  it("lists runs newest first with every column", async () => {
    installFakeBackend({
      runs: [
        makeRun({
          id: "old",
          started_at: "2026-11-20T02:00:00Z",
          finished_at: "2026-11-20T02:00:30Z",
          trigger: "schedule",
        }),
        makeRun({
          id: "new",
          status: "partial",
          onedrive_status: "failed",
          started_at: "2026-11-24T10:00:00Z",
          error: "Cannot upload: quota exceeded",
        }),
      ],
    });
    renderWithProviders(<BackupHistoryCard />);
    const table = await screen.findByTestId("history-table");
    const headers = within(table)
      .getAllByRole("columnheader")
      .map((h) => h.textContent);
    expect(headers).toEqual([
      "Details",
      "Started",
      "Trigger",
      "Status",
      "Duration",
      "Size",
      "Rows",
      "Storage",
      "OneDrive",
    ]);
    const rows = within(table).getAllByRole("row").slice(1);
    expect(rows.map((row) => row.getAttribute("data-run-id"))).toEqual(["new", "old"]);
    expect(rows[0]).toHaveTextContent("Partial");
    expect(rows[0]).toHaveTextContent("Failed");
    expect(rows[1]).toHaveTextContent("Scheduled");
    expect(rows[1]).toHaveTextContent("30s");
    expect(rows[1]).toHaveTextContent("34,567");
  });

  it("expands a run to its per-table counts, hashes and error", async () => {
    installFakeBackend({
      runs: [
        makeRun({
          status: "failed",
          storage_status: "failed",
          onedrive_status: "skipped",
          error: "Export failed: relation gone",
        }),
      ],
    });
    renderWithProviders(<BackupHistoryCard />);
    const toggle = await screen.findByRole("button", { name: /Show the details/ });
    expect(toggle).toHaveAttribute("aria-expanded", "false");
    await userEvent.click(toggle);
    expect(toggle).toHaveAttribute("aria-expanded", "true");
    const details = screen.getByTestId("run-details");
    expect(toggle).toHaveAttribute("aria-controls", details.id);
    expect(details).toHaveTextContent("Export failed: relation gone");
    expect(details).toHaveTextContent("public.payments");
    expect(details).toHaveTextContent("20,000");
    expect(details).toHaveTextContent("9f2c4e0d1b7a5c3e8f6a4b2d0c9e7f5a3b1d8c6e4f2a0b9c7d5e3f1a8b6c4d2e");
    expect(details).toHaveTextContent("AAAAAAAAAAAAAAAAAAAAAAAAAAA=");
    expect(details).toHaveTextContent("backup-2026-11-24T10-00-00Z.json.gz");
    await userEvent.click(screen.getByRole("button", { name: /Hide the details/ }));
    expect(screen.queryByTestId("run-details")).not.toBeInTheDocument();
  });

  it("says when retention deleted a copy and offers no link to it (EN and FR)", async () => {
    const pruned = makeRun({
      storage_deleted_at: "2026-12-24T02:01:00.000Z",
      onedrive_deleted_at: "2026-12-24T02:01:05.000Z",
    });
    installFakeBackend({ runs: [pruned] });
    const { unmount } = renderWithProviders(<BackupHistoryCard />);
    await userEvent.click(await screen.findByRole("button", { name: /Show the details/ }));
    const details = screen.getByTestId("run-details");
    expect(within(details).getAllByText(/^Deleted by retention on 24 December 2026/)).toHaveLength(2);
    expect(within(details).queryByRole("button", { name: "Download" })).toBeNull();
    expect(within(details).queryByRole("link", { name: /Open in OneDrive/ })).toBeNull();
    unmount();

    installFakeBackend({ runs: [pruned] });
    renderWithProviders(<BackupHistoryCard />, { language: "fr" });
    await userEvent.click(await screen.findByRole("button", { name: /Afficher le détail/ }));
    expect(
      within(screen.getByTestId("run-details")).getAllByText(
        /^Supprimée par la conservation le 24 décembre 2026/,
      ),
    ).toHaveLength(2);
  });

  it("offers the download and the OneDrive link while the copies exist", async () => {
    installFakeBackend({ runs: [makeRun()] });
    renderWithProviders(<BackupHistoryCard />);
    await userEvent.click(await screen.findByRole("button", { name: /Show the details/ }));
    const details = screen.getByTestId("run-details");
    expect(within(details).getByRole("button", { name: "Download" })).toBeInTheDocument();
    expect(within(details).getByRole("link", { name: /Open in OneDrive/ })).toBeInTheDocument();
    expect(within(details).queryByText(/Deleted by retention/)).toBeNull();
  });

  it("pages 20 runs at a time with the total count", async () => {
    const backend = installFakeBackend({ runs: manyRuns(45) });
    renderWithProviders(<BackupHistoryCard />);
    await screen.findByTestId("history-table");
    expect(screen.getAllByRole("row")).toHaveLength(21);
    expect(screen.getByText("1–20 of 45")).toBeInTheDocument();
    expect(screen.getByText("Page 1 of 3")).toBeInTheDocument();
    expect(screen.getByRole("button", { name: "Previous" })).toBeDisabled();

    await userEvent.click(screen.getByRole("button", { name: "Next" }));
    await waitFor(() => expect(screen.getByText("Page 2 of 3")).toBeInTheDocument());
    await waitFor(() => expect(screen.getByText("21–40 of 45")).toBeInTheDocument());
    await userEvent.click(screen.getByRole("button", { name: "Next" }));
    await waitFor(() => expect(screen.getByText("41–45 of 45")).toBeInTheDocument());
    await waitFor(() => expect(screen.getAllByRole("row")).toHaveLength(6));
    expect(screen.getByRole("button", { name: "Next" })).toBeDisabled();

    const reads = backend.requests.filter((r) => r.url.pathname === "/rest/v1/backup_runs");
    expect(reads.map((r) => [r.url.searchParams.get("offset"), r.url.searchParams.get("limit")])).toEqual([
      ["0", "20"],
      ["20", "20"],
      ["40", "20"],
    ]);
    expect(reads[0]!.url.searchParams.get("order")).toBe("started_at.desc");
    expect(reads[0]!.headers.get("prefer")).toContain("count=exact");
  });
});
