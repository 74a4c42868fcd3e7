/** Alert e-mail through Graph `sendMail`, sent from a mailbox of the tenant (application permission Mail.Send). */
import { describeServiceError, GraphError } from "./errors.ts";
import { accessDenied, type GraphHttp } from "./graph-http.ts";
import type { MailMessage } from "./types.ts";

export async function sendMail(http: GraphHttp, sender: string, message: MailMessage): Promise<void> {
  const operation = `send the alert e-mail from "${sender}"`;
  if (!sender.trim()) {
    throw new GraphError(
      "mail_sender_not_found",
      "Cannot send the alert e-mail: BACKUP_ALERT_SENDER is empty",
    );
  }
  const recipients = message.to.map((address) => address.trim()).filter(Boolean);
  if (recipients.length === 0) {
    throw new GraphError(
      "mail_invalid_recipient",
      `Cannot ${operation}: there is no recipient. Set BACKUP_ALERT_EMAIL`,
    );
  }
  const response = await http.send({
    method: "POST",
    path: `/v1.0/users/${encodeURIComponent(sender.trim())}/sendMail`,
    json: {
      message: {
        subject: message.subject,
        body: { contentType: "Text", content: message.text },
        toRecipients: recipients.map((address) => ({ emailAddress: { address } })),
      },
      // An automated alert has no business in the sender's Sent Items.
      saveToSentItems: false,
    },
    accept: [400, 403, 404],
    operation,
  });
  const detail = response.detail;
  const options = { status: response.status, graphCode: detail.code, requestId: detail.requestId };
  if (response.status === 403) {
    throw accessDenied(
      operation,
      detail,
      "mail_send_denied",
      "Grant the application permission Mail.Send with admin consent, and if an application access policy limits the app's mailboxes, include this one",
    );
  }
  if (response.status === 404) {
    throw new GraphError(
      "mail_sender_not_found",
      `Cannot ${operation}: no such mailbox in the tenant${
        describeServiceError(detail)
      }. Set BACKUP_ALERT_SENDER to an existing user or shared mailbox`,
      options,
    );
  }
  if (response.status === 400) {
    const recipientsProblem = /recipient/i.test(`${detail.code} ${detail.message}`);
    throw new GraphError(
      recipientsProblem ? "mail_invalid_recipient" : "graph_request_failed",
      `Cannot ${operation}: Microsoft Graph refused the message${describeServiceError(detail)}${
        recipientsProblem ? ". Check the addresses in BACKUP_ALERT_EMAIL" : ""
      }`,
      options,
    );
  }
}
