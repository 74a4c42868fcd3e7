// How a backup run is shown: badge colours and labels, phase, duration, progress, and advice for failures.
import {
  CircleCheckIcon,
  CircleDashedIcon,
  CircleSlashIcon,
  CircleXIcon,
  LoaderCircleIcon,
  TriangleAlertIcon,
  type LucideIcon,
} from "lucide-react";
import type { BackupErrorCode } from "@contract";
import type { BadgeProps } from "@/components/ui/badge";
import type { TranslationKey } from "@/lib/i18n/fr";
import type { BackupRun, BackupRunStatus, BackupRunTable, DestinationStatus } from "@/data/backups/types";

type BadgeVariant = NonNullable<BadgeProps["variant"]>;

export interface BadgePresentation {
  variant: BadgeVariant;
  label: TranslationKey;
  icon: LucideIcon;
  /** Icons that turn while work goes on. */
  spinning?: boolean;
}

const RUN_STATUS: Record<BackupRunStatus, BadgePresentation> = {
  running: { variant: "info", label: "status.running", icon: LoaderCircleIcon, spinning: true },
  success: { variant: "success", label: "status.success", icon: CircleCheckIcon },
  partial: { variant: "warning", label: "status.partial", icon: TriangleAlertIcon },
  failed: { variant: "destructive", label: "status.failed", icon: CircleXIcon },
};

export function runStatusPresentation(status: BackupRunStatus): BadgePresentation {
  return RUN_STATUS[status] ?? RUN_STATUS.failed;
}

const DESTINATION_STATUS: Record<DestinationStatus, BadgePresentation> = {
  pending: { variant: "secondary", label: "destinationStatus.pending", icon: CircleDashedIcon },
  running: { variant: "info", label: "destinationStatus.running", icon: LoaderCircleIcon, spinning: true },
  success: { variant: "success", label: "destinationStatus.success", icon: CircleCheckIcon },
  failed: { variant: "destructive", label: "destinationStatus.failed", icon: CircleXIcon },
  skipped: { variant: "outline", label: "destinationStatus.skipped", icon: CircleSlashIcon },
};

export function destinationPresentation(status: DestinationStatus): BadgePresentation {
  return DESTINATION_STATUS[status] ?? DESTINATION_STATUS.pending;
}

const PHASES: Record<NonNullable<BackupRun["phase"]>, TranslationKey> = {
  exporting: "phase.exporting",
  storing: "phase.storing",
  uploading: "phase.uploading",
  verifying: "phase.verifying",
  pruning: "phase.pruning",
};

/** The label of a run's current phase; a run that has not reported one yet is "starting". */
export function phaseLabel(phase: BackupRun["phase"]): TranslationKey {
  return phase ? (PHASES[phase] ?? "phase.starting") : "phase.starting";
}

/** Elapsed time of a run: to its end, or to `now` while it runs. */
export function runDurationMs(
  run: Pick<BackupRun, "started_at" | "finished_at" | "status">,
  now: Date,
): number | null {
  const start = Date.parse(run.started_at);
  if (Number.isNaN(start)) return null;
  const end = run.finished_at
    ? Date.parse(run.finished_at)
    : run.status === "running"
      ? now.getTime()
      : Number.NaN;
  return Number.isNaN(end) ? null : Math.max(0, end - start);
}

export interface UploadProgress {
  uploaded: number;
  total: number | null;
  /** 0-100 when the file size is known. */
  percent: number | null;
}

/** Upload progress to OneDrive while a run uploads, from bytes_uploaded and size_bytes. */
export function uploadProgress(run: Pick<BackupRun, "bytes_uploaded" | "size_bytes">): UploadProgress | null {
  if (run.bytes_uploaded === null || run.bytes_uploaded === undefined) return null;
  const total = run.size_bytes && run.size_bytes > 0 ? run.size_bytes : null;
  const percent = total ? Math.min(100, Math.round((run.bytes_uploaded / total) * 100)) : null;
  return { uploaded: run.bytes_uploaded, total, percent };
}

/** The per-table counts of a run, tolerating a missing or malformed `tables` value. */
export function runTables(tables: BackupRun["tables"]): BackupRunTable[] {
  if (!Array.isArray(tables)) return [];
  const result: BackupRunTable[] = [];
  for (const entry of tables) {
    if (!entry || typeof entry !== "object" || Array.isArray(entry)) continue;
    const { schema, name, rows } = entry as Record<string, unknown>;
    if (typeof name !== "string") continue;
    result.push({
      schema: typeof schema === "string" ? schema : "public",
      name,
      rows: typeof rows === "number" ? rows : Number(rows ?? 0),
    });
  }
  return result;
}

// The advice for the function's error codes (BackupErrorCode, in the contract it shares with the page).
// Codes not listed (throttling, outages, failed uploads…) have no one fix: their text may still say more.
const ADVICE_BY_CODE: Partial<Record<BackupErrorCode, TranslationKey>> = {
  graph_quota_exceeded: "advice.quota",
  graph_forbidden: "advice.permission",
  graph_admin_consent_missing: "advice.permission",
  onedrive_access_denied: "advice.permission",
  mail_send_denied: "advice.permission",
  graph_auth_invalid_secret: "advice.credentials",
  graph_auth_expired_secret: "advice.credentials",
  graph_auth_unknown_client: "advice.credentials",
  graph_auth_unknown_tenant: "advice.credentials",
  graph_auth_common_tenant: "advice.credentials",
  graph_auth_failed: "advice.credentials",
  onedrive_link_invalid: "advice.folder",
  onedrive_link_personal: "advice.folder",
  onedrive_link_not_found: "advice.folder",
  onedrive_link_expired: "advice.folder",
  onedrive_link_is_file: "advice.folder",
  onedrive_folder_not_found: "advice.folder",
  onedrive_not_a_folder: "advice.folder",
  upload_path_too_long: "advice.folder",
  run_abandoned: "advice.timeout",
  database_timeout: "advice.timeout",
  export_failed: "advice.database",
  database_unreachable: "advice.database",
  database_locked: "advice.database",
  config_invalid: "advice.configuration",
  onedrive_destination_missing: "advice.configuration",
  graph_auth_invalid_scope: "advice.configuration",
};

// The fallback, for runs without a known code (older functions, codes without one fix): the first rule
// whose pattern matches the code or the message gives the specific advice. Ordered.
const ADVICE_RULES: Array<[RegExp, TranslationKey]> = [
  [/quota|insufficient.?storage|\b507\b|no space|disk full/i, "advice.quota"],
  [/permission|forbidden|\b403\b|consent|roles claim|access.?denied|accessdenied/i, "advice.permission"],
  [
    /aadsts|client.?secret|credential|tenant|client.?id|invalid_client|unauthori[sz]ed|\btoken\b/i,
    "advice.credentials",
  ],
  [/sharing link|share|link|folder|1drv|onedrive\.live|itemnotfound/i, "advice.folder"],
  [/stale|heartbeat|timed? ?out|timeout|time limit|wall.?clock/i, "advice.timeout"],
  [/export|database|postgres|sql|schema|relation/i, "advice.database"],
  [/config|environment|variable|missing setting/i, "advice.configuration"],
];

/** The specific advice for a failure: by its error code, else by what its text mentions. */
function causeAdvice(code: string | null, error: string | null): TranslationKey {
  const byCode =
    code && Object.hasOwn(ADVICE_BY_CODE, code) ? ADVICE_BY_CODE[code as BackupErrorCode] : undefined;
  if (byCode) return byCode;
  const text = `${code ?? ""} ${error ?? ""}`;
  return ADVICE_RULES.find(([pattern]) => pattern.test(text))?.[1] ?? "advice.generic";
}

/** What to do about a failed or partial run: which destination is safe, then the likely fix. */
export function runAdvice(
  run: Pick<BackupRun, "status" | "error" | "error_code" | "storage_status" | "onedrive_status">,
): TranslationKey[] {
  if (run.status !== "failed" && run.status !== "partial") return [];
  const advice: TranslationKey[] = [];
  if (run.storage_status === "success" && run.onedrive_status === "failed")
    advice.push("advice.onedriveOnly");
  if (run.onedrive_status === "success" && run.storage_status === "failed") advice.push("advice.storageOnly");
  advice.push(causeAdvice(run.error_code, run.error));
  return advice;
}
