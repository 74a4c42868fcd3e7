/**
 * Resolves the backup destination to a drive id and folder id: from a sharing link
 * (`/shares/u!…/driveItem`) or from explicit ids (for apps granted `Sites.Selected`). The target must be a
 * folder the app can see.
 */
import { describeServiceError, GraphError, type ServiceErrorDetail } from "./errors.ts";
import { accessDenied, type GraphHttp } from "./graph-http.ts";
import { describeLink, encodeSharingUrl, isPersonalOneDriveLink } from "./shares.ts";
import type { Destination, DestinationSetting, DriveItemJson, GraphFolder } from "./types.ts";

const SELECT = "$select=id,name,webUrl,folder,file,root,package,parentReference";

/** The configured destination as Graph's requests take it; null when none is configured. */
export function destinationOf(setting: DestinationSetting): Destination;
export function destinationOf(setting: DestinationSetting | null): Destination | null;
export function destinationOf(setting: DestinationSetting | null): Destination | null {
  if (!setting) return null;
  return setting.kind === "link"
    ? { link: setting.link }
    : { driveId: setting.driveId, folderId: setting.folderId };
}

export async function resolveFolder(http: GraphHttp, destination: Destination): Promise<GraphFolder> {
  const link = destination.link?.trim();
  if (link) return await resolveLink(http, link);
  const driveId = destination.driveId?.trim();
  const folderId = destination.folderId?.trim();
  if (driveId && folderId) return await resolveIds(http, driveId, folderId);
  if (driveId || folderId) {
    throw new GraphError(
      "onedrive_destination_missing",
      `Cannot resolve OneDrive folder: ${
        driveId ? "ONEDRIVE_FOLDER_ID" : "ONEDRIVE_DRIVE_ID"
      } is missing. Set both ONEDRIVE_DRIVE_ID and ONEDRIVE_FOLDER_ID, or ONEDRIVE_BACKUP_LINK instead`,
    );
  }
  throw new GraphError(
    "onedrive_destination_missing",
    "Cannot resolve OneDrive folder: no destination is configured. Set ONEDRIVE_BACKUP_LINK to a sharing link to the folder, or ONEDRIVE_DRIVE_ID and ONEDRIVE_FOLDER_ID",
  );
}

async function resolveLink(http: GraphHttp, link: string): Promise<GraphFolder> {
  const shown = describeLink(link);
  const operation = `resolve OneDrive folder "${shown}"`;
  let url: URL;
  try {
    url = new URL(link);
  } catch {
    throw new GraphError(
      "onedrive_link_invalid",
      `Cannot ${operation}: ONEDRIVE_BACKUP_LINK is not a URL. Paste the folder's sharing link (Share > Copy link)`,
    );
  }
  if (url.protocol !== "https:" && url.protocol !== "http:") {
    throw new GraphError(
      "onedrive_link_invalid",
      `Cannot ${operation}: ONEDRIVE_BACKUP_LINK must be an https link`,
    );
  }
  if (isPersonalOneDriveLink(url)) {
    throw new GraphError(
      "onedrive_link_personal",
      `Cannot ${operation}: this is a personal OneDrive link, and personal OneDrive accounts cannot be used by an app registration's application permissions. Use a folder in OneDrive for Business or a SharePoint document library, and share that folder's link`,
    );
  }
  const response = await http.send<DriveItemJson>({
    method: "GET",
    path: `/v1.0/shares/${encodeSharingUrl(link)}/driveItem?${SELECT}`,
    accept: [400, 403, 404],
    operation,
  });
  if (response.status === 404) {
    throw new GraphError(
      "onedrive_link_not_found",
      `Cannot ${operation}: the sharing link does not exist (was it removed?) or this app cannot see it${
        describeServiceError(response.detail)
      }. Copy the folder's link again (Share > Copy link) into ONEDRIVE_BACKUP_LINK, and check the app has Files.ReadWrite.All or Sites.ReadWrite.All`,
      { status: 404, graphCode: response.detail.code, requestId: response.detail.requestId },
    );
  }
  if (response.status === 400) {
    throw new GraphError(
      "onedrive_link_invalid",
      `Cannot ${operation}: Microsoft Graph does not accept it as a sharing link${
        describeServiceError(response.detail)
      }. Paste the folder's sharing link (Share > Copy link)`,
      { status: 400, graphCode: response.detail.code, requestId: response.detail.requestId },
    );
  }
  if (response.status === 403 && /expired/i.test(response.detail.message ?? "")) {
    // An expired link still names its item but grants nothing: the fix is a new link, not permissions.
    throw new GraphError(
      "onedrive_link_expired",
      `Cannot ${operation}: the sharing link has expired${
        describeServiceError(response.detail)
      }. Share the folder again with a link that does not expire (Share > Copy link) and put it in ONEDRIVE_BACKUP_LINK`,
      { status: 403, graphCode: response.detail.code, requestId: response.detail.requestId },
    );
  }
  if (response.status === 403) throw folderAccessDenied(operation, response.detail);
  const item = response.body ?? {};
  if (item.file || !item.folder) {
    throw new GraphError(
      "onedrive_link_is_file",
      `Cannot ${operation}: the sharing link points to ${item.file ? "a file" : "an item"} ("${
        item.name ?? "?"
      }"), not a folder. Share the destination folder itself and put that link in ONEDRIVE_BACKUP_LINK`,
    );
  }
  const driveId = item.parentReference?.driveId;
  if (!item.id || !driveId) {
    throw new GraphError(
      "onedrive_link_invalid",
      `Cannot ${operation}: Microsoft Graph did not return the folder's drive. Set ONEDRIVE_DRIVE_ID and ONEDRIVE_FOLDER_ID instead`,
    );
  }
  return { driveId, folderId: item.id, name: item.name ?? "", webUrl: item.webUrl };
}

async function resolveIds(http: GraphHttp, driveId: string, folderId: string): Promise<GraphFolder> {
  const operation = `resolve OneDrive folder "${folderId}" in drive "${driveId}"`;
  const response = await http.send<DriveItemJson>({
    method: "GET",
    path: `/v1.0/drives/${encodeURIComponent(driveId)}/items/${encodeURIComponent(folderId)}?${SELECT}`,
    accept: [400, 403, 404],
    operation,
  });
  if (response.status === 404 || response.status === 400) {
    throw new GraphError(
      "onedrive_folder_not_found",
      `Cannot ${operation}: no such item${
        describeServiceError(response.detail)
      }. Check ONEDRIVE_DRIVE_ID and ONEDRIVE_FOLDER_ID`,
      { status: response.status, graphCode: response.detail.code, requestId: response.detail.requestId },
    );
  }
  if (response.status === 403) throw folderAccessDenied(operation, response.detail);
  const item = response.body ?? {};
  if (item.file || !item.folder) {
    throw new GraphError(
      "onedrive_not_a_folder",
      `Cannot ${operation}: ONEDRIVE_FOLDER_ID points to a file ("${item.name ?? "?"}"), not a folder`,
    );
  }
  return {
    driveId: item.parentReference?.driveId ?? driveId,
    folderId: item.id ?? folderId,
    name: item.name ?? "",
    webUrl: item.webUrl,
  };
}

function folderAccessDenied(operation: string, detail: ServiceErrorDetail): GraphError {
  return accessDenied(
    operation,
    detail,
    "onedrive_access_denied",
    "The app needs the application permission Files.ReadWrite.All or Sites.ReadWrite.All with admin consent (or a Sites.Selected grant with write access to this site)",
  );
}
