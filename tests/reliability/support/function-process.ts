/**
 * A private functions server for one test: `dev/functions/serve.ts` (the stack's stand-in for the edge
 * runtime) in its own Deno process, with the stack's function environment plus overrides (fragment size,
 * timeouts, a fault proxy in front of Storage, a temp folder the test can inspect). Tests call it over
 * HTTP like the gateway does, and can kill it with SIGKILL as the platform would.
 */
import type { Stack } from "../../integration/support/harness.ts";

const ROOT = new URL("../../../", import.meta.url);

export interface FunctionProcess {
  /** Base URL of the server; the function answers at `${url}/auto-backup`. */
  url: string;
  /** The folder the function's temp (spool) files go to. */
  tmpDir: string;
  /** Everything the process printed so far (stdout and stderr). */
  output(): string;
  /** POST /auto-backup with a JSON body. */
  call(
    body: unknown,
    headers?: Record<string, string>,
  ): Promise<{ status: number; body: Record<string, unknown> }>;
  /** SIGKILL: no cleanup of any kind, like a platform that stops the worker. */
  kill(): Promise<void>;
  /** SIGTERM, waits for the exit, removes the temp folder. */
  stop(): Promise<void>;
}

const KEEP = ["HOME", "PATH", "DENO_DIR", "XDG_CACHE_HOME"];

export async function startFunctionProcess(
  stack: Stack,
  overrides: Record<string, string> = {},
  options: { tmpDir?: string } = {},
): Promise<FunctionProcess> {
  const tmpDir = options.tmpDir ?? await Deno.makeTempDir({ prefix: "reliability-fn-" });
  const inherited = Object.fromEntries(
    KEEP.flatMap((k) => {
      const v = Deno.env.get(k);
      return v === undefined ? [] : [[k, v]];
    }),
  );
  const child = new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", "--config", "deno.json", "dev/functions/serve.ts", "--port", "0"],
    cwd: ROOT,
    clearEnv: true,
    env: { ...inherited, ...stack.env, NO_COLOR: "1", TMPDIR: tmpDir, ...overrides },
    stdin: "null",
    stdout: "piped",
    stderr: "piped",
  }).spawn();

  let text = "";
  let onLine: ((line: string) => void) | undefined;
  const drain = async (stream: ReadableStream<Uint8Array>) => {
    let pending = "";
    for await (const chunk of stream.pipeThrough(new TextDecoderStream())) {
      text = (text + chunk).slice(-400_000);
      pending += chunk;
      const lines = pending.split("\n");
      pending = lines.pop()!;
      for (const line of lines) onLine?.(line);
    }
  };
  const drained = Promise.all([drain(child.stdout), drain(child.stderr)]);
  let exited = false;
  const status = child.status.then((s) => {
    exited = true;
    return s;
  });

  const ready = new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error("no ready line within 60 s")), 60_000);
    onLine = (line) => {
      if (!line.startsWith("{")) return;
      try {
        const event = JSON.parse(line) as { event?: string; url?: string };
        if (event.event === "ready" && event.url) {
          clearTimeout(timer);
          resolve(event.url);
        }
      } catch {
        // Not the ready line.
      }
    };
    status.then(() => {
      clearTimeout(timer);
      reject(new Error("the process exited"));
    });
  });

  let url: string;
  try {
    url = await ready;
  } catch (error) {
    child.kill("SIGKILL");
    await status;
    await drained;
    throw new Error(
      `Cannot start a functions server for the test: ${(error as Error).message}; its output:\n${text}`,
    );
  }

  let removedTmp = false;
  const cleanup = async () => {
    await status;
    await drained;
    if (!options.tmpDir && !removedTmp) {
      removedTmp = true;
      await Deno.remove(tmpDir, { recursive: true }).catch(() => {});
    }
  };

  return {
    url,
    tmpDir,
    output: () => text,
    async call(body, headers = {}) {
      const response = await fetch(`${url}/auto-backup`, {
        method: "POST",
        headers: { "content-type": "application/json", ...headers },
        body: JSON.stringify(body),
      });
      const raw = await response.text();
      let parsed: Record<string, unknown>;
      try {
        parsed = raw ? JSON.parse(raw) : {};
      } catch {
        parsed = { raw };
      }
      return { status: response.status, body: parsed };
    },
    async kill() {
      if (!exited) child.kill("SIGKILL");
      await status;
      await drained;
    },
    async stop() {
      if (!exited) child.kill("SIGTERM");
      await cleanup();
    },
  };
}
