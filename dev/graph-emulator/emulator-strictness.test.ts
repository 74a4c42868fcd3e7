// The Graph emulator refuses what the real service refuses, shapes errors like it, injects faults on
// demand, and its CLI starts and stops cleanly. Plain HTTP with raw fetch calls, so every header is ours.
import { spawn } from "node:child_process";
import { createHash, randomBytes } from "node:crypto";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { QuickXorHash } from "../../supabase/functions/_shared/graph/quick-xor-hash.ts";
import { EmulatorQuickXorHash } from "./quick-xor-hash.ts";
import { type GraphEmulator, startGraphEmulator } from "./start-graph-emulator.ts";
import { requestAppToken } from "./token-request.ts";

const TENANT = "contoso.onmicrosoft.com";
const CLIENT_ID = "5e6f7a8b-1c2d-4e3f-9a0b-1c2d3e4f5a6b";
const SECRET = "strict~secret";
/** The app registration the emulator is started with. */
const APP = { tenantId: TENANT, clientId: CLIENT_ID, clientSecret: SECRET };
const LINK = "https://contoso.sharepoint.com/:f:/s/Backups/EstrictToken";
const UNIT = 327_680;

let dir: string;
let emulator: GraphEmulator;
let token: string;
let folderId: string;
let driveId: string;

async function getToken(): Promise<string> {
  const response = await requestAppToken(emulator.url, {
    tenant: TENANT,
    clientId: CLIENT_ID,
    secret: SECRET,
    scope: `${emulator.url}/.default`,
  });
  expect(response.status).toBe(200);
  return ((await response.json()) as { access_token: string }).access_token;
}

function graph(path: string, init: RequestInit = {}): Promise<Response> {
  return fetch(`${emulator.url}/v1.0${path}`, {
    ...init,
    headers: { authorization: `Bearer ${token}`, ...(init.headers as Record<string, string>) },
  });
}

function itemPath(name: string, suffix: string): string {
  return `/drives/${driveId}/items/${folderId}:/${encodeURIComponent(name)}:${suffix}`;
}

async function createSession(
  name: string,
  body: unknown = { item: { "@microsoft.graph.conflictBehavior": "fail" } },
) {
  const response = await graph(itemPath(name, "/createUploadSession"), {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify(body),
  });
  return response;
}

async function sessionUrl(name: string): Promise<string> {
  const response = await createSession(name);
  expect(response.status).toBe(200);
  return ((await response.json()) as { uploadUrl: string }).uploadUrl;
}

function putFragment(
  url: string,
  bytes: Uint8Array<ArrayBuffer>,
  range: string,
  headers: Record<string, string> = {},
) {
  return fetch(url, { method: "PUT", headers: { "content-range": range, ...headers }, body: bytes });
}

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "graph-emulator-strict-"));
  emulator = await startGraphEmulator({
    root: join(dir, "drive"),
    ...APP,
    links: { [LINK]: "Backups" },
  });
});

afterAll(async () => {
  await emulator?.stop();
  if (dir) await rm(dir, { recursive: true, force: true });
});

beforeEach(async () => {
  await emulator.admin.reset({ files: true });
  token = await getToken();
  const share = `u!${Buffer.from(LINK).toString("base64url")}`;
  const folder = (await (await graph(`/shares/${share}/driveItem`)).json()) as {
    id: string;
    parentReference: { driveId: string };
  };
  folderId = folder.id;
  driveId = folder.parentReference.driveId;
});

describe("identity platform", () => {
  it("answers OAuth errors with AADSTS codes, and a token without roles gets 403 from Graph", async () => {
    const response = await requestAppToken(emulator.url, {
      tenant: TENANT,
      clientId: CLIENT_ID,
      secret: "nope",
      scope: "https://graph.microsoft.com/.default",
    });
    expect(response.status).toBe(401);
    const body = (await response.json()) as Record<string, unknown>;
    expect(body).toMatchObject({ error: "invalid_client", error_codes: [7000215] });
    expect(String(body.error_description)).toMatch(/^AADSTS7000215: Invalid client secret provided\./);
    expect(JSON.stringify(body)).not.toContain("nope");

    await emulator.admin.configure({ roles: [] });
    token = await getToken();
    const denied = await graph(`/drives/${driveId}/items/${folderId}`);
    expect(denied.status).toBe(403);
    expect(await denied.json()).toMatchObject({
      error: { code: "AccessDenied", message: "Either scp or roles claim need to be present in the token." },
    });
  });

  it("rejects a missing or revoked token with 401 InvalidAuthenticationToken", async () => {
    const anonymous = await fetch(`${emulator.url}/v1.0/drives/${driveId}/items/${folderId}`);
    expect(anonymous.status).toBe(401);
    await emulator.admin.expireTokens();
    const revoked = await graph(`/drives/${driveId}/items/${folderId}`);
    expect(revoked.status).toBe(401);
    const body = (await revoked.json()) as { error: { code: string; innerError: Record<string, string> } };
    expect(body.error.code).toBe("InvalidAuthenticationToken");
    expect(body.error.innerError["request-id"]).toMatch(/^[0-9a-f-]{36}$/);
  });
});

describe("upload sessions", () => {
  it("stores fragments in order and reports a quickXorHash computed over the stored bytes", async () => {
    const bytes = randomBytes(2 * UNIT + 1000);
    const url = await sessionUrl("data.bin");
    const first = await putFragment(
      url,
      bytes.subarray(0, 2 * UNIT),
      `bytes 0-${2 * UNIT - 1}/${bytes.length}`,
    );
    expect(first.status).toBe(202);
    expect(await first.json()).toMatchObject({ nextExpectedRanges: [`${2 * UNIT}-${bytes.length - 1}`] });
    const last = await putFragment(
      url,
      bytes.subarray(2 * UNIT),
      `bytes ${2 * UNIT}-${bytes.length - 1}/${bytes.length}`,
    );
    expect(last.status).toBe(201);
    const item = (await last.json()) as { size: number; file: { hashes: { quickXorHash: string } } };
    expect(item.size).toBe(bytes.length);
    // Two independent formulations agree: the emulator's byte fold and the client's word fold.
    expect(item.file.hashes.quickXorHash).toBe(new EmulatorQuickXorHash().update(bytes).digest());
    expect(item.file.hashes.quickXorHash).toBe(new QuickXorHash().update(bytes).digest());
    const [stored] = await emulator.admin.files();
    expect(stored.sha256).toBe(createHash("sha256").update(bytes).digest("hex"));
  });

  it("answers 401 to an Authorization header on the upload URL", async () => {
    const url = await sessionUrl("auth.bin");
    const response = await putFragment(url, new Uint8Array(10), "bytes 0-9/10", {
      authorization: `Bearer ${token}`,
    });
    expect(response.status).toBe(401);
    expect(await response.json()).toMatchObject({ error: { code: "unauthenticated" } });
  });

  it("answers 400 to malformed or inconsistent Content-Range and sizes", async () => {
    const url = await sessionUrl("ranges.bin");
    for (const range of [
      "bytes 0-9",
      "bytes=0-9/10",
      "bytes 9-0/10",
      "bytes 0-10/10",
      "0-9/10",
      "bytes */10",
    ]) {
      const response = await putFragment(url, new Uint8Array(10), range);
      expect(response.status, range).toBe(400);
      expect(await response.json()).toMatchObject({
        error: { code: "invalidRequest", innererror: { code: "invalidRange" } },
      });
    }
    const missing = await fetch(url, { method: "PUT", body: new Uint8Array(10) });
    expect(missing.status).toBe(400);
    const notMultiple = await putFragment(url, new Uint8Array(1000), "bytes 0-999/5000");
    expect(notMultiple.status).toBe(400);
    expect(await notMultiple.text()).toMatch(/multiple of 320 KiB/);
    const lengthMismatch = await putFragment(url, new Uint8Array(UNIT), `bytes 0-${UNIT}/${3 * UNIT}`);
    expect(lengthMismatch.status).toBe(400);
    expect((await putFragment(url, new Uint8Array(UNIT), `bytes 0-${UNIT - 1}/${3 * UNIT}`)).status).toBe(
      202,
    );
    const otherTotal = await putFragment(
      url,
      new Uint8Array(UNIT),
      `bytes ${UNIT}-${2 * UNIT - 1}/${4 * UNIT}`,
    );
    expect(otherTotal.status).toBe(400);
    expect(await otherTotal.text()).toMatch(/does not match the file size/);
  });

  it("answers 400 to a fragment of 60 MiB or more", async () => {
    const url = await sessionUrl("huge.bin");
    const size = 192 * UNIT; // exactly 60 MiB
    const response = await putFragment(url, new Uint8Array(size), `bytes 0-${size - 1}/${size + UNIT}`);
    expect(response.status).toBe(400);
    expect(await response.text()).toMatch(/smaller than 60 MiB/);
  });

  it("answers 416 to an overlapping or skipping fragment and reports the session position", async () => {
    const url = await sessionUrl("overlap.bin");
    expect((await putFragment(url, new Uint8Array(UNIT), `bytes 0-${UNIT - 1}/${3 * UNIT}`)).status).toBe(
      202,
    );
    const overlap = await putFragment(url, new Uint8Array(UNIT), `bytes 0-${UNIT - 1}/${3 * UNIT}`);
    expect(overlap.status).toBe(416);
    const gap = await putFragment(url, new Uint8Array(UNIT), `bytes ${2 * UNIT}-${3 * UNIT - 1}/${3 * UNIT}`);
    expect(gap.status).toBe(416);
    const status = await fetch(url);
    expect(await status.json()).toMatchObject({ nextExpectedRanges: [`${UNIT}-${3 * UNIT - 1}`] });
    expect((await fetch(url, { method: "DELETE" })).status).toBe(204);
    expect((await fetch(url)).status).toBe(404);
    expect(await emulator.admin.sessions()).toEqual([]);
  });

  it("answers 400 to @odata.type in the session body and to a name that differs from the path", async () => {
    const typed = await createSession("typed.bin", {
      item: {
        "@odata.type": "microsoft.graph.driveItemUploadableProperties",
        "@microsoft.graph.conflictBehavior": "fail",
      },
    });
    expect(typed.status).toBe(400);
    const renamed = await createSession("one.bin", { item: { name: "two.bin" } });
    expect(renamed.status).toBe(400);
    expect(await renamed.json()).toMatchObject({
      error: { code: "invalidRequest", innerError: { "request-id": expect.any(String) } },
    });
  });

  it("answers 400 to names OneDrive forbids, and 409 to an existing name with conflictBehavior fail", async () => {
    for (const name of [
      "a:b.json",
      "a*b",
      'quote".txt',
      "pipe|x",
      " lead.txt",
      "trail.txt ",
      "CON",
      "~$lock.docx",
    ]) {
      const response = await createSession(name);
      expect(response.status, name).toBe(400);
      const put = await graph(itemPath(name, "/content?@microsoft.graph.conflictBehavior=fail"), {
        method: "PUT",
        body: "x",
      });
      expect(put.status, name).toBe(400);
    }
    await emulator.admin.putFile("Backups/exists.json", "old");
    const conflict = await createSession("exists.json");
    expect(conflict.status).toBe(409);
    expect(await conflict.json()).toMatchObject({ error: { code: "nameAlreadyExists" } });
    const put = await graph(itemPath("exists.json", "/content?@microsoft.graph.conflictBehavior=fail"), {
      method: "PUT",
      body: "new",
    });
    expect(put.status).toBe(409);
    expect(new TextDecoder().decode(await emulator.admin.fileContent("Backups/exists.json"))).toBe("old");
  });

  it("refuses a simple upload over 4 MiB", async () => {
    const response = await graph(itemPath("big.bin", "/content"), {
      method: "PUT",
      body: new Uint8Array(4 * 1024 * 1024 + 1),
    });
    expect(response.status).toBe(413);
  });
});

describe("fault injection and admin API", () => {
  it("throttles with each Retry-After form", async () => {
    await emulator.admin.addFault({
      route: "getItem",
      action: { kind: "throttle", retryAfter: { seconds: 7 } },
    });
    await emulator.admin.addFault({
      route: "getItem",
      action: { kind: "throttle", status: 503, retryAfter: { httpDateInSeconds: 30 } },
    });
    await emulator.admin.addFault({ route: "getItem", action: { kind: "throttle", retryAfter: null } });
    const first = await graph(`/drives/${driveId}/items/${folderId}`);
    expect([first.status, first.headers.get("retry-after")]).toEqual([429, "7"]);
    const second = await graph(`/drives/${driveId}/items/${folderId}`);
    expect(second.status).toBe(503);
    const date = Date.parse(second.headers.get("retry-after") ?? "");
    expect(date - Date.now()).toBeGreaterThan(20_000);
    const third = await graph(`/drives/${driveId}/items/${folderId}`);
    expect([third.status, third.headers.get("retry-after")]).toEqual([429, null]);
    expect((await graph(`/drives/${driveId}/items/${folderId}`)).status).toBe(200);
    const faults = await emulator.admin.faults();
    expect(faults.map((fault) => fault.applied)).toEqual([1, 1, 1]);
  });

  it("logs requests with their route, status and Authorization presence, redacting tempauth", async () => {
    await emulator.admin.clearRequests();
    const url = await sessionUrl("logged.bin");
    await putFragment(url, new Uint8Array(10), "bytes 0-9/10");
    const log = await emulator.admin.requests();
    expect(log.map((entry) => [entry.host, entry.route, entry.status, entry.authorization])).toEqual([
      ["graph", "createUploadSession", 200, true],
      ["upload", "uploadFragment", 201, false],
    ]);
    expect(log[1].path).toMatch(/tempauth=REDACTED$/);
  });

  it("goes down and up through the admin API and through the handle", async () => {
    await emulator.admin.down("unavailable");
    expect((await graph(`/drives/${driveId}/items/${folderId}`)).status).toBe(503);
    await emulator.admin.down("disconnect");
    await expect(graph(`/drives/${driveId}/items/${folderId}`)).rejects.toThrow();
    await emulator.admin.up();
    expect((await graph(`/drives/${driveId}/items/${folderId}`)).status).toBe(200);

    await emulator.down();
    await expect(fetch(`${emulator.url}/_emulator/state`)).rejects.toThrow();
    await emulator.up();
    expect((await graph(`/drives/${driveId}/items/${folderId}`)).status).toBe(200);
  });

  it("records mail sent through sendMail", async () => {
    const response = await graph("/users/alerts%40contoso.com/sendMail", {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({
        message: {
          subject: "Hi",
          body: { contentType: "Text", content: "Body" },
          toRecipients: [{ emailAddress: { address: "a@contoso.com" } }],
        },
      }),
    });
    expect(response.status).toBe(202);
    expect(await emulator.admin.mail()).toMatchObject([
      { sender: "alerts@contoso.com", to: ["a@contoso.com"], subject: "Hi", body: "Body" },
    ]);
  });

  it("models expired and removed sharing links, and restores them on reset", async () => {
    const other = "https://contoso.sharepoint.com/:f:/s/Backups/EOtherLink";
    const resolve = (url: string) => graph(`/shares/u!${Buffer.from(url).toString("base64url")}/driveItem`);
    await emulator.admin.addLink(other, "Backups", "expired");
    const expired = await resolve(other);
    expect(expired.status).toBe(403);
    expect(await expired.json()).toMatchObject({
      error: { code: "accessDenied", message: "The sharing link has expired." },
    });
    await emulator.admin.addLink(other, "Backups", "revoked");
    const removed = await resolve(other);
    expect(removed.status).toBe(404);
    expect(await removed.json()).toMatchObject({ error: { code: "itemNotFound" } });
    await emulator.admin.addLink(other, "Backups");
    expect((await resolve(other)).status).toBe(200);
    await emulator.admin.addLink(LINK, "Backups", "revoked");
    await emulator.admin.reset();
    expect((await resolve(LINK)).status).toBe(200);
    expect((await resolve(other)).status).toBe(404);
  });

  it("lists the access tokens and upload URLs it handed out, until reset", async () => {
    const url = await sessionUrl("issued.bin");
    const issued = await emulator.admin.issued();
    expect(issued.accessTokens).toContain(token);
    expect(issued.uploadUrls).toEqual([url]);
    await emulator.admin.reset();
    expect(await emulator.admin.issued()).toEqual({ accessTokens: [], uploadUrls: [] });
  });
});

describe("command line", () => {
  it("prints one JSON line once listening and exits cleanly on SIGTERM", async () => {
    const root = join(dir, "cli-drive");
    const child = spawn(
      process.execPath,
      [
        "--import",
        "tsx",
        "dev/graph-emulator/main.ts",
        "--port",
        "0",
        "--root",
        root,
        "--config",
        JSON.stringify({
          tenantId: TENANT,
          clientId: CLIENT_ID,
          clientSecret: SECRET,
          links: { [LINK]: "Backups" },
        }),
      ],
      { stdio: ["ignore", "pipe", "inherit"] },
    );
    const line = await new Promise<string>((resolve, reject) => {
      let buffered = "";
      child.stdout.on("data", (chunk: Buffer) => {
        buffered += chunk.toString("utf8");
        if (buffered.includes("\n")) resolve(buffered);
      });
      child.on("exit", (code) => reject(new Error(`exited with ${code}`)));
    });
    expect(line.trim().split("\n")).toHaveLength(1);
    const info = JSON.parse(line) as { url: string };
    expect(info.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    expect((await fetch(`${info.url}/_emulator/health`)).status).toBe(200);
    const exit = new Promise<number | null>((resolve) => child.on("exit", resolve));
    child.kill("SIGTERM");
    expect(await exit).toBe(0);
  });
});
