/**
 * Which upload URLs the client sends a backup to. Graph answers `createUploadSession` with an `uploadUrl` on
 * the SharePoint host that stores the file (`contoso.sharepoint.com`, `contoso-my.sharepoint.com`, or the
 * national clouds' equivalents). Whoever controls that answer (a compromised or spoofed Graph host, a
 * misconfigured proxy) could otherwise have the whole backup sent anywhere: so the URL must be https, carry
 * no user name or password, use the default port, and be on a SharePoint domain of Microsoft's clouds or on
 * the configured Graph host itself. `extraOrigins` (GRAPH_UPLOAD_ORIGINS, set by the local stack for its
 * emulator) adds exact origins, never a default.
 */

/** SharePoint domains of Microsoft's clouds: worldwide, US Government (GCC High, DoD), China (21Vianet), Germany. */
export const SHAREPOINT_DOMAINS = [
  "sharepoint.com",
  "sharepoint.us",
  "sharepoint-mil.us",
  "sharepoint.cn",
  "sharepoint.de",
];

export interface UploadUrlPolicy {
  /** GRAPH_BASE_URL: its host is trusted for uploads too (https only). */
  graphBaseUrl: string;
  /** Exact origins (scheme://host:port) trusted besides Microsoft's (the local emulator). */
  extraOrigins?: string[];
}

/** Why `raw` must not receive the upload, or null when it may. Never repeats the URL's path or query. */
export function uploadUrlProblem(raw: unknown, policy: UploadUrlPolicy): string | null {
  if (typeof raw !== "string" || raw === "") {
    return "Microsoft Graph created an upload session without an upload URL";
  }
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    return "Microsoft Graph returned an upload URL that is not a URL";
  }
  const refused = (why: string) =>
    `Microsoft Graph returned an upload URL on "${url.protocol}//${url.host}", which was not used: ${why}`;
  if (url.username !== "" || url.password !== "") {
    return refused("it carries a user name or password");
  }
  const extra = (policy.extraOrigins ?? []).map((o) => new URL(o).origin);
  if (extra.includes(url.origin)) return null;
  if (url.protocol !== "https:") return refused("uploads go over https only");
  const graph = new URL(policy.graphBaseUrl);
  if (graph.protocol === "https:" && url.host === graph.host) return null;
  const host = url.hostname;
  if (url.port !== "" || !SHAREPOINT_DOMAINS.some((domain) => host.endsWith(`.${domain}`))) {
    return refused(
      `uploads go only to SharePoint / OneDrive hosts (*.${
        SHAREPOINT_DOMAINS.join(", *.")
      }) or the Graph host. Check GRAPH_BASE_URL`,
    );
  }
  return null;
}
