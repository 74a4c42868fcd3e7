import assert from "node:assert/strict";
import { createRedactor } from "../../../../supabase/functions/_shared/backup/lib/redact.ts";

Deno.test("known secrets and bearer-like URL parts are removed", () => {
  const redact = createRedactor(["s3cr3t-value", "abc"]);
  assert.equal(redact("token s3cr3t-value failed"), "token *** failed");
  assert.equal(redact("abc stays: too short to be a secret"), "abc stays: too short to be a secret");
  assert.equal(
    redact("Cannot connect to postgresql://postgres:pw@db.example.com:5432/postgres"),
    "Cannot connect to postgresql://***@db.example.com:5432/postgres",
  );
  assert.equal(
    redact(
      "PUT https://contoso.sharepoint.com/_api/v2.0/drives/b!x/items/uploadSession?guid=1&tempauth=eyJ0 failed",
    ),
    "PUT https://contoso.sharepoint.com/… failed",
  );
  assert.equal(
    redact("see https://proj.supabase.co/storage/v1/object/sign/backups/f.gz?token=abcdef"),
    "see https://proj.supabase.co/storage/v1/object/sign/backups/f.gz?…",
  );
});
