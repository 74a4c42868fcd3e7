/**
 * Sharing links: the `/shares/{id}` encoding Graph expects, personal-OneDrive detection, and a way to name a
 * link in messages without repeating the link's secret part.
 */

/**
 * Encodes a sharing URL as a Graph share id: `u!` followed by the unpadded base64url of the URL's UTF-8
 * bytes. (Base64 of the bytes, not `btoa` of the string: `btoa` throws on, or mangles, non-ASCII.)
 */
export function encodeSharingUrl(url: string): string {
  const bytes = new TextEncoder().encode(url);
  let binary = "";
  for (const byte of bytes) binary += String.fromCharCode(byte);
  return `u!${btoa(binary).replace(/=+$/, "").replace(/\+/g, "-").replace(/\//g, "_")}`;
}

const PERSONAL_HOSTS = [
  "1drv.ms",
  "onedrive.live.com",
  "skydrive.live.com",
  "d.docs.live.net",
  "livefilestore.com",
];

/** True for consumer (personal) OneDrive links, which app-only tokens cannot use. */
export function isPersonalOneDriveLink(url: URL): boolean {
  const host = url.hostname.toLowerCase();
  return PERSONAL_HOSTS.some((personal) => host === personal || host.endsWith(`.${personal}`));
}

/**
 * A recognisable but harmless rendering of a sharing link for messages: no query string, and the long
 * final segment (the share token of "anyone" links) shortened, e.g.
 * `https://contoso.sharepoint.com/:f:/s/Backups/EaBc…`.
 */
export function describeLink(link: string): string {
  let url: URL;
  try {
    url = new URL(link);
  } catch {
    return link.length > 40 ? `${link.slice(0, 40)}…` : link;
  }
  const segments = url.pathname.split("/").map((segment) => {
    try {
      return decodeURIComponent(segment);
    } catch {
      return segment;
    }
  });
  const last = segments.length - 1;
  if (segments[last] && segments[last].length > 8) segments[last] = `${segments[last].slice(0, 4)}…`;
  return `${url.origin}${segments.join("/")}`;
}
