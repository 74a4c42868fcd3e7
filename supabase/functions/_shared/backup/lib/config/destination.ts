/** The OneDrive folder backups go to: a sharing link (ONEDRIVE_BACKUP_LINK) or drive and folder IDs. */
import type { ConfigProblem, Env, OneDriveDestination } from "./types.ts";
import { parseUrl, value } from "./env.ts";

export function parseDestination(
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
