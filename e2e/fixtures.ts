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
  /**
   * The function refuses a run while another started or ended less than 60 s ago: stands for that
   * minute passing by moving the finished history back by it (order and gaps kept).
   */
  allowNextRun(): Promise<void>;
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
  /** Waits for no backup to be running, before and after the test (request it in tests that start runs). */
  idle: void;
};

class NoRealtime {
  constructor() {
    throw new Error("Realtime is not used by the end-to-end checks");
  }
}

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
        async allowNextRun() {
          await client.query(
            `update public.backup_runs
                set started_at = started_at - interval '61 seconds',
                    finished_at = finished_at - interval '61 seconds',
                    heartbeat_at = heartbeat_at - interval '61 seconds'
              where status <> 'running'`,
          );
        },
        async waitUntilIdle(timeoutMs = 150_000) {
          const deadline = Date.now() + timeoutMs;
          for (;;) {
            const { rows } = await client.query(
              "select id, phase, started_at, heartbeat_at from public.backup_runs where status = 'running'",
            );
            if (rows.length === 0) return;
            if (Date.now() > deadline) {
              const run = rows[0];
              throw new Error(
                `Cannot go on: backup run "${run.id}" is still running (phase "${run.phase}", started ${new Date(run.started_at).toISOString()}, last heartbeat ${run.heartbeat_at ? new Date(run.heartbeat_at).toISOString() : "never"})`,
              );
            }
            await new Promise((resolve) => setTimeout(resolve, 1000));
          }
        },
      };
      await use(db);
      await client.end();
    },
    { scope: "worker" },
  ],

  emulator: async ({ stack }, use) => {
    if (!stack.graph_emulator_url) {
      throw new Error("Cannot inject Graph faults: stack.json has no graph_emulator_url");
    }
    const emulator = new GraphEmulatorAdmin(stack.graph_emulator_url);
    await emulator.clearFaults();
    await use(emulator);
    // The next test must not meet this test's faults.
    await emulator.clearFaults();
  },

  idle: async ({ db }, use) => {
    // Tests that start backups need no run in progress before them, and leave none behind.
    await db.waitUntilIdle();
    await db.allowNextRun();
    await use();
    await db.waitUntilIdle();
  },

  anonClient: async ({ stack }, use) => {
    await use(
      createClient(stack.supabase_url, stack.anon_key, {
        auth: { persistSession: false, autoRefreshToken: false },
        // Node 20 has no WebSocket and these checks never use Realtime: a transport that is never built.
        realtime: { transport: NoRealtime as never },
      }),
    );
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
  await mkdir("e2e/screenshots", { recursive: true });
  // A full-page capture of a scrolled page shows the sticky header mid-page: capture from the top.
  await page.evaluate(() => window.scrollTo(0, 0));
  await page.screenshot({ path: `e2e/screenshots/${name}.png`, fullPage: true, animations: "disabled" });
}
