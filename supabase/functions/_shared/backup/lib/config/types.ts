/** The configuration's types: what parseConfig returns (config.ts), and what its parsers share. */

import type { RetentionPolicy } from "../../run/retention-plan.ts";

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
