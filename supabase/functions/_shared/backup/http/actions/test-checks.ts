/**
 * `test`: one check per part the backup needs (configuration, database, Storage, OneDrive), each saying
 * what it found or what to fix. A failed check is an answer, not an error: the action still answers 200.
 */
import { describeProblems } from "../../lib/config.ts";
import { errorMessage } from "../../lib/errors.ts";
import { publicBucketMessage } from "../../destinations/bucket-guard.ts";
import type { BackupCheck, TestResponse } from "../contract.ts";
import { json } from "../respond.ts";
import { destinationOf } from "../../../graph/destination.ts";
import type { ActionContext } from "./context.ts";

function configurationCheck(ctx: ActionContext): BackupCheck {
  const { problems } = ctx.config;
  return problems.length
    ? { name: "configuration", ok: false, message: describeProblems(problems) }
    : { name: "configuration", ok: true, message: "Every setting is valid" };
}

async function databaseCheck(ctx: ActionContext): Promise<BackupCheck> {
  try {
    const [row] = await ctx.deps.sql<Array<{ version: string; runs: string | null }>>`
      select current_setting('server_version') as version, to_regclass('public.backup_runs')::text as runs`;
    return row.runs ? { name: "database", ok: true, message: `Connected to PostgreSQL ${row.version}` } : {
      name: "database",
      ok: false,
      message: "Cannot find the table public.backup_runs: apply the project's migrations",
    };
  } catch (error) {
    return { name: "database", ok: false, message: `Cannot connect to the database: ${errorMessage(error)}` };
  }
}

async function storageCheck(ctx: ActionContext): Promise<BackupCheck> {
  const { storage } = ctx.deps;
  try {
    const bucket = await storage.bucketInfo();
    if (bucket?.public) {
      return {
        name: "storage",
        ok: false,
        message: `Cannot use Storage: ${publicBucketMessage(storage.bucket)}`,
      };
    }
    if (bucket) {
      return {
        name: "storage",
        ok: true,
        message: `The Storage bucket "${storage.bucket}" exists and is private`,
      };
    }
    return {
      name: "storage",
      ok: false,
      message: `Cannot find the Storage bucket "${storage.bucket}": apply the project's migrations`,
    };
  } catch (error) {
    return { name: "storage", ok: false, message: errorMessage(error) };
  }
}

async function onedriveChecks(ctx: ActionContext): Promise<BackupCheck[]> {
  const dest = destinationOf(ctx.config.destination);
  const { onedrive } = ctx.deps;
  if (onedrive && dest) {
    try {
      return await onedrive.probe(dest);
    } catch (error) {
      return [{ name: "onedrive", ok: false, message: errorMessage(error) }];
    }
  }
  if (ctx.config.problems.some((p) => /^(AZURE|ONEDRIVE|GRAPH)_/.test(p.variable))) {
    return [{
      name: "onedrive",
      ok: false,
      message: "Cannot check OneDrive: fix the OneDrive settings listed under configuration first",
    }];
  }
  return [{
    name: "onedrive",
    ok: true,
    message:
      "OneDrive is not configured: backups go to Supabase Storage only (set AZURE_TENANT_ID, AZURE_CLIENT_ID, AZURE_CLIENT_SECRET and ONEDRIVE_BACKUP_LINK to add it)",
  }];
}

export async function testAction(ctx: ActionContext): Promise<Response> {
  const checks: BackupCheck[] = [
    configurationCheck(ctx),
    await databaseCheck(ctx),
    await storageCheck(ctx),
    ...await onedriveChecks(ctx),
  ];
  return json<TestResponse>(200, { checks: checks.map((c) => ({ ...c, message: ctx.redact(c.message) })) });
}
