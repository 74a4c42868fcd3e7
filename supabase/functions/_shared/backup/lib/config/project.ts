/**
 * The Supabase project: its URL, the service key Storage needs, the database connection string, and the
 * fixed scheduler secret. All but the secret are required.
 */
import type { ConfigProblem, Env } from "./types.ts";
import { parseUrl, value } from "./env.ts";

/** Shortest BACKUP_CRON_SECRET accepted: the generated Vault secret has 64 hex characters. */
export const MIN_CRON_SECRET_LENGTH = 32;

/** SUPABASE_URL, SUPABASE_SERVICE_ROLE_KEY (or SUPABASE_SECRET_KEY), SUPABASE_DB_URL (or DATABASE_URL). */
export function parseProject(
  env: Env,
  problems: ConfigProblem[],
): { supabaseUrl: string; serviceKey: string; dbUrl: string } {
  const supabaseUrlRaw = value(env, "SUPABASE_URL");
  let supabaseUrl = "";
  if (!supabaseUrlRaw) {
    problems.push({
      variable: "SUPABASE_URL",
      message: "SUPABASE_URL is not set: set it to the project URL (https://<ref>.supabase.co)",
    });
  } else {
    supabaseUrl = parseUrl(
      supabaseUrlRaw,
      "SUPABASE_URL",
      problems,
      "the project URL (https://<ref>.supabase.co)",
      { allowHttp: true },
    ) ?? "";
  }
  const serviceKey = value(env, "SUPABASE_SERVICE_ROLE_KEY") ?? value(env, "SUPABASE_SECRET_KEY") ?? "";
  if (!serviceKey) {
    problems.push({
      variable: "SUPABASE_SERVICE_ROLE_KEY",
      message:
        "SUPABASE_SERVICE_ROLE_KEY is not set: set it (or SUPABASE_SECRET_KEY) to the project's service role or secret key",
    });
  }
  const dbUrl = value(env, "SUPABASE_DB_URL") ?? value(env, "DATABASE_URL") ?? "";
  if (!dbUrl) {
    problems.push({
      variable: "SUPABASE_DB_URL",
      message: "SUPABASE_DB_URL is not set: set it to the database connection string (postgresql://…)",
    });
  } else if (!/^postgres(ql)?:\/\//.test(dbUrl)) {
    problems.push({
      variable: "SUPABASE_DB_URL",
      message: "SUPABASE_DB_URL is not a Postgres connection string: it must start with postgresql://",
    });
  }
  return { supabaseUrl, serviceKey, dbUrl };
}

export function parseCronSecret(env: Env, problems: ConfigProblem[]): string | null {
  const secret = value(env, "BACKUP_CRON_SECRET");
  if (secret === undefined) return null;
  if (secret.length < MIN_CRON_SECRET_LENGTH) {
    // The value itself never goes into the message; its length says enough.
    problems.push({
      variable: "BACKUP_CRON_SECRET",
      message:
        `BACKUP_CRON_SECRET is too short (${secret.length} characters, at least ${MIN_CRON_SECRET_LENGTH} needed): set it to a long random value, e.g. the output of "openssl rand -hex 32", or remove it to use the secret generated in Vault`,
    });
  }
  return secret;
}
