/**
 * Starts the whole product locally on real parts (docs/design.md §8):
 *   Postgres 17 (embedded, or DATABASE_URL) → Supabase baseline, extension stand-ins, migrations, seed
 *   → Graph emulator (unless real Azure settings are given) → gateway (/auth, /rest, /storage,
 *   /functions) → Deno functions server → pg_cron/pg_net stand-in runner → Vite (optional)
 * and publishes `<stateDir>/stack.json` and `<stateDir>/stack.env`. `stop()` stops everything in
 * reverse order and removes both files. Used by `npm run dev` (dev.ts) and by the test runner.
 */
import { existsSync } from "node:fs";
import { mkdir, readFile, rm } from "node:fs/promises";
import path from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import pg from "pg";
import { applyDatabaseSetup, listSetupFiles } from "../db/apply-setup.ts";
import { DEMO_USERS, seedDatabase } from "../db/seed.ts";
import { createApiKeys } from "../gateway/api-keys.ts";
import { startGateway } from "../gateway/start-gateway.ts";
import { startChild, waitForHttp, waitForLine, type ChildService } from "./child-service.ts";
import { startEmbeddedPostgres } from "./embedded-postgres-server.ts";
import { choosePorts, type StackPorts } from "./ports.ts";
import {
  loadOrCreateSecrets,
  parseEnvFile,
  removeStackFiles,
  writeStackFiles,
  type StackInfo,
} from "./stack-files.ts";

export type { StackInfo } from "./stack-files.ts";

export const REPO_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..", "..");

export interface StartStackOptions {
  /** Where the database, Storage files, OneDrive files and stack.json live (default `<repo>/.local`). */
  stateDir?: string;
  /** Alias of stateDir (docs/architecture.md's name). */
  dataDir?: string;
  /** The documented default ports, or free ones (tests, several stacks at once). Default "default". */
  ports?: "default" | "free";
  /** Start the Vite app too (default true). */
  app?: boolean;
  /** Seed the demo users and app data when not seeded yet (default true). */
  seed?: boolean;
  /** Use this Postgres instead of the embedded one (default: the DATABASE_URL environment variable). */
  databaseUrl?: string;
  /** Wipe the embedded database and the Storage files first (default false). */
  fresh?: boolean;
  /**
   * "emulator" (default): always the Graph emulator, so tests never reach Microsoft.
   * "auto": real AZURE_* settings from the environment or `<repo>/.env` win over the emulator.
   */
  azure?: "emulator" | "auto";
  /**
   * Storage's global upload limit in bytes (default: STORAGE_FILE_SIZE_LIMIT from the environment, else
   * 50 MiB, Supabase's default limit).
   */
  storageFileSizeLimit?: number;
  /** Only errors are printed (default false). */
  quiet?: boolean;
  /** Receives every log line instead of stdout. */
  log?: (line: string) => void;
}

export interface RunningStack {
  info: StackInfo;
  /** The function environment, exactly as written to stack.env. */
  env: Record<string, string>;
  stop(): Promise<void>;
}

/** Azure settings the emulator stands for; the client secret is a local dev value, not a real secret. */
const EMULATOR_AZURE = {
  AZURE_TENANT_ID: "4f3b1c2d-5e6f-4a7b-8c9d-0e1f2a3b4c5d",
  AZURE_CLIENT_ID: "9a8b7c6d-5e4f-4a3b-9c2d-1e0f9a8b7c6d",
  AZURE_CLIENT_SECRET: "local-emulator-client-secret",
};
/** A SharePoint-style folder sharing link; the emulator maps it to the drive folder "Backups". */
export const EMULATOR_BACKUP_LINK =
  "https://contoso.sharepoint.com/:f:/s/Backups/EjLocalBackupsFolderLinkForTheGraphEmulator?e=local";

const PASS_THROUGH_KEYS = [
  "AZURE_TENANT_ID",
  "AZURE_CLIENT_ID",
  "AZURE_CLIENT_SECRET",
  "AZURE_AUTHORITY_HOST",
  "GRAPH_BASE_URL",
  "ONEDRIVE_BACKUP_LINK",
  "ONEDRIVE_DRIVE_ID",
  "ONEDRIVE_FOLDER_ID",
  "BACKUP_CRON_SECRET",
  "BACKUP_SCHEMAS",
  "BACKUP_EXCLUDE_TABLES",
  "BACKUP_COMPRESSION",
  "BACKUP_RETENTION",
  "BACKUP_RETENTION_COUNT",
  "BACKUP_MIN_AGE_DAYS",
  "BACKUP_ALERT_WEBHOOK_URL",
  "BACKUP_ALERT_EMAIL",
  "BACKUP_ALERT_SENDER",
];

const BACKUP_DEFAULTS = {
  BACKUP_SCHEMAS: "public",
  BACKUP_COMPRESSION: "gzip",
};

/** Function names with `verify_jwt = false` in supabase/config.toml. */
async function functionsWithoutJwt(): Promise<string[]> {
  const file = path.join(REPO_ROOT, "supabase", "config.toml");
  if (!existsSync(file)) return [];
  const names: string[] = [];
  let section = "";
  for (const raw of (await readFile(file, "utf8")).split("\n")) {
    const line = raw.replace(/#.*$/, "").trim();
    const header = /^\[(.+)\]$/.exec(line);
    if (header) {
      section = (header[1] as string).trim();
      continue;
    }
    const fn = /^functions\.("?)([^"\]]+)\1$/.exec(section);
    if (fn && /^verify_jwt\s*=\s*false$/.test(line)) names.push(fn[2] as string);
  }
  return names;
}

async function readDotEnv(): Promise<Record<string, string>> {
  const file = path.join(REPO_ROOT, ".env");
  return existsSync(file) ? parseEnvFile(await readFile(file, "utf8")) : {};
}

/** Connects to DATABASE_URL, creating its database when it does not exist yet. */
async function ensureDatabase(url: string): Promise<void> {
  const client = new pg.Client({ connectionString: url });
  try {
    await client.connect();
    await client.end();
    return;
  } catch (error) {
    await client.end().catch(() => undefined);
    if ((error as { code?: string }).code !== "3D000") {
      throw new Error(`Cannot connect to DATABASE_URL (${new URL(url).host}): ${(error as Error).message}`, {
        cause: error,
      });
    }
  }
  const target = new URL(url);
  const name = decodeURIComponent(target.pathname.slice(1));
  const maintenance = new URL(url);
  maintenance.pathname = "/postgres";
  const admin = new pg.Client({ connectionString: maintenance.toString() });
  await admin.connect();
  try {
    await admin.query(`create database "${name.replace(/"/g, '""')}"`);
  } finally {
    await admin.end();
  }
}

export async function startStack(options: StartStackOptions = {}): Promise<RunningStack> {
  const stateDir = path.resolve(options.stateDir ?? options.dataDir ?? path.join(REPO_ROOT, ".local"));
  const print = options.log ?? ((line: string) => console.log(line));
  const log = (source: string) => (line: string) => {
    if (!options.quiet) print(`[${source}] ${line}`);
  };
  const databaseUrl = options.databaseUrl ?? process.env.DATABASE_URL;
  const withApp = options.app ?? true;
  const seed = options.seed ?? true;
  const started = Date.now();

  await mkdir(stateDir, { recursive: true });
  const dbDir = path.join(stateDir, "db");
  const storageDir = path.join(stateDir, "storage");
  const onedriveDir = path.join(stateDir, "onedrive");
  if (options.fresh) {
    if (databaseUrl) {
      throw new Error("Cannot use --fresh with DATABASE_URL: drop and recreate that database yourself");
    }
    await rm(dbDir, { recursive: true, force: true });
    await rm(storageDir, { recursive: true, force: true });
  }
  await removeStackFiles(stateDir);

  const dotEnv = options.azure === "auto" ? await readDotEnv() : {};
  const setting = (key: string) => process.env[key] ?? dotEnv[key];
  const realAzure =
    options.azure === "auto" &&
    ["AZURE_TENANT_ID", "AZURE_CLIENT_ID", "AZURE_CLIENT_SECRET"].some((k) => setting(k));

  const graphModule = path.join(REPO_ROOT, "dev", "graph-emulator", "start-graph-emulator.ts");
  const cronModule = path.join(REPO_ROOT, "dev", "cron", "start-cron-runner.ts");
  const useEmulator = !realAzure && existsSync(graphModule);
  const needed: Array<keyof StackPorts> = ["gateway", "functions"];
  if (!databaseUrl) needed.push("database");
  if (useEmulator) needed.push("graph");
  if (withApp) needed.push("app");
  const ports = await choosePorts(options.ports ?? "default", needed);
  const secrets = await loadOrCreateSecrets(stateDir);
  const keys = await createApiKeys(secrets.jwt_secret);

  const stops: Array<{ name: string; stop: () => Promise<void> }> = [];
  let stopped = false;
  const stop = async () => {
    if (stopped) return;
    stopped = true;
    for (const part of stops.reverse()) {
      try {
        await part.stop();
      } catch (error) {
        print(`[stack] Cannot stop ${part.name}: ${(error as Error).message}`);
      }
    }
    await removeStackFiles(stateDir);
  };

  try {
    // ---- Postgres ------------------------------------------------------------------------
    let dbUrl: string;
    if (databaseUrl) {
      await ensureDatabase(databaseUrl);
      dbUrl = databaseUrl;
      log("db")(`using DATABASE_URL (${new URL(databaseUrl).host}${new URL(databaseUrl).pathname})`);
    } else {
      const server = await startEmbeddedPostgres({
        dataDir: dbDir,
        stateDir,
        port: ports.database,
        password: secrets.db_password,
        log: log("db"),
      });
      stops.push({ name: "Postgres", stop: server.stop });
      dbUrl = server.url;
    }
    const setup = new pg.Client({ connectionString: dbUrl });
    setup.on("notice", () => undefined);
    await setup.connect();
    try {
      const report = await applyDatabaseSetup(setup, await listSetupFiles(REPO_ROOT), { log: log("db") });
      if (!report.applied.length) log("db")("schema up to date");
      if (seed) await seedDatabase(setup, log("db"));
    } finally {
      await setup.end();
    }

    // ---- Function environment --------------------------------------------------------------
    const gatewayUrl = `http://127.0.0.1:${ports.gateway}`;
    const functionsUrl = `http://127.0.0.1:${ports.functions}`;
    const env: Record<string, string> = {
      SUPABASE_URL: gatewayUrl,
      SUPABASE_ANON_KEY: keys.anonKey,
      SUPABASE_SERVICE_ROLE_KEY: keys.serviceRoleKey,
      SUPABASE_DB_URL: dbUrl,
      SUPABASE_JWT_SECRET: secrets.jwt_secret,
      ...BACKUP_DEFAULTS,
    };
    let graphUrl: string | null = null;
    let graphUploadUrl: string | null = null;
    if (useEmulator) {
      const { startGraphEmulator } = (await import(pathToFileURL(graphModule).href)) as {
        startGraphEmulator: (
          o: Record<string, unknown>,
        ) => Promise<{ url: string; uploadUrlBase: string; stop(): Promise<void> }>;
      };
      await mkdir(onedriveDir, { recursive: true });
      const emulator = await startGraphEmulator({
        port: ports.graph,
        root: onedriveDir,
        tenantId: EMULATOR_AZURE.AZURE_TENANT_ID,
        clientId: EMULATOR_AZURE.AZURE_CLIENT_ID,
        clientSecret: EMULATOR_AZURE.AZURE_CLIENT_SECRET,
        links: { [EMULATOR_BACKUP_LINK]: "Backups" },
      });
      stops.push({ name: "the Graph emulator", stop: () => emulator.stop() });
      graphUrl = emulator.url;
      graphUploadUrl = emulator.uploadUrlBase;
      Object.assign(env, EMULATOR_AZURE, {
        AZURE_AUTHORITY_HOST: emulator.url,
        GRAPH_BASE_URL: emulator.url,
        // The emulator's upload host is plain http on 127.0.0.2: trusted by exact origin, for this stack only.
        GRAPH_UPLOAD_ORIGINS: emulator.uploadUrlBase,
        ONEDRIVE_BACKUP_LINK: EMULATOR_BACKUP_LINK,
      });
      log("graph")(`Graph emulator on ${emulator.url}; OneDrive files in ${onedriveDir}`);
    } else if (realAzure) {
      log("graph")("real Azure settings found: OneDrive uploads go to Microsoft (no emulator)");
    } else {
      log("graph")("no Graph emulator in this checkout: OneDrive upload will be skipped");
    }
    for (const key of PASS_THROUGH_KEYS) {
      const value = setting(key);
      // With the emulator, only the backup settings pass through; Azure and OneDrive point at it.
      if (value !== undefined && (realAzure || key.startsWith("BACKUP_"))) env[key] = value;
    }

    // ---- Gateway ---------------------------------------------------------------------------
    const pool = new pg.Pool({ connectionString: dbUrl, max: 10 });
    pool.on("error", (error) => log("gateway")(`database connection error: ${error.message}`));
    stops.push({ name: "the gateway's database pool", stop: () => pool.end() });
    const gateway = await startGateway({
      pool,
      jwtSecret: secrets.jwt_secret,
      keys,
      storageRoot: storageDir,
      port: ports.gateway,
      functionsUrl: () => functionsUrl,
      functionsWithoutJwt: await functionsWithoutJwt(),
      fileSizeLimit:
        options.storageFileSizeLimit ??
        (process.env.STORAGE_FILE_SIZE_LIMIT ? Number(process.env.STORAGE_FILE_SIZE_LIMIT) : undefined),
      log: log("gateway"),
    });
    stops.push({ name: "the gateway", stop: gateway.stop });

    // ---- Children: functions server and Vite, started side by side --------------------------
    const childEnv = { ...process.env, ...env, NO_COLOR: "1" };
    const functionsListeners: Array<(line: string) => void> = [];
    const functions = startChild({
      name: "the functions server",
      command: path.join(REPO_ROOT, "node_modules", ".bin", "deno"),
      args: [
        "run",
        "-A",
        "--config",
        "deno.json",
        "dev/functions/serve.ts",
        "--port",
        String(ports.functions),
      ],
      cwd: REPO_ROOT,
      env: { ...childEnv, FUNCTIONS_PORT: String(ports.functions) },
      onLine: (line) => {
        for (const listener of functionsListeners) listener(line);
        if (!line.startsWith("{")) log("functions")(line);
      },
    });
    stops.push({ name: "the functions server", stop: functions.stop });
    const functionsReady = waitForLine(
      functions,
      (l) => functionsListeners.push(l),
      (l) => l.includes('"event":"ready"'),
      180_000,
    );

    let vite: ChildService | undefined;
    let appUrl: string | null = null;
    if (withApp) {
      appUrl = `http://127.0.0.1:${ports.app}`;
      vite = startChild({
        name: "the app (Vite)",
        command: path.join(REPO_ROOT, "node_modules", ".bin", "vite"),
        args: ["--port", String(ports.app), "--strictPort", "--host", "127.0.0.1"],
        cwd: REPO_ROOT,
        env: {
          ...process.env,
          NO_COLOR: "1",
          BROWSER: "none",
          VITE_SUPABASE_URL: gatewayUrl,
          VITE_SUPABASE_PUBLISHABLE_KEY: keys.anonKey,
          VITE_SUPABASE_ANON_KEY: keys.anonKey,
        },
        onLine: log("app"),
      });
      stops.push({ name: "the app (Vite)", stop: vite.stop });
    }
    const readyLine = await functionsReady;
    const ready = JSON.parse(readyLine) as { functions: string[]; failed: string[] };
    log("functions")(
      `serving ${ready.functions.length ? ready.functions.join(", ") : "no functions"}${ready.failed.length ? `; failed to load: ${ready.failed.join(", ")}` : ""}`,
    );
    if (vite && appUrl) await waitForHttp(vite, appUrl, 120_000);

    // ---- pg_cron / pg_net stand-ins --------------------------------------------------------
    if (existsSync(cronModule)) {
      const { startCronRunner } = (await import(pathToFileURL(cronModule).href)) as {
        startCronRunner: (o: { databaseUrl: string; log?: (line: string) => void }) => {
          stop(): Promise<void>;
        };
      };
      const runner = startCronRunner({ databaseUrl: dbUrl, log: log("cron") });
      // Stops run in reverse order: the runner goes first, Postgres last.
      stops.push({ name: "the cron runner", stop: () => runner.stop() });
    }

    const info: StackInfo = {
      app_url: appUrl,
      supabase_url: gatewayUrl,
      anon_key: keys.anonKey,
      service_role_key: keys.serviceRoleKey,
      publishable_key: keys.publishableKey,
      secret_key: keys.secretKey,
      db_url: dbUrl,
      graph_emulator_url: graphUrl,
      graph_upload_url: graphUploadUrl,
      users: DEMO_USERS.map((u) => ({ ...u })),
      functions_url: functionsUrl,
      jwt_secret: secrets.jwt_secret,
      state_dir: stateDir,
      onedrive_dir: useEmulator ? onedriveDir : null,
      storage_dir: storageDir,
      pid: process.pid,
    };
    await writeStackFiles(stateDir, info, env);
    log("stack")(`ready in ${((Date.now() - started) / 1000).toFixed(1)} s`);
    return { info, env, stop };
  } catch (error) {
    await stop();
    throw error;
  }
}
