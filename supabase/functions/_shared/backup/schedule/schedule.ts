/**
 * The backup schedule: one pg_cron job, `auto-backup`, that calls this function with pg_net, authenticated
 * by a random secret kept in Vault (never the anon or publishable key, which every visitor has).
 *
 * - setSchedule validates the expression, keeps the project URL and the secret in Vault (the secret is
 *   generated once and reused, the URL follows the project), and creates or replaces the job;
 *   `cron: null` removes the job and leaves the Vault secrets for next time.
 * - getSchedule reads the job back and computes its next run (UTC, as pg_cron runs it).
 * - readCronSecret is what the HTTP handler compares the `x-backup-secret` header with.
 *
 * Every statement takes its values as bound parameters; the job's command is a constant (schedule-job.ts).
 */
import type postgres from "postgres";
import { nextRunAt, normalizeCron, validateCron } from "./schedule-cron.ts";
import { ScheduleError } from "./schedule-error.ts";
import {
  CRON_SECRET_NAME,
  PROJECT_URL_SECRET_NAME,
  SCHEDULE_JOB_COMMAND,
  SCHEDULE_JOB_NAME,
} from "./schedule-job.ts";

export { validateCron };

type Sql = postgres.Sql;
type Tx = postgres.TransactionSql;

export interface BackupSchedule {
  /** The five-field expression of the job, or null when there is no job. */
  cron: string | null;
  /** ISO time of the next run; null without a job, or while the job is paused (cron.alter_job). */
  next_run_at: string | null;
  timezone: "UTC";
}

export interface SetScheduleOptions {
  /** Five-field cron expression in UTC, or null to remove the schedule. */
  cron: string | null;
  /** The project's URL (SUPABASE_URL), which the job calls at `/functions/v1/auto-backup`. */
  projectUrl: string;
  generateSecret?: () => string;
  now?: () => Date;
}

const MIN_SECRET_LENGTH = 32;

/** 32 random bytes, base64url without padding (43 characters). */
export function generateCronSecret(): string {
  const bytes = crypto.getRandomValues(new Uint8Array(32));
  let binary = "";
  for (const byte of bytes) binary += String.fromCharCode(byte);
  return btoa(binary).replaceAll("+", "-").replaceAll("/", "_").replace(/=+$/, "");
}

/** The URL pg_net will call, without a trailing slash; only http(s), no query, fragment or credentials. */
export function normalizeProjectUrl(value: string): string {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw new ScheduleError(
      "invalid_project_url",
      `Cannot set the backup schedule: the project URL "${value}" is not a URL; check SUPABASE_URL`,
    );
  }
  if (url.protocol !== "https:" && url.protocol !== "http:") {
    throw new ScheduleError(
      "invalid_project_url",
      `Cannot set the backup schedule: the project URL "${value}" must start with https://; check SUPABASE_URL`,
    );
  }
  if (url.username || url.password || url.search || url.hash) {
    throw new ScheduleError(
      "invalid_project_url",
      `Cannot set the backup schedule: the project URL "${url.origin}${url.pathname}" must not carry credentials, a query or a fragment; check SUPABASE_URL`,
    );
  }
  return `${url.origin}${url.pathname}`.replace(/\/+$/, "");
}

function schedule(cron: string | null, now: Date, active = true): BackupSchedule {
  const next = cron !== null && active ? nextRunAt(cron, now) : null;
  return { cron, next_run_at: next ? next.toISOString() : null, timezone: "UTC" };
}

interface Capabilities {
  cron: boolean;
  net: boolean;
  vault: boolean;
}

async function capabilities(sql: Sql | Tx): Promise<Capabilities> {
  const [row] = await sql<Capabilities[]>`
    select
      pg_catalog.to_regclass('cron.job') is not null as cron,
      pg_catalog.to_regprocedure('net.http_post(text,jsonb,jsonb,jsonb,integer)') is not null as net,
      pg_catalog.to_regclass('vault.decrypted_secrets') is not null as vault`;
  return row;
}

function unavailable(extension: "pg_cron" | "pg_net" | "supabase_vault"): ScheduleError {
  return new ScheduleError(
    "scheduler_unavailable",
    `Cannot set the backup schedule: the "${extension}" extension is not enabled in this database; enable it in the Supabase dashboard (Database > Extensions) or apply the project's migrations, then save the schedule again`,
  );
}

async function readSecret(sql: Sql | Tx, name: string): Promise<{ id: string; value: string | null } | null> {
  const rows = await sql<{ id: string; value: string | null }[]>`
    select id::text as id, decrypted_secret as value
    from vault.decrypted_secrets
    where name = ${name}::text
    order by created_at
    limit 1`;
  return rows[0] ?? null;
}

async function keepProjectUrl(tx: Tx, url: string): Promise<void> {
  const existing = await readSecret(tx, PROJECT_URL_SECRET_NAME);
  if (!existing) {
    await tx`select vault.create_secret(
      ${url}::text, ${PROJECT_URL_SECRET_NAME}::text,
      ${"Project URL called by the pg_cron job auto-backup (OneDrive backup)"}::text)`;
  } else if (existing.value !== url) {
    await tx`select vault.update_secret(${existing.id}::uuid, ${url}::text)`;
  }
}

async function ensureCronSecret(tx: Tx, generate: () => string): Promise<void> {
  const existing = await readSecret(tx, CRON_SECRET_NAME);
  if (existing?.value) return;
  const secret = generate();
  if (typeof secret !== "string" || secret.length < MIN_SECRET_LENGTH) {
    throw new Error(
      `Cannot set the backup schedule: the generated scheduler secret is shorter than ${MIN_SECRET_LENGTH} characters`,
    );
  }
  if (existing) {
    await tx`select vault.update_secret(${existing.id}::uuid, ${secret}::text)`;
  } else {
    await tx`select vault.create_secret(
      ${secret}::text, ${CRON_SECRET_NAME}::text,
      ${"Secret the pg_cron job auto-backup sends in x-backup-secret (OneDrive backup)"}::text)`;
  }
}

/**
 * Creates, replaces (`cron` set) or removes (`cron: null`) the pg_cron job `auto-backup`. Throws a
 * ScheduleError for an invalid expression or project URL, or when pg_cron, pg_net or Vault is missing.
 */
export async function setSchedule(sql: Sql, opts: SetScheduleOptions): Promise<BackupSchedule> {
  const now = opts.now ?? (() => new Date());
  let expr: string | null = null;
  let projectUrl: string | null = null;
  if (opts.cron !== null) {
    validateCron(opts.cron);
    expr = normalizeCron(opts.cron);
    projectUrl = normalizeProjectUrl(opts.projectUrl);
  }

  await sql.begin(async (tx) => {
    // Two admins saving at once must not create the Vault secret twice (its name is unique).
    await tx`select pg_catalog.pg_advisory_xact_lock(pg_catalog.hashtext(${"auto-backup schedule"}::text))`;
    const has = await capabilities(tx);

    if (expr === null || projectUrl === null) {
      if (!has.cron) return; // no scheduler, so no job to remove
      const jobs = await tx<{ jobid: string }[]>`
        select jobid::text as jobid from cron.job
        where jobname = ${SCHEDULE_JOB_NAME}::text and username = current_user`;
      for (const job of jobs) await tx`select cron.unschedule(${job.jobid}::bigint)`;
      return;
    }

    if (!has.cron) throw unavailable("pg_cron");
    if (!has.net) throw unavailable("pg_net");
    if (!has.vault) throw unavailable("supabase_vault");

    await keepProjectUrl(tx, projectUrl);
    await ensureCronSecret(tx, opts.generateSecret ?? generateCronSecret);
    // pg_cron (1.3 and later) replaces the job of the same name and user, keeping its id.
    const [{ jobid }] = await tx<{ jobid: string }[]>`
      select cron.schedule(${SCHEDULE_JOB_NAME}::text, ${expr}::text, ${SCHEDULE_JOB_COMMAND}::text)::text as jobid`;
    // Saving a schedule means "run it": resume the job if it was paused by hand (cron.alter_job).
    const [job] = await tx<{ active: boolean }[]>`select active from cron.job where jobid = ${jobid}::bigint`;
    if (job && !job.active) await tx`select cron.alter_job(${jobid}::bigint, active := true)`;
  });

  return schedule(expr, now());
}

/** The current schedule; no job (or no pg_cron at all) reads as `cron: null`. */
export async function getSchedule(sql: Sql, opts: { now?: () => Date } = {}): Promise<BackupSchedule> {
  const now = opts.now ?? (() => new Date());
  const has = await capabilities(sql);
  if (!has.cron) return schedule(null, now());
  const [job] = await sql<{ schedule: string; active: boolean }[]>`
    select schedule, active from cron.job
    where jobname = ${SCHEDULE_JOB_NAME}::text and username = current_user
    order by jobid
    limit 1`;
  return job ? schedule(job.schedule, now(), job.active) : schedule(null, now());
}

/** The scheduler secret kept in Vault (`auto_backup_cron_secret`), or null when none was made yet. */
export async function readCronSecret(sql: Sql): Promise<string | null> {
  const has = await capabilities(sql);
  if (!has.vault) return null;
  const secret = await readSecret(sql, CRON_SECRET_NAME);
  return secret?.value || null;
}
