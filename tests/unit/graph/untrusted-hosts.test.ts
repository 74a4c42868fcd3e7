/**
 * A hostile or hijacked Graph answer must not get the backup or a credential sent elsewhere: upload URLs
 * off Microsoft's SharePoint hosts are refused, and no request (token, Graph, upload host) follows a
 * redirect. A local listener stands in for the attacker's host and records everything it receives.
 */
import assert from "node:assert/strict";
import { GraphError } from "../../../supabase/functions/_shared/graph/errors.ts";
import { GraphHttp } from "../../../supabase/functions/_shared/graph/graph-http.ts";
import { DEFAULT_RETRY_POLICY } from "../../../supabase/functions/_shared/graph/retry.ts";
import type { TokenProvider } from "../../../supabase/functions/_shared/graph/token.ts";
import { bytesUploadSource } from "../../../supabase/functions/_shared/graph/upload-source.ts";
import { uploadUrlProblem } from "../../../supabase/functions/_shared/graph/upload-url.ts";
import {
  expectGraphError,
  FOLDER_LINK,
  type RunningEmulator,
  startEmulatorProcess,
  TEST_SECRET,
  testBytes,
  testClient,
} from "../../support/graph-emulator.ts";

interface Received {
  method: string;
  path: string;
  authorization: string | null;
  body: string;
}

/** The attacker's host: answers 200 to anything and keeps what it got. */
function startListener(): { origin: string; received: Received[]; stop(): Promise<void> } {
  const received: Received[] = [];
  const server = Deno.serve({ hostname: "127.0.0.1", port: 0, onListen: () => {} }, async (req) => {
    const body = await req.text();
    received.push({
      method: req.method,
      path: new URL(req.url).pathname,
      authorization: req.headers.get("authorization"),
      body: body.slice(0, 200),
    });
    return Response.json({ access_token: "x", expires_in: 3600, id: "x", uploadUrl: "x" });
  });
  return {
    origin: `http://127.0.0.1:${server.addr.port}`,
    received,
    stop: () => server.shutdown(),
  };
}

const SESSION_SIZE = 5 * 1024 * 1024; // above the simple-upload limit: goes through an upload session

Deno.test("upload URLs: https on SharePoint hosts of Microsoft's clouds or the Graph host, nothing else", () => {
  const policy = { graphBaseUrl: "https://graph.microsoft.com" };
  for (
    const ok of [
      "https://contoso.sharepoint.com/sites/b/_api/v2.0/drives/b!x/items/01/uploadSession?guid=1&tempauth=t",
      "https://contoso-my.sharepoint.com/personal/a_contoso_com/_api/v2.0/uploadSession?tempauth=t",
      "https://contoso.sharepoint.us/_api/uploadSession",
      "https://contoso.sharepoint-mil.us/_api/uploadSession",
      "https://contoso.sharepoint.cn/_api/uploadSession",
      "https://contoso.sharepoint.de/_api/uploadSession",
      "https://graph.microsoft.com/v1.0/uploadSession",
    ]
  ) {
    assert.equal(uploadUrlProblem(ok, policy), null, ok);
  }
  const refused: Array<[unknown, RegExp]> = [
    [undefined, /without an upload URL/],
    ["", /without an upload URL/],
    ["not a url", /not a URL/],
    ["http://contoso.sharepoint.com/_api/uploadSession", /"http:\/\/contoso\.sharepoint\.com".*https only/],
    [
      "https://evil.example/upload?tempauth=t",
      /"https:\/\/evil\.example", which was not used: uploads go only/,
    ],
    ["https://x.sharepoint.com@evil.example/", /"https:\/\/evil\.example".*user name or password/],
    ["https://user:pw@contoso.sharepoint.com/", /user name or password/],
    ["https://contoso.sharepoint.com.evil.example/", /uploads go only to SharePoint/],
    ["https://evil.example\\.sharepoint.com/", /"https:\/\/evil\.example"/],
    ["https://sharepoint.com/", /uploads go only to SharePoint/],
    ["https://evilsharepoint.com/", /uploads go only to SharePoint/],
    ["https://contoso.sharepoint.com:8443/", /uploads go only to SharePoint/],
    ["https://contoso.sharepoint.com./", /uploads go only to SharePoint/],
    ["https://graph.microsoft.com.evil.example/", /uploads go only to SharePoint/],
    ["ftp://contoso.sharepoint.com/", /https only/],
  ];
  for (const [url, pattern] of refused) {
    const problem = uploadUrlProblem(url, policy);
    assert.ok(problem, `${url} must be refused`);
    assert.match(problem, pattern, String(url));
    assert.doesNotMatch(problem, /tempauth/);
  }
  // The local emulator is trusted only by its exact origin, and only when listed.
  const local = "http://127.0.0.2:54330/_api/v2.0/uploadSession?tempauth=t";
  assert.match(uploadUrlProblem(local, policy)!, /https only/);
  assert.equal(uploadUrlProblem(local, { ...policy, extraOrigins: ["http://127.0.0.2:54330"] }), null);
  assert.ok(
    uploadUrlProblem("http://127.0.0.2:54331/x", { ...policy, extraOrigins: ["http://127.0.0.2:54330"] }),
  );
  // A Graph host on plain http (a misconfiguration) never makes http uploads acceptable.
  assert.ok(uploadUrlProblem("http://graph.local/x", { graphBaseUrl: "http://graph.local" }));
});

Deno.test("untrusted hosts get nothing: hostile upload URLs and redirects, against the Graph emulator", async (t) => {
  const emulator: RunningEmulator = await startEmulatorProcess();
  const listener = startListener();
  const { admin } = emulator;
  const data = testBytes(SESSION_SIZE, 7);
  const fresh = async () => {
    await admin.reset({ files: true });
    listener.received.length = 0;
    return testClient(emulator).client;
  };
  try {
    await t.step(
      "an upload URL off SharePoint (http, foreign host, user-info tricks) is never used",
      async () => {
        const port = new URL(listener.origin).port;
        for (
          const url of [
            `${listener.origin}/upload?tempauth=stolen`,
            `http://contoso.sharepoint.com@127.0.0.1:${port}/upload`,
            `https://contoso.sharepoint.com@127.0.0.1:${port}/upload`,
            `https://127.0.0.1:${port}/upload`,
            "https://contoso.sharepoint.com.evil.example/upload",
          ]
        ) {
          const client = await fresh();
          const folder = await client.resolveFolder({ link: FOLDER_LINK });
          await admin.addFault({ route: "createUploadSession", action: { kind: "uploadUrl", url } });
          const error = await expectGraphError(
            client.upload(folder, "backup-2026-11-29T00-00-00Z.json.gz", bytesUploadSource(data)),
            "upload_url_refused",
          );
          assert.match(
            error.message,
            /^Cannot upload "backup-2026-11-29T00-00-00Z\.json\.gz" to OneDrive folder "Backups": Microsoft Graph returned an upload URL on ".*", which was not used: /,
          );
          assert.deepEqual(listener.received, [], `nothing reached ${url}`);
          const log = await admin.requests();
          assert.equal(log.filter((r) => r.route === "uploadFragment").length, 0);
          assert.deepEqual(await admin.files(), []);
        }
      },
    );

    await t.step("a paging link off the Graph host never gets the token, however it is written", async () => {
      // Graph's @odata.nextLink is absolute; a hostile one written as a relative "path" used to be glued
      // onto the Graph root: "http://graph-host" + "@attacker/x" sends the bearer token to the attacker.
      const attacker = new URL(listener.origin).host;
      for (
        const nextLink of [
          `${listener.origin}/stolen`,
          `@${attacker}/stolen`,
          `\t@${attacker}/stolen`,
        ]
      ) {
        await admin.reset({ files: true });
        listener.received.length = 0;
        const hostile: typeof fetch = async (input, init) => {
          const response = await fetch(input, init);
          if (!String(input).includes("/children")) return response;
          const page = await response.json();
          page["@odata.nextLink"] = nextLink;
          return Response.json(page, { status: response.status });
        };
        const { client } = testClient(emulator, { fetch: hostile });
        const folder = await client.resolveFolder({ link: FOLDER_LINK });
        const outcome = await (async () => {
          for await (const _ of client.listChildren(folder)) { /* drain */ }
        })().then(() => null, (error) => error);
        assert.deepEqual(listener.received, [], `${JSON.stringify(nextLink)} reached nobody`);
        const error = await expectGraphError(Promise.reject(outcome), "graph_request_failed");
        assert.match(
          error.message,
          /^Cannot list OneDrive folder "Backups": Microsoft Graph returned a link off the Graph host \(".*"\), which was not followed$/,
          nextLink,
        );
      }
    });

    await t.step("no request follows a redirect: token, Graph, upload host", async () => {
      const steal = `${listener.origin}/stolen`;
      const cases: Array<{
        route: "token" | "shares" | "children" | "createUploadSession" | "uploadFragment";
        status: 301 | 302 | 303 | 307 | 308;
        run: (client: ReturnType<typeof testClient>["client"]) => Promise<unknown>;
        message: RegExp;
      }> = [
        {
          route: "token",
          status: 307,
          run: (c) => c.resolveFolder({ link: FOLDER_LINK }),
          message:
            /^Cannot get a Microsoft Graph token: ".*" answered 307 with a redirect to "http:\/\/127\.0\.0\.1:\d+", which was not followed/,
        },
        {
          route: "shares",
          status: 302,
          run: (c) => c.resolveFolder({ link: FOLDER_LINK }),
          message: /answered 302 with a redirect to "http:\/\/127\.0\.0\.1:\d+", which was not followed/,
        },
        {
          route: "children",
          status: 301,
          run: async (c) => {
            const folder = await c.resolveFolder({ link: FOLDER_LINK });
            for await (const _ of c.listChildren(folder)) { /* drain */ }
          },
          message: /answered 301 with a redirect/,
        },
        {
          route: "createUploadSession",
          status: 307,
          run: async (c) =>
            c.upload(await c.resolveFolder({ link: FOLDER_LINK }), "b.json.gz", bytesUploadSource(data)),
          message: /answered 307 with a redirect/,
        },
        {
          route: "uploadFragment",
          status: 308,
          run: async (c) =>
            c.upload(await c.resolveFolder({ link: FOLDER_LINK }), "b.json.gz", bytesUploadSource(data)),
          message: /the upload host at ".*" answered 308 with a redirect/,
        },
      ];
      for (const c of cases) {
        const client = await fresh();
        await admin.addFault({
          route: c.route,
          action: { kind: "redirect", status: c.status, location: steal },
        });
        const error = await expectGraphError(c.run(client), "graph_redirect_refused");
        assert.match(error.message, c.message, c.route);
        assert.deepEqual(listener.received, [], `the ${c.route} redirect reached nobody`);
        assert.ok(!error.message.includes(TEST_SECRET));
      }
    });
  } finally {
    await listener.stop();
    await emulator.stop();
  }
});

Deno.test("absolute and relative paths resolve only to the Graph host (production root)", async () => {
  const sent: string[] = [];
  const http = new GraphHttp({
    graphBaseUrl: "https://graph.microsoft.com",
    tokens: { getToken: () => Promise.resolve("token"), invalidate() {} } as unknown as TokenProvider,
    fetch: (input) => {
      sent.push(String(input));
      return Promise.resolve(Response.json({ value: [] }));
    },
    sleep: () => Promise.resolve(),
    now: Date.now,
    random: () => 0.5,
    userAgent: "test",
    retry: { ...DEFAULT_RETRY_POLICY, maxAttempts: 1 },
    log: () => {},
  });
  const operation = 'list OneDrive folder "Backups"';
  for (
    const path of [
      "https://graph.microsoft.com/v1.0/drives/d/items/i/children?$skiptoken=x",
      "HTTPS://GRAPH.MICROSOFT.COM:443/v1.0/me",
      "/v1.0/drives/d/items/i/children",
      "/\\evil.example/x",
    ]
  ) {
    sent.length = 0;
    await http.send({ method: "GET", path, operation });
    assert.equal(sent.length, 1, path);
    assert.equal(new URL(sent[0]).origin, "https://graph.microsoft.com", path);
  }
  for (
    const path of [
      ".evil.example/v1.0/x",
      "@evil.example/v1.0/x",
      ":443@evil.example/v1.0/x",
      "\t@evil.example/x",
      "\n.evil.example/x",
      "https:\\\\evil.example/x",
      "https://evil.example/v1.0/x",
      "https://graph.microsoft.com.evil.example/v1.0/x",
      "https://graph.microsoft.com@evil.example/v1.0/x",
      "http://graph.microsoft.com/v1.0/x",
      "https://graph.microsoft.com:8443/v1.0/x",
      "v1.0/x",
    ]
  ) {
    sent.length = 0;
    await assert.rejects(
      http.send({ method: "GET", path, operation }),
      (error: unknown) =>
        error instanceof GraphError && error.code === "graph_request_failed" &&
        /returned a link off the Graph host/.test(error.message) && !error.message.includes("token"),
      JSON.stringify(path),
    );
    assert.deepEqual(sent, [], `${JSON.stringify(path)} was not requested`);
  }
});
