// An independent client checks the emulator: Microsoft's own JS SDK (@microsoft/microsoft-graph-client)
// resolves a sharing link and uploads a file with LargeFileUploadTask. The emulator serves TLS with a
// throwaway self-signed certificate (trusted only by this test's fetch dispatcher), and upload URLs point
// to 127.0.0.2, so the SDK, as with real SharePoint upload hosts, attaches no token there.
import { Client, FileUpload, LargeFileUploadTask } from "@microsoft/microsoft-graph-client";
import { execFileSync } from "node:child_process";
import { createHash } from "node:crypto";
import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Agent, fetch as undiciFetch } from "undici";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { GraphEmulatorAdmin } from "./admin-client.ts";
import { EmulatorQuickXorHash } from "./quick-xor-hash.ts";
import { type GraphEmulator, startGraphEmulator } from "./start-graph-emulator.ts";
import { requestAppToken } from "./token-request.ts";

const TENANT = "9d3c1b2a-4e5f-4a6b-8c7d-0e1f2a3b4c5d";
const CLIENT_ID = "1a2b3c4d-5e6f-4a7b-8c9d-0e1f2a3b4c5d";
const SECRET = "sdk~fidelity.secret";
/** The app registration the emulator is started with. */
const APP = { tenantId: TENANT, clientId: CLIENT_ID, clientSecret: SECRET };
const LINK = "https://contoso.sharepoint.com/:f:/s/Backups/EsdkFidelityToken";

let dir: string;
let emulator: GraphEmulator;
let dispatcher: Agent;
let admin: GraphEmulatorAdmin;

/**
 * fetch that trusts the throwaway certificate. It is undici's own fetch: Node 20's built-in fetch rejects
 * the SDK's explicit Content-Length when given a dispatcher from a newer undici.
 */
const trustingFetch = ((input: string | URL, init?: RequestInit) =>
  undiciFetch(input, { ...init, dispatcher } as never)) as unknown as typeof fetch;
let builtinFetch: typeof fetch;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "graph-sdk-fidelity-"));
  execFileSync(
    "openssl",
    [
      "req",
      "-x509",
      "-newkey",
      "ec",
      "-pkeyopt",
      "ec_paramgen_curve:prime256v1",
      "-nodes",
      "-days",
      "1",
      "-subj",
      "/CN=graph-emulator-test",
      "-addext",
      "subjectAltName=IP:127.0.0.1,IP:127.0.0.2",
      "-keyout",
      join(dir, "key.pem"),
      "-out",
      join(dir, "cert.pem"),
    ],
    { stdio: "ignore" },
  );
  const key = await readFile(join(dir, "key.pem"));
  const cert = await readFile(join(dir, "cert.pem"));
  dispatcher = new Agent({ connect: { ca: cert } });
  emulator = await startGraphEmulator({
    root: join(dir, "drive"),
    ...APP,
    links: { [LINK]: "Backups" },
    tls: { key, cert },
  });
  admin = new GraphEmulatorAdmin(emulator.url, { fetch: trustingFetch });
  // The SDK calls the global fetch; in this test file only, that fetch trusts the test certificate.
  builtinFetch = globalThis.fetch;
  globalThis.fetch = trustingFetch;
});

afterAll(async () => {
  if (builtinFetch) globalThis.fetch = builtinFetch;
  await emulator?.stop();
  await dispatcher?.close();
  if (dir) await rm(dir, { recursive: true, force: true });
});

async function sdkClient(): Promise<Client> {
  const response = await requestAppToken(
    emulator.url,
    { tenant: TENANT, clientId: CLIENT_ID, secret: SECRET, scope: "https://graph.microsoft.com/.default" },
    trustingFetch,
  );
  expect(response.status).toBe(200);
  const { access_token: token } = (await response.json()) as { access_token: string };
  return Client.init({
    authProvider: (done) => done(null, token),
    baseUrl: emulator.url,
    defaultVersion: "v1.0",
    // The SDK attaches tokens only to Graph hosts and these; 127.0.0.2 (the upload host) is not one.
    customHosts: new Set(["127.0.0.1"]),
  });
}

function shareId(url: string): string {
  return `u!${Buffer.from(url, "utf8").toString("base64url")}`;
}

describe("Graph emulator fidelity with the official Microsoft Graph JS SDK", () => {
  it("serves TLS on both addresses, with uploads on 127.0.0.2", () => {
    expect(emulator.url).toMatch(/^https:\/\/127\.0\.0\.1:\d+$/);
    expect(emulator.uploadUrlBase).toMatch(/^https:\/\/127\.0\.0\.2:\d+$/);
  });

  it("uploads a multi-fragment file with LargeFileUploadTask", async () => {
    await admin.reset({ files: true });
    const client = await sdkClient();
    const folder = await client.api(`/shares/${shareId(LINK)}/driveItem`).get();
    expect(folder.name).toBe("Backups");
    expect(folder.folder).toBeDefined();

    const size = 3 * 327_680 * 2 + 54_321;
    const bytes = Buffer.alloc(size);
    for (let i = 0; i < size; i++) bytes[i] = (i * 131 + (i >> 9)) & 0xff;

    const session = await LargeFileUploadTask.createUploadSession(
      client,
      `/drives/${folder.parentReference.driveId}/items/${folder.id}:/sdk-upload.bin:/createUploadSession`,
      { item: { "@microsoft.graph.conflictBehavior": "fail" } },
    );
    expect(session.url.startsWith(`${emulator.uploadUrlBase}/`)).toBe(true);
    const progress: number[] = [];
    const task = new LargeFileUploadTask(client, new FileUpload(bytes, "sdk-upload.bin", size), session, {
      rangeSize: 2 * 327_680,
      uploadEventHandlers: { progress: (range) => progress.push(range?.maxValue ?? -1) },
    });
    const result = await task.upload();
    const item = result.responseBody as {
      id: string;
      size: number;
      file: { hashes: { quickXorHash: string } };
    };

    expect(item.size).toBe(size);
    expect(progress.at(-1)).toBe(size - 1);
    const expectedHash = new EmulatorQuickXorHash().update(bytes).digest();
    expect(item.file.hashes.quickXorHash).toBe(expectedHash);
    const stored = (await admin.files()).find((file) => file.path === "Backups/sdk-upload.bin");
    expect(stored?.sha256).toBe(createHash("sha256").update(bytes).digest("hex"));
    expect(stored?.id).toBe(item.id);

    const log = await admin.requests();
    const fragments = log.filter((entry) => entry.route === "uploadFragment");
    expect(fragments.map((entry) => entry.status)).toEqual([202, 202, 202, 201]);
    expect(fragments.every((entry) => entry.host === "upload" && !entry.authorization)).toBe(true);
    const graphCalls = log.filter((entry) => entry.host === "graph");
    expect(graphCalls.map((entry) => entry.route)).toEqual(["shares", "createUploadSession"]);
    expect(graphCalls.every((entry) => entry.authorization)).toBe(true);
  });

  it("refuses the SDK's documented session payload with @odata.type, as the real service does", async () => {
    await admin.reset({ files: true });
    const client = await sdkClient();
    const folder = await client.api(`/shares/${shareId(LINK)}/driveItem`).get();
    await expect(
      LargeFileUploadTask.createUploadSession(
        client,
        `/drives/${folder.parentReference.driveId}/items/${folder.id}:/typed.bin:/createUploadSession`,
        {
          item: {
            "@odata.type": "microsoft.graph.driveItemUploadableProperties",
            "@microsoft.graph.conflictBehavior": "fail",
          },
        },
      ),
    ).rejects.toMatchObject({ statusCode: 400, code: "invalidRequest" });
  });

  it("answers 401 when a token is sent to the upload URL", async () => {
    await admin.reset({ files: true });
    const client = await sdkClient();
    const folder = await client.api(`/shares/${shareId(LINK)}/driveItem`).get();
    const session = await LargeFileUploadTask.createUploadSession(
      client,
      `/drives/${folder.parentReference.driveId}/items/${folder.id}:/with-token.bin:/createUploadSession`,
      { item: { "@microsoft.graph.conflictBehavior": "fail" } },
    );
    const response = await trustingFetch(session.url, {
      method: "PUT",
      headers: { authorization: "Bearer something", "content-range": "bytes 0-9/10" },
      body: new Uint8Array(10),
    });
    expect(response.status).toBe(401);
    expect(await response.json()).toMatchObject({ error: { code: "unauthenticated" } });
  });
});
