// Destination resolution, listing, deletion, mail and the probe against the Graph emulator.
import assert from "node:assert/strict";
import {
  expectGraphError,
  FOLDER_LINK,
  type RunningEmulator,
  startEmulatorProcess,
  TEST_SECRET,
  testClient,
} from "../../support/graph-emulator.ts";

Deno.test("Graph client folders, mail and probe against the emulator", async (t) => {
  const emulator: RunningEmulator = await startEmulatorProcess();
  const admin = emulator.admin;
  const fresh = async () => {
    await admin.reset({ files: true });
    await admin.clearRequests();
    return testClient(emulator);
  };

  try {
    await t.step("a sharing link resolves to the folder's drive and id", async () => {
      const { client } = await fresh();
      const folder = await client.resolveFolder({ link: `  ${FOLDER_LINK}  ` });
      const state = await admin.state();
      assert.equal(folder.driveId, state.driveId);
      assert.equal(folder.name, "Backups");
      assert.match(folder.webUrl ?? "", /\/_emulator\/web\/Backups$/);
      const shares = (await admin.requests()).filter((r) => r.route === "shares");
      assert.equal(shares.length, 1);
      assert.match(shares[0].path, /^\/v1\.0\/shares\/u![A-Za-z0-9_-]+\/driveItem/);
    });

    await t.step("drive and folder ids resolve without a link", async () => {
      const { client } = await fresh();
      const viaLink = await client.resolveFolder({ link: FOLDER_LINK });
      const viaIds = await client.resolveFolder({ driveId: viaLink.driveId, folderId: viaLink.folderId });
      assert.deepEqual(viaIds, viaLink);
      await expectGraphError(
        client.resolveFolder({ driveId: viaLink.driveId, folderId: "01NOTAREALITEMID" }),
        "onedrive_folder_not_found",
      );
      const missing = await expectGraphError(
        client.resolveFolder({ driveId: viaLink.driveId }),
        "onedrive_destination_missing",
      );
      assert.match(missing.message, /ONEDRIVE_FOLDER_ID is missing/);
      await expectGraphError(client.resolveFolder({}), "onedrive_destination_missing");
    });

    await t.step("a personal OneDrive link is refused with an explanation and no request", async () => {
      const { client } = await fresh();
      for (
        const link of [
          "https://1drv.ms/f/s!AkX2mIaWqPpxgQ",
          "https://onedrive.live.com/?id=ABC%21123&cid=ABC",
        ]
      ) {
        const error = await expectGraphError(client.resolveFolder({ link }), "onedrive_link_personal");
        assert.match(error.message, /personal OneDrive accounts cannot be used by an app registration/);
        assert.match(error.message, /OneDrive for Business or a SharePoint document library/);
      }
      assert.deepEqual(await admin.requests(), []);
    });

    await t.step("a link to a file says it is not a folder", async () => {
      const { client } = await fresh();
      const link = "https://contoso.sharepoint.com/:u:/s/Backups/EfGhFileLinkToken";
      await admin.putFile("Backups/report.xlsx", "not a folder");
      await admin.addLink(link, "Backups/report.xlsx");
      const error = await expectGraphError(client.resolveFolder({ link }), "onedrive_link_is_file");
      assert.equal(
        error.message,
        'Cannot resolve OneDrive folder "https://contoso.sharepoint.com/:u:/s/Backups/EfGh…": the sharing link points to a file ("report.xlsx"), not a folder. Share the destination folder itself and put that link in ONEDRIVE_BACKUP_LINK',
      );
    });

    await t.step("an unknown or malformed link is reported as such", async () => {
      const { client } = await fresh();
      await expectGraphError(
        client.resolveFolder({ link: "https://contoso.sharepoint.com/:f:/s/Backups/EUnknownToken" }),
        "onedrive_link_not_found",
      );
      await expectGraphError(client.resolveFolder({ link: "not a link" }), "onedrive_link_invalid");
    });

    await t.step("a folder the app may not read is reported as access denied", async () => {
      const { client } = await fresh();
      await admin.addFault({ route: "shares", action: { kind: "error", status: 403, code: "accessDenied" } });
      const error = await expectGraphError(
        client.resolveFolder({ link: FOLDER_LINK }),
        "onedrive_access_denied",
      );
      assert.match(error.message, /Files\.ReadWrite\.All or Sites\.ReadWrite\.All/);
    });

    await t.step("listChildren follows @odata.nextLink through every page", async () => {
      const { client } = await fresh();
      await admin.configure({ pageSize: 2 });
      for (const name of ["a.json.gz", "b.json.gz", "c.json.gz", "d.json", "e.txt"]) {
        await admin.putFile(`Backups/${name}`, name);
      }
      await admin.createFolder("Backups/older");
      const folder = await client.resolveFolder({ link: FOLDER_LINK });
      const children = [];
      for await (const child of client.listChildren(folder)) children.push(child);
      assert.deepEqual(children.map((c) => [c.name, c.isFile, c.size]), [
        ["a.json.gz", true, 9],
        ["b.json.gz", true, 9],
        ["c.json.gz", true, 9],
        ["d.json", true, 6],
        ["e.txt", true, 5],
        ["older", false, 0],
      ]);
      assert.ok(children.every((c) => c.id && !Number.isNaN(Date.parse(c.createdDateTime))));
      const pages = (await admin.requests()).filter((r) => r.route === "children");
      assert.equal(pages.length, 3);
      assert.ok(pages.every((page) => page.authorization && page.status === 200));
    });

    await t.step("a throttled page is retried, not skipped", async () => {
      const { client } = await fresh();
      await admin.configure({ pageSize: 1 });
      await admin.putFile("Backups/one.json", "1");
      await admin.putFile("Backups/two.json", "2");
      await admin.addFault({
        route: "children",
        skip: 1,
        action: { kind: "throttle", retryAfter: { seconds: 1 } },
      });
      const folder = await client.resolveFolder({ link: FOLDER_LINK });
      const names = [];
      for await (const child of client.listChildren(folder)) names.push(child.name);
      assert.deepEqual(names, ["one.json", "two.json"]);
    });

    await t.step("deleteItem removes the item and tolerates one already gone", async () => {
      const { client } = await fresh();
      await admin.putFile("Backups/old.json.gz", "old");
      const folder = await client.resolveFolder({ link: FOLDER_LINK });
      const [old] = await Array.fromAsync(client.listChildren(folder));
      await client.deleteItem(folder.driveId, old.id);
      assert.deepEqual(await admin.files(), []);
      await client.deleteItem(folder.driveId, old.id);
      const deletes = (await admin.requests()).filter((r) => r.route === "deleteItem").map((r) => r.status);
      assert.deepEqual(deletes, [204, 404]);
    });

    await t.step("sendMail posts a text message from the sender's mailbox", async () => {
      const { client } = await fresh();
      await client.sendMail("alerts@contoso.com", {
        to: ["owner@contoso.com", " admin@contoso.com "],
        subject: "Backup failed",
        text: "The nightly backup failed: connection refused.",
      });
      const [mail] = await admin.mail();
      assert.equal(mail.sender, "alerts@contoso.com");
      assert.deepEqual(mail.to, ["owner@contoso.com", "admin@contoso.com"]);
      assert.equal(mail.subject, "Backup failed");
      assert.equal(mail.contentType, "Text");
      assert.equal(mail.body, "The nightly backup failed: connection refused.");
      assert.equal(mail.saveToSentItems, false);
      const [request] = (await admin.requests()).filter((r) => r.route === "sendMail");
      assert.equal(request.path, "/v1.0/users/alerts%40contoso.com/sendMail");
      assert.equal(request.status, 202);
    });

    await t.step("sendMail explains a missing Mail.Send permission and an unknown mailbox", async () => {
      const { client } = await fresh();
      await admin.configure({ roles: ["Files.ReadWrite.All"] });
      const denied = await expectGraphError(
        client.sendMail("alerts@contoso.com", { to: ["owner@contoso.com"], subject: "s", text: "t" }),
        "mail_send_denied",
      );
      assert.match(denied.message, /Mail\.Send/);
      await admin.reset();
      await admin.configure({ mailboxes: ["alerts@contoso.com"] });
      // Roles travel in the token: a new client gets one with Mail.Send again.
      const { client: consented } = testClient(emulator);
      const unknown = await expectGraphError(
        consented.sendMail("nobody@contoso.com", { to: ["owner@contoso.com"], subject: "s", text: "t" }),
        "mail_sender_not_found",
      );
      assert.match(unknown.message, /BACKUP_ALERT_SENDER/);
      await expectGraphError(
        consented.sendMail("alerts@contoso.com", { to: [], subject: "s", text: "t" }),
        "mail_invalid_recipient",
      );
      assert.deepEqual(await admin.mail(), []);
    });

    await t.step("probe checks token, folder and write access, and removes its test file", async () => {
      const { client } = await fresh();
      const checks = await client.probe({ link: FOLDER_LINK });
      assert.deepEqual(checks.map((c) => [c.name, c.ok]), [
        ["graph_token", true],
        ["onedrive_folder", true],
        ["onedrive_write", true],
        ["onedrive_link_scope", true],
      ]);
      assert.match(checks[0].message, /Files\.ReadWrite\.All/);
      assert.equal(checks[1].message, 'The destination is the folder "Backups"');
      assert.deepEqual(await admin.files(), []);
      const log = await admin.requests();
      assert.equal(log.filter((r) => r.route === "content").length, 1);
      assert.equal(log.filter((r) => r.route === "deleteItem").length, 1);
    });

    await t.step("probe reports a bad secret and skips the checks that need a token", async () => {
      await fresh();
      const { client } = testClient(emulator, { clientSecret: "wrong" });
      const checks = await client.probe({ link: FOLDER_LINK });
      assert.deepEqual(checks.map((c) => [c.name, c.ok]), [
        ["graph_token", false],
        ["onedrive_folder", false],
        ["onedrive_write", false],
      ]);
      assert.match(checks[0].message, /AZURE_CLIENT_SECRET/);
      assert.match(checks[1].message, /^Skipped/);
      assert.ok(checks.every((c) => !c.message.includes(TEST_SECRET) && !c.message.includes("wrong")));
    });

    await t.step("probe reports missing admin consent from the token itself", async () => {
      const { client } = await fresh();
      await admin.configure({ roles: [] });
      const checks = await client.probe({ link: FOLDER_LINK });
      assert.equal(checks[0].ok, false);
      assert.match(checks[0].message, /no application permission: grant admin consent/);
      assert.equal(checks[1].ok, false);
    });

    await t.step("probe reports a file link and a read-only folder", async () => {
      const { client } = await fresh();
      const fileLink = "https://contoso.sharepoint.com/:u:/s/Backups/EfGhFileLinkToken";
      await admin.putFile("Backups/report.xlsx", "x");
      await admin.addLink(fileLink, "Backups/report.xlsx");
      const fileChecks = await client.probe({ link: fileLink });
      assert.deepEqual(fileChecks.map((c) => c.ok), [true, false, false]);
      assert.match(fileChecks[1].message, /not a folder/);

      await admin.addFault({
        route: "content",
        action: { kind: "error", status: 403, code: "accessDenied" },
      });
      const readOnly = await client.probe({ link: FOLDER_LINK });
      assert.deepEqual(readOnly.map((c) => c.ok), [true, true, false, true]);
      assert.match(readOnly[2].message, /access denied/);
    });
  } finally {
    await emulator.stop();
  }
});
