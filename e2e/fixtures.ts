// Playwright fixtures: the running stack, a database connection for checks, the Graph emulator's admin
// client for fault injection, and signed-in pages. Every test starts and ends with no backup running and
// no Graph fault left behind, since all tests share one stack.
import { test as base, expect, type Page } from "@playwright/test";
import { createClient, type SupabaseClient } from "@supabase/supabase-js";
import pg from "pg";
import { mkdir } from "node:fs/promises";
import { GraphEmulatorAdmin } from "../dev/graph-emulator/admin-client.ts";
import type { Language } from "../src/lib/i18n/translate";
import { LoginPage } from "./login.po";
import { SettingsPage } from "./settings.po";
import { readStackInfo, type StackInfo, type StackUser } from "./stack-info";

export interface BackupRunRow {
  id: string;
  status: string;
  trigger: string;
  started_at: Date;
  size_bytes: string | null;
  sha256: string | null;
  error: string | null;
  storage_status: string;
  onedrive_status: string;
  onedrive_web_url: string | null;
  file_name: string | null;
}

export interface Database {
  query<T extends object = Record<string, unknown>>(sql: string, params?: unknown[]): Promise<T[]>;
  /** Runs started at or after `since`, newest first. */
  runsSince(since: Date): Promise<BackupRunRow[]>;
  /** Waits until no run is in progress (a run left by a failed test would make the next one get 409). */
  waitUntilIdle(timeoutMs?: number): Promise<void>;
}

type WorkerFixtures = {
  stack: StackInfo;
  db: Database;
};

type TestFixtures = {
  emulator: GraphEmulatorAdmin;
  /** Signs in through the real sign-in page and returns the Settings page object. */
  signIn: (role: "admin" | "member", options?: { page?: Page; language?: Language }) => Promise<SettingsPage>;
  /** Anonymous supabase-js client of the stack, for checks of the API itself. */
  anonClient: SupabaseClient;
  cleanState: void;
};

function userFor(stack: StackInfo, role: "admin" | "member"): StackUser {
  const user = stack.users.find((candidate) => candidate.admin === (role === "admin"));
  if (!user) throw new Error(`Cannot sign in: stack.json lists no ${role} user`);
  return user;
}

export const test = base.extend<TestFixtures, WorkerFixtures>({
  stack: [
    // eslint-disable-next-line no-empty-pattern -- Playwright requires the destructuring argument
    async ({}, use) => {
      await use(readStackInfo());
    },
    { scope: "worker" },
  ],

  db: [
    async ({ stack }, use) => {
      const client = new pg.Client({ connectionString: stack.db_url });
      await client.connect();
      const db: Database = {
        async query(sql, params) {
          return (await client.query(sql, params as unknown[])).rows;
        },
        async runsSince(since) {
          const result = await client.query(
            `select id, status, trigger, started_at, size_bytes, sha256, error, storage_status, onedrive_status,
                    onedrive_web_url, file_name
               from public.backup_runs where started_at >= $1 order by started_at desc`,
            [since],
          );
          return result.rows as BackupRunRow[];
        },
        async waitUntilIdle(timeoutMs = 150_000) {
          await expect
            .poll(
              async () =>
                Number(
                  (
                    await client.query(
                      "select count(*) as n from public.backup_runs where status = 'running'",
                    )
                  ).rows[0].n,
                ),
              { timeout: timeoutMs, intervals: [500, 1000, 2000] },
            )
            .toBe(0);
        },
      };
      await use(db);
      await client.end();
    },
    { scope: "worker" },
  ],

  emulator: async ({ stack }, use) => {
    if (!stack.graph_emulator_url)
      throw new Error("Cannot inject Graph faults: stack.json has no graph_emulator_url");
    await use(new GraphEmulatorAdmin(stack.graph_emulator_url));
  },

  cleanState: [
    async ({ db, stack }, use) => {
      await db.waitUntilIdle();
      await mkdir("e2e/screenshots", { recursive: true });
      await use();
      // Leave nothing behind for the next test: faults off, and any run this test started finished.
      if (stack.graph_emulator_url) await new GraphEmulatorAdmin(stack.graph_emulator_url).clearFaults();
      await db.waitUntilIdle();
    },
    { auto: true },
  ],

  anonClient: async ({ stack }, use) => {
    await use(createClient(stack.supabase_url, stack.anon_key, { auth: { persistSession: false } }));
  },

  signIn: async ({ page, stack }, use) => {
    await use(async (role, options = {}) => {
      const target = options.page ?? page;
      const language = options.language ?? "en";
      const user = userFor(stack, role);
      const login = new LoginPage(target, language);
      await target.goto("/settings");
      // Signed-out visitors of /settings land on the sign-in page.
      await expect(target).toHaveURL(/\/login$/);
      await login.signIn(user.email, user.password);
      await expect(target).toHaveURL(/\/settings$/);
      const settings = new SettingsPage(target, language);
      await expect(settings.heading).toBeVisible();
      return settings;
    });
  },
});

export { expect };

/** The stack's credentials for a role, for checks through supabase-js. */
export function credentials(stack: StackInfo, role: "admin" | "member"): StackUser {
  return userFor(stack, role);
}

/** Saves a full-page screenshot under e2e/screenshots/ (ignored by git) for a person to look at. */
export async function snap(page: Page, name: string): Promise<void> {
  await page.screenshot({ path: `e2e/screenshots/${name}.png`, fullPage: true, animations: "disabled" });
}
