/**
 * Who the destination's sharing link lets in. A link that works for anyone, or for everyone in the
 * organization, hands the backups (a full copy of the database) to whoever sees it, and an edit link lets
 * them plant or delete files there. Graph reports the audience as `link.scope` of the permission the link
 * represents: `GET /shares/{share id}/permission` (anonymous, organization, users, existingAccess).
 */
import { GraphError } from "./errors.ts";
import type { GraphHttp } from "./graph-http.ts";
import { describeLink, encodeSharingUrl } from "./shares.ts";

export interface LinkScopeCheck {
  name: "onedrive_link_scope";
  ok: boolean;
  message: string;
}

const NAME = "onedrive_link_scope";
const ADVICE =
  'In OneDrive or SharePoint, share the folder with "People with existing access" (or "Specific people") and put that link in ONEDRIVE_BACKUP_LINK, or set ONEDRIVE_DRIVE_ID and ONEDRIVE_FOLDER_ID instead of a link';

/** The check for a reported scope (pure). Wide scopes fail the check so that the page shows them. */
export function linkScopeCheck(link: string, scope: unknown): LinkScopeCheck {
  const named = `The sharing link "${describeLink(link)}"`;
  switch (scope) {
    case "anonymous":
      return {
        name: NAME,
        ok: false,
        message:
          `${named} works for anyone who has it, without signing in: whoever sees it can open the backups (a full copy of the database). ${ADVICE}`,
      };
    case "organization":
      return {
        name: NAME,
        ok: false,
        message:
          `${named} works for everyone in the organization: any colleague who gets it can open the backups (a full copy of the database). ${ADVICE}`,
      };
    case "users":
      return {
        name: NAME,
        ok: true,
        message: `${named} works only for the specific people it was shared with`,
      };
    case "existingAccess":
      return { name: NAME, ok: true, message: `${named} works only for people who already have access` };
    default:
      return {
        name: NAME,
        ok: true,
        message: `Microsoft Graph did not say who the sharing link "${describeLink(link)}" works for (scope ${
          JSON.stringify(scope ?? null)
        }): check it in OneDrive. ${ADVICE}`,
      };
  }
}

/** Reads the link's scope from Graph; a failure to read it is reported, not thrown. */
export async function checkLinkScope(http: GraphHttp, link: string): Promise<LinkScopeCheck> {
  try {
    const response = await http.send<{ link?: { scope?: unknown } }>({
      method: "GET",
      path: `/v1.0/shares/${encodeSharingUrl(link)}/permission`,
      operation: `read who the sharing link "${describeLink(link)}" works for`,
    });
    return linkScopeCheck(link, response.body?.link?.scope);
  } catch (error) {
    const message = error instanceof GraphError ? error.message : `Unexpected error: ${String(error)}`;
    return {
      name: NAME,
      ok: true,
      message: `${message}. Check in OneDrive who the link works for. ${ADVICE}`,
    };
  }
}
