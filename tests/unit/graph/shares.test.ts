import assert from "node:assert/strict";
import {
  describeLink,
  encodeSharingUrl,
  isPersonalOneDriveLink,
} from "../../../supabase/functions/_shared/graph/shares.ts";

Deno.test("encodeSharingUrl matches the encoding in Graph's documentation", () => {
  assert.equal(
    encodeSharingUrl("https://onedrive.live.com/redir?resid=1231244193912!12&authKey=1201919!12921!1"),
    "u!aHR0cHM6Ly9vbmVkcml2ZS5saXZlLmNvbS9yZWRpcj9yZXNpZD0xMjMxMjQ0MTkzOTEyITEyJmF1dGhLZXk9MTIwMTkxOSExMjkyMSEx",
  );
});

Deno.test("encodeSharingUrl encodes UTF-8 bytes as unpadded base64url", () => {
  const encoded = encodeSharingUrl("https://contoso.sharepoint.com/:f:/s/Équipe/Sauvegardes-été?e=Zx9");
  assert.equal(
    encoded,
    "u!aHR0cHM6Ly9jb250b3NvLnNoYXJlcG9pbnQuY29tLzpmOi9zL8OJcXVpcGUvU2F1dmVnYXJkZXMtw6l0w6k_ZT1aeDk",
  );
  assert.doesNotMatch(encoded, /[=+/]/);
});

Deno.test("isPersonalOneDriveLink recognises consumer OneDrive hosts only", () => {
  for (
    const link of [
      "https://1drv.ms/f/s!AbCdEf",
      "https://onedrive.live.com/?id=ABC",
      "https://d.docs.live.net/abc",
    ]
  ) {
    assert.equal(isPersonalOneDriveLink(new URL(link)), true, link);
  }
  for (
    const link of [
      "https://contoso.sharepoint.com/:f:/s/Backups/EaBc",
      "https://contoso-my.sharepoint.com/:f:/g/personal/ana_contoso_com/EaBc",
    ]
  ) {
    assert.equal(isPersonalOneDriveLink(new URL(link)), false, link);
  }
});

Deno.test("describeLink shortens the share token and drops the query", () => {
  assert.equal(
    describeLink("https://contoso.sharepoint.com/:f:/s/Backups/EaBcDeFgHiJkLmNoPq?e=secret"),
    "https://contoso.sharepoint.com/:f:/s/Backups/EaBc…",
  );
  assert.equal(
    describeLink("https://contoso.sharepoint.com/sites/%C3%89quipe"),
    "https://contoso.sharepoint.com/sites/Équipe",
  );
});
