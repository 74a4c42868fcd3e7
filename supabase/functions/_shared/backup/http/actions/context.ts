/**
 * What every action shares, built once per handler: the pipeline's dependencies, the clock, the redactor,
 * the accepted scheduler secrets and the cached name of the OneDrive folder.
 */
import type { BackupConfig } from "../../lib/config.ts";
import { MIN_CRON_SECRET_LENGTH } from "../../lib/config.ts";
import type { PipelineDeps } from "../../run/pipeline.ts";
import { destinationOf } from "../../../graph/destination.ts";
import type { HandlerDeps } from "../handler-deps.ts";

export interface ActionContext {
  deps: HandlerDeps;
  config: BackupConfig;
  pipeline: PipelineDeps;
  now: () => Date;
  redact: (text: string) => string;
  /** BACKUP_CRON_SECRET when it is long enough to be a key, else null. */
  fixedCronSecret: string | null;
  /** The secrets the scheduler may present: the fixed one and/or the one in Vault. */
  schedulerSecrets(): Promise<string[]>;
  /** The OneDrive folder's name, or null when it is not configured or cannot be read. */
  folderName(): Promise<string | null>;
}

const FOLDER_NAME_TIMEOUT_MS = 5000;
const FOLDER_NAME_TTL_MS = 10 * 60_000;
const FOLDER_NAME_FAILURE_TTL_MS = 60_000;

/** The folder's name costs a Graph call: keep it for a while (failures for a shorter while). */
function cachedFolderName(deps: HandlerDeps, now: () => Date): () => Promise<string | null> {
  let cache: { name: string | null; expires: number } | null = null;
  return async () => {
    const dest = destinationOf(deps.config.destination);
    if (!deps.onedrive || !dest) return null;
    const t = now().getTime();
    if (cache && cache.expires > t) return cache.name;
    // The timer is cleared once the race is over, so a quick answer leaves nothing running behind it.
    let timer: ReturnType<typeof setTimeout> | undefined;
    try {
      const folder = await Promise.race([
        deps.onedrive.resolveFolder(dest),
        new Promise<never>((_, reject) => {
          timer = setTimeout(() => reject(new Error("timed out")), FOLDER_NAME_TIMEOUT_MS);
        }),
      ]);
      cache = { name: folder.name, expires: t + FOLDER_NAME_TTL_MS };
    } catch {
      cache = { name: null, expires: t + FOLDER_NAME_FAILURE_TTL_MS };
    } finally {
      clearTimeout(timer);
    }
    return cache.name;
  };
}

export function createActionContext(deps: HandlerDeps): ActionContext {
  const { config, sql } = deps;
  const now = deps.now ?? (() => new Date());
  // A too-short BACKUP_CRON_SECRET is a configuration problem and never a key.
  const fixedCronSecret = config.cronSecret && config.cronSecret.length >= MIN_CRON_SECRET_LENGTH
    ? config.cronSecret
    : null;
  return {
    deps,
    config,
    pipeline: {
      ...deps.pipeline,
      config,
      sql,
      storage: deps.storage,
      onedrive: deps.onedrive,
      fetch: deps.fetch,
    },
    now,
    redact: deps.pipeline.redact,
    fixedCronSecret,
    async schedulerSecrets() {
      const out: string[] = [];
      if (fixedCronSecret) out.push(fixedCronSecret);
      const vault = await deps.schedule.readCronSecret(sql).catch((error) => {
        // Without a Vault secret the fixed one may still be enough.
        if (out.length) return null;
        throw error;
      });
      if (vault) out.push(vault);
      return out;
    },
    folderName: cachedFolderName(deps, now),
  };
}
