/**
 * `npm run backup`: one backup now, with the same pipeline as the edge function (trigger `cli`).
 *
 * Settings come from the environment, then `.env`, then `.local/stack.env`. Progress goes to stdout;
 * the exit code is 0 only when every configured destination holds a verified copy (1 for partial or
 * failed runs, 2 for configuration errors, 3 when another run is in progress).
 */
import type { ProgressEvent } from "../supabase/functions/_shared/backup/run/pipeline.ts";
import { runBackup } from "../supabase/functions/_shared/backup/run/pipeline.ts";
import { createBackupServices } from "../supabase/functions/_shared/backup/run/services.ts";
import { installDriverCrashGuard } from "../supabase/functions/_shared/backup/lib/driver-guard.ts";
import { loadCliEnvironment } from "./lib/env-files.ts";
import { formatBytes, formatCount, formatSeconds } from "./lib/text.ts";

/**
 * Progress lines. Destination messages come from the pipeline before it redacts its final error, so
 * every line passes through the redactor here (an upload URL or a key must not reach a terminal or a
 * CI log).
 */
function printer(redact: (text: string) => string): (event: ProgressEvent) => void {
  let lastUploadLine = 0;
  const console = { log: (line: string) => globalThis.console.log(redact(line)) };
  return (event) => {
    switch (event.type) {
      case "started":
        console.log(`Run ${event.runId}: ${event.fileName}`);
        break;
      case "phase":
        console.log(`▸ ${event.phase}`);
        break;
      case "table":
        console.log(
          `  [${event.done}/${event.total}] ${event.table.schema}.${event.table.name}: ${
            formatCount(event.table.rows)
          } rows`,
        );
        break;
      case "exported":
        console.log(
          `  ${event.summary.tableCount} tables, ${formatCount(event.summary.rowCount)} rows → ${
            formatBytes(event.size)
          } (SHA-256 ${event.sha256})`,
        );
        break;
      case "uploaded": {
        const now = Date.now();
        if (now - lastUploadLine > 2000 || event.bytes === event.total) {
          lastUploadLine = now;
          console.log(`  OneDrive: ${formatBytes(event.bytes)} of ${formatBytes(event.total)}`);
        }
        break;
      }
      case "destination":
        console.log(`  ${event.destination}: ${event.status}${event.message ? ` (${event.message})` : ""}`);
        break;
      case "pruned":
        if (event.deleted.length) {
          console.log(
            `  ${event.destination}: deleted ${event.deleted.length} old backup(s): ${
              event.deleted.join(", ")
            }`,
          );
        }
        break;
      case "warning":
        console.log(`  warning: ${event.message}`);
        break;
    }
  };
}

async function main(): Promise<number> {
  installDriverCrashGuard((m) => console.error(m));
  const { env, sources } = await loadCliEnvironment();
  const services = createBackupServices(env, { applicationName: "auto-backup-cli", maxConnections: 3 });
  const { config } = services;
  try {
    if (config.problems.length) {
      console.error(
        `Cannot start the backup: the configuration is invalid (read from ${sources.join(", ")}):`,
      );
      for (const p of config.problems) console.error(`  ${p.variable}: ${p.message}`);
      return 2;
    }
    console.log(
      `Backing up schemas ${config.schemas.join(", ")} to Supabase Storage${
        services.onedrive ? " and OneDrive" : " (OneDrive not configured: skipped)"
      }`,
    );
    const started = Date.now();
    let outcome;
    try {
      outcome = await runBackup({ ...services.pipeline, onProgress: printer(services.redact) }, {
        trigger: "cli",
        requestedBy: null,
      });
    } catch (error) {
      console.error(services.redact(`Cannot start the backup: ${(error as Error).message}`));
      return 1;
    }
    if ("busy" in outcome) {
      console.error(`Cannot start the backup: run ${outcome.runningId} is already in progress`);
      return 3;
    }
    console.log(
      `${outcome.status.toUpperCase()} in ${formatSeconds(Date.now() - started)}: ${
        outcome.fileName ?? "no file"
      }${
        outcome.size !== null ? `, ${formatBytes(outcome.size)}` : ""
      }; Storage ${outcome.storageStatus}, OneDrive ${outcome.onedriveStatus}`,
    );
    if (outcome.error) {
      console.log(services.redact(`${outcome.status === "success" ? "Note" : "Error"}: ${outcome.error}`));
    }
    return outcome.status === "success" ? 0 : 1;
  } finally {
    await services.close();
  }
}

Deno.exit(await main());
