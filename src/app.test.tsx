import { describe, expect, it } from "vitest";
import { screen, waitFor } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { AppRoutes } from "@/app";
import { SessionProvider } from "@/data/auth/session-provider";
import { installFakeBackend, makeRun } from "@/test/fake-backend";
import { renderWithProviders } from "@/test/render";

const users = [
  { id: "admin-id", email: "admin@example.com", password: "password" },
  { id: "member-id", email: "member@example.com", password: "password" },
];

function renderApp(route: string, language: "fr" | "en" = "en") {
  return renderWithProviders(
    <SessionProvider>
      <AppRoutes />
    </SessionProvider>,
    { route, language },
  );
}

describe("routes", () => {
  it("sends a signed-out visitor of /settings to the sign-in page", async () => {
    installFakeBackend({ users });
    renderApp("/settings");
    expect(await screen.findByRole("heading", { name: "Sign in" })).toBeInTheDocument();
  });

  it("signs an admin in and opens the settings", async () => {
    const backend = installFakeBackend({ users, runs: [makeRun()] });
    renderApp("/settings");
    await userEvent.type(await screen.findByLabelText("Email address"), "admin@example.com");
    await userEvent.type(screen.getByLabelText("Password"), "password");
    await userEvent.click(screen.getByRole("button", { name: "Sign in" }));
    expect(await screen.findByRole("heading", { name: "Settings", level: 1 })).toBeInTheDocument();
    expect(await screen.findByRole("button", { name: "Backup now" })).toBeInTheDocument();
    expect(screen.getByText("Signed in as admin@example.com")).toBeInTheDocument();
    const rpc = backend.requests.find((r) => r.url.pathname === "/rest/v1/rpc/can_manage_backups");
    expect(rpc?.headers.get("authorization")).toBe("Bearer token-admin-id");
  });

  it("says when the password is wrong, in French", async () => {
    installFakeBackend({ users });
    renderApp("/login", "fr");
    await userEvent.type(await screen.findByLabelText("Adresse e-mail"), "admin@example.com");
    await userEvent.type(screen.getByLabelText("Mot de passe"), "nope");
    await userEvent.click(screen.getByRole("button", { name: "Se connecter" }));
    expect(await screen.findByRole("alert")).toHaveTextContent("Adresse e-mail ou mot de passe incorrect.");
  });

  it("signs out back to the sign-in page", async () => {
    installFakeBackend({ users, runs: [] });
    renderApp("/login");
    await userEvent.type(await screen.findByLabelText("Email address"), "member@example.com");
    await userEvent.type(screen.getByLabelText("Password"), "password");
    await userEvent.click(screen.getByRole("button", { name: "Sign in" }));
    await userEvent.click(await screen.findByRole("button", { name: "Sign out" }));
    await waitFor(() => expect(screen.getByRole("heading", { name: "Sign in" })).toBeInTheDocument());
  });

  it("switches between light and dark and remembers the choice", async () => {
    installFakeBackend({ users });
    renderApp("/login");
    await userEvent.click(await screen.findByRole("button", { name: "Switch to dark theme" }));
    expect(document.documentElement).toHaveClass("dark");
    expect(localStorage.getItem("backup-ui.theme")).toBe("dark");
    await userEvent.click(screen.getByRole("button", { name: "Switch to light theme" }));
    expect(document.documentElement).not.toHaveClass("dark");
    expect(localStorage.getItem("backup-ui.theme")).toBe("light");
  });

  it("switches language and remembers it", async () => {
    installFakeBackend({ users });
    renderApp("/login");
    await userEvent.click(await screen.findByRole("combobox", { name: "Language" }));
    await userEvent.click(await screen.findByRole("option", { name: "Français" }));
    expect(await screen.findByRole("heading", { name: "Connexion" })).toBeInTheDocument();
    expect(localStorage.getItem("backup-ui.language")).toBe("fr");
    expect(document.documentElement.lang).toBe("fr");
  });
});
