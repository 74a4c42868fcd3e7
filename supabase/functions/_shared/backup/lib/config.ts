/**
 * The backup's configuration (docs/design.md §3), parsed and validated once from an environment map.
 *
 * Parsing never throws: every problem is collected with the variable's name and how to fix it, so the
 * `test` action can list them all and `status` can still report what is configured. A run refuses to
 * start while `problems` is not empty. Secret values are never copied into a problem's message.
 *
 * This file is the configuration's public entry: the parsers live in config/, one file per concern (the
 * project, Azure, the OneDrive destination, alerts, names of schemas and tables, retention, tuning).
 */

import type { BackupConfig, ConfigProblem, Env } from "./config/types.ts";
import { value } from "./config/env.ts";
import { parseCronSecret, parseProject } from "./config/project.ts";
import { AZURE_CREDENTIAL_NAMES, parseAzure } from "./config/azure.ts";
import { parseDestination } from "./config/destination.ts";
import { parseAlerts } from "./config/alerts.ts";
import { parseExcludes, parseSchemas } from "./config/names.ts";
import { parseRetention } from "./config/retention.ts";
import {
  parseCompression,
  parseFragmentBytes,
  parseMaxRunSeconds,
  parseRequestTimeoutSeconds,
} from "./config/tuning.ts";

export type {
  AzureCredentials,
  BackupConfig,
  Compression,
  ConfigProblem,
  Env,
  ExcludedTable,
  OneDriveDestination,
} from "./config/types.ts";
export { MIN_CRON_SECRET_LENGTH } from "./config/project.ts";
export { splitNames } from "./config/names.ts";
export { DEFAULT_RETENTION } from "./config/retention.ts";
export { DEFAULT_MAX_RUN_SECONDS, FRAGMENT_UNIT_BYTES } from "./config/tuning.ts";

export function parseConfig(env: Env): BackupConfig {
  const problems: ConfigProblem[] = [];
  // Each parser appends its problems in turn: the order below is the order they are listed in.
  const project = parseProject(env, problems);
  const azureAttempted = AZURE_CREDENTIAL_NAMES.some((n) => value(env, n) !== undefined);
  const azure = parseAzure(env, problems);
  const destination = parseDestination(env, azure !== null, azureAttempted, problems);
  const alerts = parseAlerts(env, azureAttempted, problems);

  return {
    ...project,
    azure,
    destination,
    cronSecret: parseCronSecret(env, problems),
    schemas: parseSchemas(env, problems),
    excludeTables: parseExcludes(env, problems),
    compression: parseCompression(env, problems),
    retention: parseRetention(env, problems),
    alertWebhookUrl: alerts.webhook,
    alertEmails: alerts.emails,
    alertSender: alerts.sender,
    maxRunSeconds: parseMaxRunSeconds(env, problems),
    uploadFragmentBytes: parseFragmentBytes(env, problems),
    requestTimeoutSeconds: parseRequestTimeoutSeconds(env, problems),
    problems,
  };
}

/** Values that must never appear in logs, rows, responses or alerts. */
export function secretValues(config: BackupConfig): string[] {
  const out = [config.serviceKey, config.azure?.clientSecret ?? "", config.cronSecret ?? ""];
  // A Teams or Slack incoming-webhook URL is a bearer credential (its path is the secret), and a failed
  // fetch names the URL in its error: hide it as written and as the URL parser prints it.
  if (config.alertWebhookUrl) {
    out.push(config.alertWebhookUrl);
    try {
      out.push(new URL(config.alertWebhookUrl).href);
    } catch {
      // Not a URL: the configuration already reports it.
    }
  }
  try {
    const password = new URL(config.dbUrl).password;
    if (password) out.push(password, decodeURIComponent(password));
  } catch {
    // Not a URL: nothing to extract.
  }
  return out.filter((s) => s.length >= 4);
}

/** One line per problem, for the CLI and the run's error column. */
export function describeProblems(problems: ConfigProblem[]): string {
  return problems.map((p) => p.message).join("; ");
}
