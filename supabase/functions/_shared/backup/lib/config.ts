/**
 * The backup's configuration (DESIGN section 3), parsed and validated once from an environment map.
 *
 * Parsing never throws: every problem is collected with the variable's name and how to fix it, so the
 * `test` action can list them all and `status` can still report what is configured. A run refuses to
 * start while `problems` is not empty. Secret values are never copied into a problem's message.
 */

import type { RetentionPolicy } from "../run/retention-plan.ts";

export type Compression = "gzip" | "none";

export interface AzureCredentials {
  tenantId: string;
  clientId: string;
  clientSecret: string;
  authorityHost: string;
  graphBaseUrl: string;
  /**
   * GRAPH_UPLOAD_ORIGINS: exact origins trusted for upload URLs besides Microsoft's SharePoint hosts and the
   * Graph host. Only the local stack sets it (for its Graph emulator); empty by default.
   */
  uploadOrigins: string[];
}

export type OneDriveDestination =
  | { kind: "link"; link: string }
  | { kind: "ids"; driveId: string; folderId: string };

export interface ExcludedTable {
  /** null: the table name matches in every exported schema. */
  schema: string | null;
  name: string;
}

export interface ConfigProblem {
  variable: string;
  message: string;
}

export interface BackupConfig {
  supabaseUrl: string;
  /** Service role key (or the new secret key); used for Storage only. */
  serviceKey: string;
  dbUrl: string;
  azure: AzureCredentials | null;
  destination: OneDriveDestination | null;
  /**
   * Fixed scheduler secret from BACKUP_CRON_SECRET; the Vault secret is read separately. Kept even when too
   * short (a problem is recorded, and the handler never accepts it) so that it is still redacted.
   */
  cronSecret: string | null;
  schemas: string[];
  excludeTables: ExcludedTable[];
  compression: Compression;
  /** BACKUP_RETENTION, BACKUP_RETENTION_COUNT, BACKUP_MIN_AGE_DAYS (retention-plan.ts says what they mean). */
  retention: RetentionPolicy;
  alertWebhookUrl: string | null;
  alertEmails: string[];
  alertSender: string | null;
  /** A running row whose heartbeat is older than this is considered dead (platform limit + margin). */
  maxRunSeconds: number;
  /**
   * BACKUP_UPLOAD_FRAGMENT_BYTES: size of the OneDrive upload-session fragments (a multiple of 320 KiB,
   * under 60 MiB); null keeps the Graph client's default (10 MiB). Smaller fragments suit slow links.
   */
  uploadFragmentBytes: number | null;
  /**
   * BACKUP_REQUEST_TIMEOUT_SECONDS: longest wait for one answer from Storage or Graph (a Storage upload,
   * an upload fragment, any other request) before it is abandoned and retried; null keeps the clients'
   * defaults (Storage 30 s, Storage uploads 300 s, Graph 120 s).
   */
  requestTimeoutSeconds: number | null;
  problems: ConfigProblem[];
}

export type Env = Record<string, string | undefined>;

const DEFAULT_AUTHORITY = "https://login.microsoftonline.com";
const DEFAULT_GRAPH = "https://graph.microsoft.com";
/** Paid plans stop edge functions after 400 s of wall clock; 30 s of margin for the last heartbeat. */
export const DEFAULT_MAX_RUN_SECONDS = 430;

/** Graph upload-session fragments are multiples of 320 KiB and stay under 60 MiB. */
export const FRAGMENT_UNIT_BYTES = 320 * 1024;
const MAX_FRAGMENT_BYTES = 191 * FRAGMENT_UNIT_BYTES;

const GUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const DOMAIN = /^[a-z0-9]([a-z0-9-]*[a-z0-9])?(\.[a-z0-9]([a-z0-9-]*[a-z0-9])?)+$/i;
const EMAIL = /^[^\s@"'<>(),;:\\[\]]+@[^\s@"'<>(),;:\\[\]]+\.[^\s@"'<>(),;:\\[\]]+$/;
const MULTI_TENANT_ALIASES = new Set(["common", "organizations", "consumers"]);
/** Postgres' own schemas: nothing of the app lives there, and their contents cannot be restored. */
const SYSTEM_SCHEMA = /^(pg_catalog|information_schema|pg_toast|pg_temp_\d+|pg_toast_temp_\d+)$/;

/**
 * Schemas BACKUP_SCHEMAS refuses, with the reason: Supabase's own services and secrets. Their tables hold
 * credentials (auth, vault, pgsodium) or machinery that runs SQL and HTTP requests when its rows are
 * restored (cron, net), and none of them is the app's data. `auth` gets a dedicated, encrypted path later.
 */
const REFUSED_SCHEMAS: Array<[RegExp, string]> = [
  [
    /^auth$/,
    "holds the users' password hashes, sessions and refresh tokens, which a plain backup file must not carry (an encrypted auth backup is planned separately)",
  ],
  [/^vault$/, "holds the project's encrypted secrets"],
  [/^pgsodium(_masks)?$/, "holds encryption keys"],
  [/^cron$/, "holds pg_cron's jobs, which run SQL as their owner"],
  [/^net$/, "holds pg_net's queue of HTTP requests"],
  [/^realtime$/, "belongs to Supabase Realtime"],
  [/^extensions$/, "holds extensions' objects, not app data"],
  [/^supabase_/, "belongs to Supabase's own services"],
  [/^pg_/, "is reserved for Postgres itself"],
];

/** Shortest BACKUP_CRON_SECRET accepted: the generated Vault secret has 64 hex characters. */
export const MIN_CRON_SECRET_LENGTH = 32;

function value(env: Env, name: string): string | undefined {
  const v = env[name];
  if (v === undefined) return undefined;
  const trimmed = v.trim();
  return trimmed === "" ? undefined : trimmed;
}

function isLoopback(host: string): boolean {
  const h = host.replace(/^\[|\]$/g, "");
  return h === "localhost" || h === "::1" || /^127\.\d+\.\d+\.\d+$/.test(h);
}

/**
 * Checks that `raw` is an https URL (http is accepted for loopback hosts only, for local stacks).
 * Returns the URL without a trailing slash, or records a problem.
 */
function parseUrl(
  raw: string,
  variable: string,
  problems: ConfigProblem[],
  what: string,
  options: { allowHttp?: boolean } = {},
): string | null {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    problems.push({ variable, message: `${variable} is not a URL: set it to ${what}` });
    return null;
  }
  const httpOk = url.protocol === "http:" && (options.allowHttp || isLoopback(url.hostname));
  if (url.protocol !== "https:" && !httpOk) {
    problems.push({
      variable,
      message: `${variable} must be an https URL (it uses "${url.protocol}"): set it to ${what}`,
    });
    return null;
  }
  return raw.replace(/\/+$/, "");
}

/** Postgres identifiers as stored in the catalog: any text up to 63 bytes, no NUL. */
function validIdentifier(name: string): boolean {
  return name.length > 0 && new TextEncoder().encode(name).length <= 63 && !name.includes("\0");
}

function parseList(raw: string | undefined): string[] {
  if (!raw) return [];
  return raw.split(",").map((s) => s.trim()).filter((s) => s !== "");
}

/**
 * Splits a comma list of names. A name may be double-quoted, Postgres-style, to hold commas, dots or
 * leading spaces (`"My, Schema"`, `"odd""name"`); unquoted names are taken exactly as written (no case
 * folding: write them as the dashboard shows them). Returns null when a quote is left open.
 */
export function splitNames(raw: string): string[] | null {
  const out: string[] = [];
  let current = "";
  let quoted = false;
  for (let i = 0; i < raw.length; i++) {
    const c = raw[i];
    if (c === '"' && !quoted && (current.trim() === "" || current.endsWith("."))) {
      // A quoted name starts an entry or follows the dot of schema.table.
      current = current.trim() === "" ? '"' : `${current}"`;
      quoted = true;
    } else if (c === '"' && quoted) {
      if (raw[i + 1] === '"') {
        current += '""';
        i++;
      } else {
        current += '"';
        quoted = false;
      }
    } else if (c === "," && !quoted) {
      out.push(current.trim());
      current = "";
    } else {
      current += c;
    }
  }
  if (quoted) return null;
  out.push(current.trim());
  return out;
}

/** Reads one name at the start of `text`: `"quoted"` (with `""` inside) or the text up to `stop`. */
function readName(text: string, stop: string | null): { name: string; rest: string } | null {
  if (text.startsWith('"')) {
    let name = "";
    for (let i = 1; i < text.length; i++) {
      if (text[i] !== '"') {
        name += text[i];
      } else if (text[i + 1] === '"') {
        name += '"';
        i++;
      } else {
        return { name, rest: text.slice(i + 1) };
      }
    }
    return null;
  }
  const at = stop === null ? -1 : text.indexOf(stop);
  return at < 0 ? { name: text, rest: "" } : { name: text.slice(0, at), rest: text.slice(at) };
}

function parseSchemas(env: Env, problems: ConfigProblem[]): string[] {
  const raw = env.BACKUP_SCHEMAS;
  if (raw === undefined || raw === "") return ["public"];
  const items = splitNames(raw);
  if (items === null) {
    problems.push({
      variable: "BACKUP_SCHEMAS",
      message: `BACKUP_SCHEMAS has an unclosed double quote in "${raw}": close it, or remove the quotes`,
    });
    return ["public"];
  }
  if (items.some((s) => s === "")) {
    problems.push({
      variable: "BACKUP_SCHEMAS",
      message: `BACKUP_SCHEMAS has an empty entry in "${raw}": list schema names separated by commas`,
    });
  }
  const names: string[] = [];
  for (const item of items.filter((s) => s !== "")) {
    const read = readName(item, null);
    if (!read || read.rest.trim() !== "") {
      problems.push({
        variable: "BACKUP_SCHEMAS",
        message:
          `BACKUP_SCHEMAS has an invalid entry "${item}": write a schema name, double-quoted if it holds a comma`,
      });
      continue;
    }
    names.push(read.name);
  }
  const schemas = [...new Set(names)];
  for (const s of schemas) {
    if (!validIdentifier(s)) {
      problems.push({
        variable: "BACKUP_SCHEMAS",
        message: `BACKUP_SCHEMAS has an invalid schema name "${s}": names are 1 to 63 bytes`,
      });
    } else if (SYSTEM_SCHEMA.test(s)) {
      problems.push({
        variable: "BACKUP_SCHEMAS",
        message:
          `BACKUP_SCHEMAS lists the system schema "${s}", which holds Postgres' own catalog and no app data: remove it and list your app's schemas (e.g. public)`,
      });
    } else {
      const refused = REFUSED_SCHEMAS.find(([pattern]) => pattern.test(s));
      if (refused) {
        problems.push({
          variable: "BACKUP_SCHEMAS",
          message: `BACKUP_SCHEMAS lists the schema "${s}", which ${
            refused[1]
          }: remove it and list your app's schemas (e.g. public)`,
        });
      }
    }
  }
  return schemas.length ? schemas : ["public"];
}

function parseExcludes(env: Env, problems: ConfigProblem[]): ExcludedTable[] {
  const raw = value(env, "BACKUP_EXCLUDE_TABLES");
  if (!raw) return [];
  const items = splitNames(raw);
  if (items === null) {
    problems.push({
      variable: "BACKUP_EXCLUDE_TABLES",
      message:
        `BACKUP_EXCLUDE_TABLES has an unclosed double quote in "${raw}": close it, or remove the quotes`,
    });
    return [];
  }
  const out: ExcludedTable[] = [];
  for (const item of items.filter((s) => s !== "")) {
    // `table`, `schema.table`, or either part double-quoted when the name holds a dot or a comma.
    const first = readName(item, ".");
    let excluded: ExcludedTable | null = null;
    if (first && first.rest === "") excluded = { schema: null, name: first.name };
    else if (first && first.rest.startsWith(".")) {
      const second = readName(first.rest.slice(1), null);
      if (second && second.rest.trim() === "") excluded = { schema: first.name, name: second.name };
    }
    if (
      !excluded || (excluded.schema !== null && !validIdentifier(excluded.schema)) ||
      !validIdentifier(excluded.name)
    ) {
      problems.push({
        variable: "BACKUP_EXCLUDE_TABLES",
        message:
          `BACKUP_EXCLUDE_TABLES has an invalid entry "${item}": use "table" or "schema.table", separated by commas (double-quote a name that holds a dot or a comma)`,
      });
      continue;
    }
    out.push(excluded);
  }
  return out;
}

function parseCronSecret(env: Env, problems: ConfigProblem[]): string | null {
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

function parseCompression(env: Env, problems: ConfigProblem[]): Compression {
  const raw = value(env, "BACKUP_COMPRESSION");
  if (raw === undefined) return "gzip";
  const v = raw.toLowerCase();
  if (v === "gzip" || v === "none") return v;
  problems.push({
    variable: "BACKUP_COMPRESSION",
    message: `BACKUP_COMPRESSION must be "gzip" or "none", not "${raw}"`,
  });
  return "gzip";
}

function parseNonNegativeInteger(
  env: Env,
  name: string,
  fallback: number,
  problems: ConfigProblem[],
  hint: string,
  minimum = 0,
): number {
  const raw = value(env, name);
  if (raw === undefined) return fallback;
  if (!/^\d+$/.test(raw) || Number(raw) < minimum || !Number.isSafeInteger(Number(raw))) {
    problems.push({ variable: name, message: `${name} must be a whole number ${hint}, not "${raw}"` });
    return fallback;
  }
  return Number(raw);
}

/** Defaults of BACKUP_RETENTION, BACKUP_RETENTION_COUNT and BACKUP_MIN_AGE_DAYS. */
export const DEFAULT_RETENTION: RetentionPolicy = {
  keepAll: false,
  keepLast: 3,
  daily: 7,
  weekly: 4,
  monthly: 12,
  minAgeDays: 7,
};

const RETENTION_EXAMPLE = `e.g. "daily=7,weekly=4,monthly=12", or "all" to keep every backup`;

/**
 * BACKUP_RETENTION: `tier=count` entries (daily, weekly, monthly), comma separated; a tier left out keeps
 * its default, `tier=0` turns it off, `all` turns pruning off. BACKUP_RETENTION_COUNT: at least this many
 * newest backups are kept whatever their age (`0` turns pruning off, as it always has).
 * BACKUP_MIN_AGE_DAYS: no backup younger than this is deleted.
 */
function parseRetention(env: Env, problems: ConfigProblem[]): RetentionPolicy {
  const policy = { ...DEFAULT_RETENTION };
  const raw = value(env, "BACKUP_RETENTION");
  if (raw !== undefined && raw.toLowerCase() === "all") {
    policy.keepAll = true;
  } else if (raw !== undefined) {
    const seen = new Set<string>();
    for (const entry of raw.split(",").map((e) => e.trim())) {
      const match = /^(daily|weekly|monthly)\s*=\s*(\d{1,6})$/i.exec(entry);
      const tier = match?.[1].toLowerCase() as "daily" | "weekly" | "monthly" | undefined;
      if (!match || !tier) {
        problems.push({
          variable: "BACKUP_RETENTION",
          message: entry === ""
            ? `BACKUP_RETENTION "${raw}": it has an empty entry; write tier=count pairs separated by commas, ${RETENTION_EXAMPLE}`
            : `BACKUP_RETENTION "${entry}": write tier=count with tier daily, weekly or monthly and a whole number, ${RETENTION_EXAMPLE}`,
        });
        continue;
      }
      if (seen.has(tier)) {
        problems.push({
          variable: "BACKUP_RETENTION",
          message:
            `BACKUP_RETENTION "${raw}": "${tier}" is given twice; give each tier once, ${RETENTION_EXAMPLE}`,
        });
        continue;
      }
      seen.add(tier);
      policy[tier] = Number(match[2]);
    }
  }
  policy.keepLast = parseNonNegativeInteger(
    env,
    "BACKUP_RETENTION_COUNT",
    DEFAULT_RETENTION.keepLast,
    problems,
    "of backups to keep (0 keeps all)",
  );
  if (policy.keepLast === 0) policy.keepAll = true;
  policy.minAgeDays = parseNonNegativeInteger(
    env,
    "BACKUP_MIN_AGE_DAYS",
    DEFAULT_RETENTION.minAgeDays,
    problems,
    "of days during which no backup is deleted",
  );
  return policy;
}

function parseFragmentBytes(env: Env, problems: ConfigProblem[]): number | null {
  const raw = value(env, "BACKUP_UPLOAD_FRAGMENT_BYTES");
  if (raw === undefined) return null;
  const n = Number(raw);
  if (!/^\d+$/.test(raw) || n === 0 || n % FRAGMENT_UNIT_BYTES !== 0 || n > MAX_FRAGMENT_BYTES) {
    problems.push({
      variable: "BACKUP_UPLOAD_FRAGMENT_BYTES",
      message:
        `BACKUP_UPLOAD_FRAGMENT_BYTES must be a multiple of 327680 (320 KiB) up to ${MAX_FRAGMENT_BYTES}, not "${raw}": e.g. 10485760 for 10 MiB`,
    });
    return null;
  }
  return n;
}

function parseTenant(raw: string, problems: ConfigProblem[]): void {
  if (MULTI_TENANT_ALIASES.has(raw.toLowerCase())) {
    problems.push({
      variable: "AZURE_TENANT_ID",
      message:
        `AZURE_TENANT_ID cannot be "${raw}" for an app-only sign-in: use the Directory (tenant) ID from the app's Overview page`,
    });
  } else if (!GUID.test(raw) && !DOMAIN.test(raw)) {
    problems.push({
      variable: "AZURE_TENANT_ID",
      message:
        "AZURE_TENANT_ID is not a tenant ID: use the Directory (tenant) ID, a GUID like 00000000-0000-0000-0000-000000000000, or a domain like contoso.onmicrosoft.com (no spaces, braces or quotes)",
    });
  }
}

/** GRAPH_UPLOAD_ORIGINS: https origins, or http on a loopback address (a local Graph emulator). */
function parseUploadOrigins(env: Env, problems: ConfigProblem[]): string[] {
  const origins: string[] = [];
  for (const item of parseList(value(env, "GRAPH_UPLOAD_ORIGINS"))) {
    const parsed = parseUrl(
      item,
      "GRAPH_UPLOAD_ORIGINS",
      problems,
      "the local Graph emulator's upload origin, e.g. http://127.0.0.2:54330 (leave it unset with Microsoft Graph)",
    );
    if (parsed) origins.push(new URL(parsed).origin);
  }
  return origins;
}

function parseAzure(env: Env, problems: ConfigProblem[]): AzureCredentials | null {
  const names = ["AZURE_TENANT_ID", "AZURE_CLIENT_ID", "AZURE_CLIENT_SECRET"] as const;
  const present = names.filter((n) => value(env, n) !== undefined);
  const authorityRaw = value(env, "AZURE_AUTHORITY_HOST") ?? DEFAULT_AUTHORITY;
  const graphRaw = value(env, "GRAPH_BASE_URL") ?? DEFAULT_GRAPH;
  const authorityHost = parseUrl(
    authorityRaw,
    "AZURE_AUTHORITY_HOST",
    problems,
    "the token host, e.g. https://login.microsoftonline.com",
  );
  const graphBaseUrl = parseUrl(
    graphRaw,
    "GRAPH_BASE_URL",
    problems,
    "the Graph root, e.g. https://graph.microsoft.com",
  );
  if (graphBaseUrl && /\/v1\.0$|\/beta$/.test(graphBaseUrl)) {
    problems.push({
      variable: "GRAPH_BASE_URL",
      message:
        `GRAPH_BASE_URL must be the Graph root without a version: remove the trailing "/v1.0" or "/beta"`,
    });
  }
  if (present.length === 0) return null;
  if (present.length < names.length) {
    const missing = names.filter((n) => !present.includes(n));
    problems.push({
      variable: missing[0],
      message: `OneDrive is half configured: ${present.join(", ")} ${
        present.length === 1 ? "is" : "are"
      } set but ${missing.join(", ")} ${
        missing.length === 1 ? "is" : "are"
      } missing; set all three (or none to skip OneDrive)`,
    });
    return null;
  }
  const tenantId = value(env, "AZURE_TENANT_ID")!;
  const clientId = value(env, "AZURE_CLIENT_ID")!;
  const clientSecret = value(env, "AZURE_CLIENT_SECRET")!;
  parseTenant(tenantId, problems);
  if (!GUID.test(clientId)) {
    problems.push({
      variable: "AZURE_CLIENT_ID",
      message:
        "AZURE_CLIENT_ID is not an application ID: use the Application (client) ID from the app's Overview page, a GUID like 00000000-0000-0000-0000-000000000000 (no spaces, braces or quotes)",
    });
  }
  if (GUID.test(clientSecret)) {
    problems.push({
      variable: "AZURE_CLIENT_SECRET",
      message:
        "AZURE_CLIENT_SECRET looks like a secret ID (a GUID), not the secret itself: copy the Value column under Certificates & secrets (create a new secret if it is no longer shown)",
    });
  } else if (/\s/.test(clientSecret) || /^["'{]|["'}]$/.test(clientSecret)) {
    problems.push({
      variable: "AZURE_CLIENT_SECRET",
      message:
        "AZURE_CLIENT_SECRET contains spaces, quotes or braces: paste the secret's Value exactly, without them",
    });
  }
  const uploadOrigins = parseUploadOrigins(env, problems);
  if (!authorityHost || !graphBaseUrl) return null;
  return { tenantId, clientId, clientSecret, authorityHost, graphBaseUrl, uploadOrigins };
}

function parseDestination(
  env: Env,
  azure: boolean,
  azureAttempted: boolean,
  problems: ConfigProblem[],
): OneDriveDestination | null {
  const link = value(env, "ONEDRIVE_BACKUP_LINK");
  const driveId = value(env, "ONEDRIVE_DRIVE_ID");
  const folderId = value(env, "ONEDRIVE_FOLDER_ID");
  if (link && (driveId || folderId)) {
    problems.push({
      variable: "ONEDRIVE_BACKUP_LINK",
      message:
        "Set either ONEDRIVE_BACKUP_LINK or ONEDRIVE_DRIVE_ID with ONEDRIVE_FOLDER_ID, not both: remove one of them",
    });
    return null;
  }
  if (!link && !driveId && !folderId) {
    if (azureAttempted) {
      problems.push({
        variable: "ONEDRIVE_BACKUP_LINK",
        message:
          "The OneDrive destination is missing: set ONEDRIVE_BACKUP_LINK to the folder's sharing link (or ONEDRIVE_DRIVE_ID and ONEDRIVE_FOLDER_ID)",
      });
    }
    return null;
  }
  if (!azureAttempted) {
    problems.push({
      variable: "AZURE_CLIENT_ID",
      message: `${
        link ? "ONEDRIVE_BACKUP_LINK" : "ONEDRIVE_DRIVE_ID/ONEDRIVE_FOLDER_ID"
      } is set but AZURE_TENANT_ID, AZURE_CLIENT_ID and AZURE_CLIENT_SECRET are not: set them to upload to OneDrive`,
    });
  }
  if (link) {
    const parsed = parseUrl(
      link,
      "ONEDRIVE_BACKUP_LINK",
      problems,
      "the folder's sharing link (Share → Copy link in OneDrive or SharePoint)",
    );
    if (!parsed) return null;
    const host = new URL(link).hostname.toLowerCase();
    if (host === "1drv.ms" || host.endsWith("onedrive.live.com")) {
      problems.push({
        variable: "ONEDRIVE_BACKUP_LINK",
        message:
          `ONEDRIVE_BACKUP_LINK points to a personal OneDrive ("${host}"), which an app cannot use: share a folder from OneDrive for Business or SharePoint instead`,
      });
      return null;
    }
    return azure ? { kind: "link", link } : null;
  }
  if (!driveId || !folderId) {
    problems.push({
      variable: driveId ? "ONEDRIVE_FOLDER_ID" : "ONEDRIVE_DRIVE_ID",
      message: "ONEDRIVE_DRIVE_ID and ONEDRIVE_FOLDER_ID go together: set both (or use ONEDRIVE_BACKUP_LINK)",
    });
    return null;
  }
  for (const [name, v] of [["ONEDRIVE_DRIVE_ID", driveId], ["ONEDRIVE_FOLDER_ID", folderId]] as const) {
    if (/[\s"'{}\/\\?#]/.test(v)) {
      problems.push({
        variable: name,
        message:
          `${name} contains spaces, quotes, braces or slashes: paste the ID exactly as Graph returns it`,
      });
      return null;
    }
  }
  return azure ? { kind: "ids", driveId, folderId } : null;
}

function parseAlerts(
  env: Env,
  azure: boolean,
  problems: ConfigProblem[],
): { webhook: string | null; emails: string[]; sender: string | null } {
  const webhookRaw = value(env, "BACKUP_ALERT_WEBHOOK_URL");
  const webhook = webhookRaw
    ? parseUrl(
      webhookRaw,
      "BACKUP_ALERT_WEBHOOK_URL",
      problems,
      "the incoming webhook URL of your Teams or Slack channel",
    )
    : null;
  const emails = parseList(value(env, "BACKUP_ALERT_EMAIL"));
  const sender = value(env, "BACKUP_ALERT_SENDER") ?? null;
  for (const e of emails) {
    if (!EMAIL.test(e)) {
      problems.push({
        variable: "BACKUP_ALERT_EMAIL",
        message:
          `BACKUP_ALERT_EMAIL has an invalid address "${e}": list e-mail addresses separated by commas`,
      });
    }
  }
  if (sender && !EMAIL.test(sender)) {
    problems.push({
      variable: "BACKUP_ALERT_SENDER",
      message:
        `BACKUP_ALERT_SENDER is not an e-mail address ("${sender}"): use the mailbox that sends the alerts`,
    });
  }
  if (emails.length && !sender) {
    problems.push({
      variable: "BACKUP_ALERT_SENDER",
      message:
        "BACKUP_ALERT_EMAIL is set but BACKUP_ALERT_SENDER is not: set the mailbox that sends the alerts",
    });
  }
  if (sender && !emails.length) {
    problems.push({
      variable: "BACKUP_ALERT_EMAIL",
      message: "BACKUP_ALERT_SENDER is set but BACKUP_ALERT_EMAIL is not: set who receives the alerts",
    });
  }
  if (emails.length && !azure) {
    problems.push({
      variable: "BACKUP_ALERT_EMAIL",
      message:
        "BACKUP_ALERT_EMAIL needs Microsoft Graph to send mail: set AZURE_TENANT_ID, AZURE_CLIENT_ID and AZURE_CLIENT_SECRET (with the Mail.Send permission)",
    });
  }
  return { webhook, emails, sender };
}

export function parseConfig(env: Env): BackupConfig {
  const problems: ConfigProblem[] = [];

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

  const azureAttempted = ["AZURE_TENANT_ID", "AZURE_CLIENT_ID", "AZURE_CLIENT_SECRET"].some((n) =>
    value(env, n) !== undefined
  );
  const azure = parseAzure(env, problems);
  const destination = parseDestination(env, azure !== null, azureAttempted, problems);
  const alerts = parseAlerts(env, azureAttempted, problems);

  return {
    supabaseUrl,
    serviceKey,
    dbUrl,
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
    maxRunSeconds: parseNonNegativeInteger(
      env,
      "BACKUP_MAX_RUN_SECONDS",
      DEFAULT_MAX_RUN_SECONDS,
      problems,
      "of seconds (at least 30) after which a silent run counts as dead",
      30,
    ),
    uploadFragmentBytes: parseFragmentBytes(env, problems),
    // 0 is the "not set" fallback (the minimum is 1): the clients keep their own timeouts.
    requestTimeoutSeconds: parseNonNegativeInteger(
      env,
      "BACKUP_REQUEST_TIMEOUT_SECONDS",
      0,
      problems,
      "of seconds (at least 1) to wait for one answer from Storage or Graph",
      1,
    ) || null,
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
