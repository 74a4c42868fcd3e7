// Tokens against the emulated identity platform: caching, refresh, and each AADSTS error's advice.
import assert from "node:assert/strict";
import {
  expectGraphError,
  FOLDER_LINK,
  type RunningEmulator,
  startEmulatorProcess,
  TEST_SECRET,
  testClient,
} from "../../support/graph-emulator.ts";

Deno.test("Graph client tokens against the emulator", async (t) => {
  const emulator: RunningEmulator = await startEmulatorProcess();
  const admin = emulator.admin;
  const tokenCalls = async () => (await admin.requests()).filter((r) => r.route === "token");
  const fresh = async () => {
    await admin.reset();
    await admin.clearRequests();
  };

  try {
    await t.step("a token is requested once and reused until shortly before it expires", async () => {
      await fresh();
      await admin.configure({ tokenLifetimeSeconds: 3600 });
      let clock = Date.parse("2026-11-24T10:00:00Z");
      const { client } = testClient(emulator, { now: () => clock });
      await client.resolveFolder({ link: FOLDER_LINK });
      await client.resolveFolder({ link: FOLDER_LINK });
      clock += 50 * 60_000;
      await client.resolveFolder({ link: FOLDER_LINK });
      assert.equal((await tokenCalls()).length, 1, "cached for 50 minutes");
      clock += 6 * 60_000; // 56 minutes: inside the 5-minute refresh margin
      await client.resolveFolder({ link: FOLDER_LINK });
      const calls = await tokenCalls();
      assert.equal(calls.length, 2, "renewed before expiry");
      assert.ok(calls.every((call) => call.status === 200 && !call.authorization));
    });

    await t.step("concurrent requests share one token request", async () => {
      await fresh();
      const { client } = testClient(emulator);
      await Promise.all([1, 2, 3, 4].map(() => client.resolveFolder({ link: FOLDER_LINK })));
      assert.equal((await tokenCalls()).length, 1);
    });

    await t.step(
      "a revoked token is replaced once; a token refused again fails without looping",
      async () => {
        await fresh();
        const { client } = testClient(emulator);
        await client.resolveFolder({ link: FOLDER_LINK });
        await admin.expireTokens();
        await client.resolveFolder({ link: FOLDER_LINK });
        const shares = (await admin.requests()).filter((r) => r.route === "shares").map((r) => r.status);
        assert.deepEqual(shares, [200, 401, 200]);
        assert.equal((await tokenCalls()).length, 2);

        await admin.addFault({ route: "shares", times: 0, action: { kind: "expireToken" } });
        const error = await expectGraphError(
          client.resolveFolder({ link: FOLDER_LINK }),
          "graph_auth_failed",
        );
        assert.match(error.message, /rejected a fresh access token/);
        assert.equal((await tokenCalls()).length, 3, "exactly one refresh for the failing call");
      },
    );

    await t.step("a throttled or failing token endpoint is retried", async () => {
      await fresh();
      await admin.addFault({ route: "token", action: { kind: "throttle", retryAfter: { seconds: 4 } } });
      await admin.addFault({ route: "token", action: { kind: "error", status: 500 } });
      const { client, sleeps } = testClient(emulator, { random: () => 0.5 });
      await client.resolveFolder({ link: FOLDER_LINK });
      assert.deepEqual((await tokenCalls()).map((r) => r.status), [429, 500, 200]);
      assert.deepEqual(sleeps, [4000, 1500]);
    });

    await t.step(
      "AADSTS7000215: a wrong secret names AZURE_CLIENT_SECRET, and never the secret",
      async () => {
        await fresh();
        const { client } = testClient(emulator, { clientSecret: "not-the-secret" });
        const error = await expectGraphError(
          client.resolveFolder({ link: FOLDER_LINK }),
          "graph_auth_invalid_secret",
        );
        assert.match(
          error.message,
          /^Cannot get a Microsoft Graph token: AZURE_CLIENT_SECRET is not a valid secret/,
        );
        assert.match(error.message, /AADSTS7000215/);
        assert.match(error.message, /Value \(not its Secret ID\)/);
        assert.equal(error.message.includes("not-the-secret"), false);
        assert.equal(error.status, 401);
        assert.equal((await tokenCalls()).length, 1, "an invalid secret is not retried");
      },
    );

    await t.step("AADSTS7000215 with a GUID as secret says the secret's ID was pasted", async () => {
      await fresh();
      const secretId = "0b7f4c1e-2d3a-4b5c-8d9e-0f1a2b3c4d5e";
      const { client } = testClient(emulator, { clientSecret: secretId });
      const error = await expectGraphError(
        client.resolveFolder({ link: FOLDER_LINK }),
        "graph_auth_invalid_secret",
      );
      assert.match(error.message, /looks like the secret's ID/);
      assert.equal(error.message.includes(secretId), false);
    });

    await t.step("AADSTS7000222: an expired secret asks for a new one", async () => {
      await fresh();
      await admin.configure({ secretExpired: true });
      const { client } = testClient(emulator);
      const error = await expectGraphError(
        client.resolveFolder({ link: FOLDER_LINK }),
        "graph_auth_expired_secret",
      );
      assert.match(error.message, /client secret in AZURE_CLIENT_SECRET has expired \(AADSTS7000222\)/);
      assert.equal(error.message.includes(TEST_SECRET), false);
    });

    await t.step("AADSTS700016: an unknown client id names AZURE_CLIENT_ID", async () => {
      await fresh();
      const { client } = testClient(emulator, { clientId: "11111111-2222-3333-4444-555555555555" });
      const error = await expectGraphError(
        client.resolveFolder({ link: FOLDER_LINK }),
        "graph_auth_unknown_client",
      );
      assert.match(
        error.message,
        /AZURE_CLIENT_ID "11111111-2222-3333-4444-555555555555" is not an application/,
      );
      assert.match(error.message, /AADSTS700016/);
    });

    await t.step("AADSTS90002: an unknown tenant names AZURE_TENANT_ID", async () => {
      await fresh();
      const { client } = testClient(emulator, { tenantId: "contoso-typo.onmicrosoft.com" });
      const error = await expectGraphError(
        client.resolveFolder({ link: FOLDER_LINK }),
        "graph_auth_unknown_tenant",
      );
      assert.match(
        error.message,
        /tenant "contoso-typo\.onmicrosoft\.com" in AZURE_TENANT_ID does not exist/,
      );
    });

    await t.step("AADSTS9001023: 'common' as tenant asks for the tenant's own id", async () => {
      await fresh();
      const { client } = testClient(emulator, { tenantId: "common" });
      const error = await expectGraphError(
        client.resolveFolder({ link: FOLDER_LINK }),
        "graph_auth_common_tenant",
      );
      assert.match(error.message, /AZURE_TENANT_ID is "common".*AADSTS9001023/);
    });

    await t.step("a scope the identity platform does not know points at GRAPH_BASE_URL", async () => {
      await fresh();
      const { client } = testClient(emulator, { graphBaseUrl: "https://graph.example.invalid" });
      const error = await expectGraphError(
        client.resolveFolder({ link: FOLDER_LINK }),
        "graph_auth_invalid_scope",
      );
      assert.match(error.message, /GRAPH_BASE_URL/);
    });

    await t.step("a token without roles (no admin consent) is explained", async () => {
      await fresh();
      await admin.configure({ roles: [] });
      const { client } = testClient(emulator);
      const error = await expectGraphError(
        client.resolveFolder({ link: FOLDER_LINK }),
        "graph_admin_consent_missing",
      );
      assert.match(error.message, /grant admin consent for Files\.ReadWrite\.All/);
    });

    await t.step("an unreachable identity platform is reported with AZURE_AUTHORITY_HOST", async () => {
      await fresh();
      const { client, sleeps } = testClient(emulator, {
        authorityHost: "http://127.0.0.1:9",
        retry: { maxAttempts: 2 },
      });
      const error = await expectGraphError(
        client.resolveFolder({ link: FOLDER_LINK }),
        "graph_token_unreachable",
      );
      assert.match(error.message, /cannot reach "http:\/\/127\.0\.0\.1:9".*AZURE_AUTHORITY_HOST/);
      assert.equal(sleeps.length, 1);
    });
  } finally {
    await emulator.stop();
  }
});
