/**
 * The `test` action's connectivity checks: a token can be obtained (and carries application permissions),
 * the destination resolves to a folder, and the app can write there (a tiny file is created, then deleted).
 * Each check reports instead of throwing, so an admin sees every problem at once. With a sharing link, a last
 * check says who the link works for, and fails when that is anyone or the whole organization.
 */
import { resolveFolder } from "./destination.ts";
import { deleteItem } from "./drive.ts";
import { GraphError } from "./errors.ts";
import { checkLinkScope } from "./link-scope.ts";
import type { GraphHttp } from "./graph-http.ts";
import type { TokenProvider } from "./token.ts";
import type { Destination, GraphFolder, ProbeCheck } from "./types.ts";
import { uploadFile } from "./upload.ts";
import { bytesUploadSource } from "./upload-source.ts";

export async function probe(
  http: GraphHttp,
  tokens: TokenProvider,
  destination: Destination,
  clientId: string,
): Promise<ProbeCheck[]> {
  const checks: ProbeCheck[] = [];
  const skipped = (name: string, because: string) =>
    checks.push({ name, ok: false, message: `Skipped: ${because}` });

  try {
    const roles = applicationRoles(await tokens.getToken());
    if (roles !== undefined && roles.length === 0) {
      checks.push({
        name: "graph_token",
        ok: false,
        message:
          `The token of app "${clientId}" carries no application permission: grant admin consent for Files.ReadWrite.All (or Sites.ReadWrite.All) in Azure portal > App registrations > API permissions`,
      });
    } else {
      checks.push({
        name: "graph_token",
        ok: true,
        message: `Got an app-only token for app "${clientId}"${
          roles ? ` (application permissions: ${roles.join(", ")})` : ""
        }`,
      });
    }
  } catch (error) {
    checks.push({ name: "graph_token", ok: false, message: messageOf(error) });
    skipped("onedrive_folder", "no Microsoft Graph token");
    skipped("onedrive_write", "no Microsoft Graph token");
    return checks;
  }

  let folder;
  try {
    folder = await resolveFolder(http, destination);
    checks.push({
      name: "onedrive_folder",
      ok: true,
      message: `The destination is the folder "${folder.name}"`,
    });
  } catch (error) {
    checks.push({ name: "onedrive_folder", ok: false, message: messageOf(error) });
    skipped("onedrive_write", "the destination folder did not resolve");
    return checks;
  }

  checks.push(await writeCheck(http, folder));
  if (destination.link) checks.push(await checkLinkScope(http, destination.link));
  return checks;
}

/** Creates a tiny file in the folder, then deletes it. */
async function writeCheck(http: GraphHttp, folder: GraphFolder): Promise<ProbeCheck> {
  const name = `backup-write-test-${crypto.randomUUID().slice(0, 8)}.txt`;
  const content = new TextEncoder().encode("Write test of the Supabase OneDrive backup. Safe to delete.\n");
  let itemId: string;
  try {
    itemId = (await uploadFile(http, folder, name, bytesUploadSource(content))).id;
  } catch (error) {
    return { name: "onedrive_write", ok: false, message: messageOf(error) };
  }
  try {
    await deleteItem(http, folder.driveId, itemId);
    return {
      name: "onedrive_write",
      ok: true,
      message: `Created and deleted a test file in "${folder.name}"`,
    };
  } catch (error) {
    return {
      name: "onedrive_write",
      ok: false,
      message: `Created the test file "${name}" in "${folder.name}" but could not delete it: ${
        messageOf(error)
      }`,
    };
  }
}

function messageOf(error: unknown): string {
  if (error instanceof GraphError) return error.message;
  return `Unexpected error: ${error instanceof Error ? error.message : String(error)}`;
}

/**
 * The `roles` claim of a JWT access token, for diagnostics only (Graph stays the authority: it answers 403
 * without roles). Undefined when the token is not a readable JWT.
 */
export function applicationRoles(token: string): string[] | undefined {
  const parts = token.split(".");
  if (parts.length !== 3) return undefined;
  try {
    const json = atob(
      parts[1].replace(/-/g, "+").replace(/_/g, "/").padEnd(Math.ceil(parts[1].length / 4) * 4, "="),
    );
    const payload = JSON.parse(json) as { roles?: unknown };
    return Array.isArray(payload.roles) ? payload.roles.map(String) : [];
  } catch {
    return undefined;
  }
}
