/** Where failed runs are reported: a Teams or Slack webhook, and e-mail sent through Graph. */
import type { ConfigProblem, Env } from "./types.ts";
import { parseList, parseUrl, value } from "./env.ts";

const EMAIL = /^[^\s@"'<>(),;:\\[\]]+@[^\s@"'<>(),;:\\[\]]+\.[^\s@"'<>(),;:\\[\]]+$/;

export function parseAlerts(
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
