import { screen } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { describe, expect, it, vi } from "vitest";
import { renderWithProviders } from "@/test/render";
import { QueryErrorAlert } from "./query-error-alert";

describe("QueryErrorAlert", () => {
  it("shows the title and the error's message, and retries on request", async () => {
    const onRetry = vi.fn();
    renderWithProviders(
      <QueryErrorAlert title="Cannot load the history" error={new Error("HTTP 503")} onRetry={onRetry} />,
    );
    const alert = screen.getByRole("alert");
    expect(alert).toHaveTextContent("Cannot load the history");
    expect(alert).toHaveTextContent("HTTP 503");
    await userEvent.click(screen.getByRole("button", { name: "Try again" }));
    expect(onRetry).toHaveBeenCalledOnce();
  });

  it("shows errors that are not Error instances", () => {
    renderWithProviders(
      <QueryErrorAlert title="Oops" error={{ message: "JWT expired" }} onRetry={() => {}} />,
    );
    expect(screen.getByRole("alert")).toHaveTextContent("JWT expired");
  });
});
