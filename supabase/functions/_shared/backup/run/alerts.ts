/**
 * Failure alerts: one message per failed or partial run, to a Teams/Slack-compatible webhook
 * (`{"text": …}`) and/or by mail through Graph. The text is built from the run's already-redacted error
 * and passes through the redactor once more; it never contains a secret or a bearer-like URL.
 *
 * Alerts never change a run's outcome: a failing channel is reported to the log and in the result.
 */
import type { Redactor } from "../lib/redact.ts";

export interface AlertRun {
  id: string;
  status: "failed" | "partial";
  trigger: string;
  fileName: string | null;
  error: string;
  storageStatus: string;
  onedriveStatus: string;
}

export interface AlertChannels {
  webhookUrl: string | null;
  emails: string[];
  sender: string | null;
}

export interface MailSender {
  sendMail(sender: string, message: { to: string[]; subject: string; text: string }): Promise<void>;
}

export interface AlertDeps {
  fetch: typeof fetch;
  mail: MailSender | null;
  redact: Redactor;
  /** A name for the project in the message, e.g. the host of SUPABASE_URL. */
  project: string;
}

export interface AlertResult {
  channel: "webhook" | "email";
  ok: boolean;
  message: string;
}

/** `fetch failed (connection refused…)`: Deno's fetch puts the useful part in the error's cause. */
function withCause(error: unknown): string {
  if (!(error instanceof Error)) return String(error);
  const cause = error.cause instanceof Error ? error.cause.message : undefined;
  return cause && cause !== error.message ? `${error.message} (${cause})` : error.message;
}

export function alertText(run: AlertRun, project: string): { subject: string; text: string } {
  const what = run.status === "failed" ? "failed" : "only partly succeeded";
  const subject = `Backup ${what} for ${project}`;
  const text = [
    `${subject} (${run.trigger} run ${run.id}${run.fileName ? `, file ${run.fileName}` : ""}).`,
    run.error,
    `Supabase Storage: ${run.storageStatus}. OneDrive: ${run.onedriveStatus}.`,
    "Open the Settings page for the run history, or use the test action to check the configuration.",
  ].join("\n");
  return { subject, text };
}

export async function sendAlerts(
  deps: AlertDeps,
  channels: AlertChannels,
  run: AlertRun,
): Promise<AlertResult[]> {
  const { subject, text } = alertText(run, deps.project);
  const safeText = deps.redact(text);
  const safeSubject = deps.redact(subject);
  const results: AlertResult[] = [];
  if (channels.webhookUrl) {
    try {
      const response = await deps.fetch(channels.webhookUrl, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ text: safeText }),
        signal: AbortSignal.timeout(15_000),
      });
      await response.body?.cancel();
      results.push({
        channel: "webhook",
        ok: response.ok,
        message: response.ok ? "sent" : `Cannot send the alert webhook: HTTP ${response.status}`,
      });
    } catch (error) {
      results.push({
        channel: "webhook",
        ok: false,
        // The cause says what went wrong ("connection refused"…) but also names the URL, which is a
        // credential: the redactor knows it (config.secretValues) and hides it.
        message: deps.redact(`Cannot send the alert webhook: ${withCause(error)}`),
      });
    }
  }
  if (channels.emails.length && channels.sender && deps.mail) {
    try {
      await deps.mail.sendMail(channels.sender, {
        to: channels.emails,
        subject: safeSubject,
        text: safeText,
      });
      results.push({ channel: "email", ok: true, message: "sent" });
    } catch (error) {
      results.push({
        channel: "email",
        ok: false,
        message: deps.redact(
          `Cannot send the alert e-mail: ${error instanceof Error ? error.message : error}`,
        ),
      });
    }
  }
  return results;
}
