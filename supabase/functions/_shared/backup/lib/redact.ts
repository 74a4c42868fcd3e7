/**
 * Removes secrets from text before it reaches a log line, a run row, a response or an alert.
 *
 * Two kinds of leak are covered: known secret values (keys, client secret, cron secret, database
 * password), and bearer-like URLs whose query string or user-info grants access by itself (Graph upload
 * session URLs, signed Storage URLs, connection strings).
 */
export type Redactor = (text: string) => string;

const URL_PATTERN = /\b([a-z][a-z0-9+.-]*:\/\/)([^\s"'<>]*)/gi;

function redactUrl(scheme: string, rest: string): string {
  let out = rest.replace(/^[^/@\s]*@/, "***@"); // user-info (postgresql://user:password@host)
  const q = out.search(/[?#]/);
  if (q >= 0) out = `${out.slice(0, q)}?…`;
  // Upload session URLs carry their grant in the path as well; keep only the host.
  if (/uploadSession|tempauth/i.test(rest)) out = `${out.split("/")[0]}/…`;
  return scheme + out;
}

export function createRedactor(secrets: readonly string[]): Redactor {
  const values = [...new Set(secrets.filter((s) => s.length >= 4))].sort((a, b) => b.length - a.length);
  return (text: string) => {
    let out = text;
    for (const s of values) out = out.split(s).join("***");
    return out.replace(URL_PATTERN, (_m, scheme: string, rest: string) => redactUrl(scheme, rest));
  };
}
