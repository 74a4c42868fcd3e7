/**
 * Test support: runs the Graph emulator (dev/graph-emulator, Node through tsx) as a separate process and
 * builds clients against it with a recording, instant `sleep`, so back-off costs no real time.
 */
import { GraphEmulatorAdmin } from "../../dev/graph-emulator/admin-client.ts";
import { createGraphClient, type GraphClientOptions } from "../../supabase/functions/_shared/graph/client.ts";
import type { GraphClient } from "../../supabase/functions/_shared/graph/types.ts";
import { GraphError } from "../../supabase/functions/_shared/graph/errors.ts";

const repoRoot = new URL("../../", import.meta.url);

export const TEST_TENANT = "3f1c6e2a-7b4d-4e8f-9a10-5c2d8e7f6b01";
export const TEST_CLIENT = "6a0d3c9e-1f2b-4c5d-8e7f-0a1b2c3d4e5f";
export const TEST_SECRET = "Qx8~test.secret-value_for_the_emulator";
export const FOLDER_LINK = "https://contoso.sharepoint.com/:f:/s/Backups/EaBcDeFgHiJkLmNoPqRsTuV";

export interface RunningEmulator {
  url: string;
  /** Origin of the emulator's upload host (upload URLs point there). */
  uploadUrlBase: string;
  driveId: string;
  rootItemId: string;
  root: string;
  admin: GraphEmulatorAdmin;
  stop(): Promise<void>;
}

export async function startEmulatorProcess(
  extraConfig: Record<string, unknown> = {},
): Promise<RunningEmulator> {
  const root = await Deno.makeTempDir({ prefix: "graph-emulator-test-" });
  const config = {
    tenantId: TEST_TENANT,
    clientId: TEST_CLIENT,
    clientSecret: TEST_SECRET,
    links: { [FOLDER_LINK]: "Backups" },
    ...extraConfig,
  };
  const tsx = new URL("node_modules/.bin/tsx", repoRoot).pathname;
  const main = new URL("dev/graph-emulator/main.ts", repoRoot).pathname;
  // tsx itself (not `npx tsx`) so that SIGTERM reaches the emulator; stdin closing stops it if we die.
  const child = new Deno.Command(tsx, {
    args: [main, "--port", "0", "--root", root, "--config", JSON.stringify(config), "--exit-on-stdin-close"],
    cwd: repoRoot.pathname,
    stdin: "piped",
    stdout: "piped",
    stderr: "inherit",
  }).spawn();
  const reader = child.stdout.pipeThrough(new TextDecoderStream()).getReader();
  let buffered = "";
  while (!buffered.includes("\n")) {
    const { value, done } = await reader.read();
    if (done) {
      await child.status;
      throw new Error(`The Graph emulator exited before listening: ${buffered}`);
    }
    buffered += value;
  }
  const info = JSON.parse(buffered.slice(0, buffered.indexOf("\n"))) as {
    url: string;
    uploadUrlBase: string;
    driveId: string;
    rootItemId: string;
  };
  // Keep draining stdout so the child never blocks on a full pipe.
  const drained = (async () => {
    while (!(await reader.read()).done) { /* discard */ }
  })();
  return {
    ...info,
    root,
    admin: new GraphEmulatorAdmin(info.url),
    async stop() {
      child.kill("SIGTERM");
      await child.status;
      await child.stdin.close().catch(() => {});
      await drained;
      await Deno.remove(root, { recursive: true });
    },
  };
}

export interface TestClient {
  client: GraphClient;
  /** Delays the client asked to sleep, in order. */
  sleeps: number[];
  logs: string[];
}

export function testClient(
  emulator: RunningEmulator,
  overrides: Partial<GraphClientOptions> = {},
): TestClient {
  const sleeps: number[] = [];
  const logs: string[] = [];
  const client = createGraphClient({
    tenantId: TEST_TENANT,
    clientId: TEST_CLIENT,
    clientSecret: TEST_SECRET,
    authorityHost: emulator.url,
    graphBaseUrl: emulator.url,
    uploadOrigins: [emulator.uploadUrlBase],
    sleep: (ms) => {
      sleeps.push(ms);
      return Promise.resolve();
    },
    log: (msg) => logs.push(msg),
    ...overrides,
  });
  return { client, sleeps, logs };
}

/** Deterministic pseudo-random bytes (xorshift32), so failures reproduce. */
export function testBytes(size: number, seed = 1): Uint8Array {
  const bytes = new Uint8Array(size);
  let x = seed >>> 0 || 1;
  for (let i = 0; i < size; i++) {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    bytes[i] = x & 0xff;
  }
  return bytes;
}

export async function sha256Hex(bytes: Uint8Array): Promise<string> {
  const digest = await crypto.subtle.digest("SHA-256", bytes as BufferSource);
  return Array.from(new Uint8Array(digest), (b) => b.toString(16).padStart(2, "0")).join("");
}

/** Awaits a rejection with a GraphError of this code; returns it for further assertions. */
export async function expectGraphError(promise: Promise<unknown>, code: string): Promise<GraphError> {
  try {
    await promise;
  } catch (error) {
    if (!(error instanceof GraphError)) {
      throw new Error(`Expected GraphError "${code}", got ${error}`, { cause: error });
    }
    if (error.code !== code) {
      throw new Error(`Expected GraphError "${code}", got "${error.code}": ${error.message}`, {
        cause: error,
      });
    }
    if (error.message.includes(TEST_SECRET)) {
      throw new Error(`The message reveals the client secret: ${error.message}`);
    }
    if (/eyJ[\w-]+\.[\w-]+\./.test(error.message) || /tempauth/i.test(error.message)) {
      throw new Error(`The message reveals a token or an upload URL: ${error.message}`);
    }
    return error;
  }
  throw new Error(`Expected GraphError "${code}", but the call succeeded`);
}
