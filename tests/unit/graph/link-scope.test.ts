/**
 * The `test` action says who the destination's sharing link works for, and fails the check when it is
 * anyone or the whole organization (read from Graph's `GET /shares/{id}/permission`, here the emulator's).
 */
import assert from "node:assert/strict";
import { linkScopeCheck } from "../../../supabase/functions/_shared/graph/link-scope.ts";
import { FOLDER_LINK, startEmulatorProcess, testClient } from "../../support/graph-emulator.ts";

Deno.test("link scope: anyone and the organization fail the check with advice; specific people pass", () => {
  const cases: Array<[unknown, boolean, RegExp]> = [
    ["anonymous", false, /works for anyone who has it, without signing in/],
    ["organization", false, /works for everyone in the organization/],
    ["users", true, /works only for the specific people/],
    ["existingAccess", true, /works only for people who already have access/],
    [undefined, true, /did not say who .* works for \(scope null\): check it in OneDrive/],
  ];
  for (const [scope, ok, pattern] of cases) {
    const check = linkScopeCheck(FOLDER_LINK, scope);
    assert.equal(check.name, "onedrive_link_scope");
    assert.equal(check.ok, ok, String(scope));
    assert.match(check.message, pattern);
    assert.match(
      check.message,
      /^(The sharing link|Microsoft Graph did not say who the sharing link) "https:\/\/contoso\.sharepoint\.com\/:f:\/s\/Backups\/EaBc…"/,
    );
    assert.ok(!check.message.includes("EaBcDeFgHiJkLmNoPqRsTuV"), "the link's token is not repeated");
    if (!ok) {
      assert.match(
        check.message,
        /"People with existing access".*ONEDRIVE_BACKUP_LINK, or set ONEDRIVE_DRIVE_ID and ONEDRIVE_FOLDER_ID/,
      );
    }
  }
});

Deno.test("probe reads the link's scope from Graph and warns about wide links; ids need no such check", async () => {
  const emulator = await startEmulatorProcess();
  try {
    for (
      const [scope, ok] of [["anonymous", false], ["organization", false], ["users", true], [
        "existingAccess",
        true,
      ]] as const
    ) {
      await emulator.admin.reset({ files: true });
      await emulator.admin.addLink(FOLDER_LINK, "Backups", "active", scope);
      const { client } = testClient(emulator);
      const checks = await client.probe({ link: FOLDER_LINK });
      assert.deepEqual(checks.map((c) => [c.name, c.ok]), [
        ["graph_token", true],
        ["onedrive_folder", true],
        ["onedrive_write", true],
        ["onedrive_link_scope", ok],
      ], scope);
      const log = await emulator.admin.requests();
      assert.ok(log.some((r) => r.method === "GET" && /\/v1\.0\/shares\/u![\w-]+\/permission$/.test(r.path)));
    }
    // With ONEDRIVE_DRIVE_ID / ONEDRIVE_FOLDER_ID there is no link to check.
    await emulator.admin.reset({ files: true });
    const { client } = testClient(emulator);
    const folder = await client.resolveFolder({ link: FOLDER_LINK });
    const byIds = await client.probe({ driveId: folder.driveId, folderId: folder.folderId });
    assert.deepEqual(byIds.map((c) => c.name), ["graph_token", "onedrive_folder", "onedrive_write"]);
  } finally {
    await emulator.stop();
  }
});
