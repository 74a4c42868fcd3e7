/**
 * A second, private instance of the real edge function for tests that need their own settings or its
 * every log line: `dev/functions/serve.ts` (the stack's stand-in for Supabase's edge runtime) in its own
 * Deno process, with the stack's function environment plus overrides, stdout and stderr captured.
 *
 * It talks to the same gateway, database and Graph emulator as the stack; callers reach it directly
 * (`call`), not through the gateway, exactly as the gateway would forward a request.
 */
import type { Stack } from "../../integration/support/harness.ts";

const ROOT = new URL("../../../", import.meta.url);

export interface FunctionProcess {
  url: string;
  /** Every line the process wrote to stdout or stderr so far. */
  lines: string[];
  call(
    init: { body?: unknown; headers?: Record<string, string>; method?: string },
  ): Promise<{ status: number; text: string; body: Record<string, unknown> }>;
  stop(): Promise<void>;
}

async function collect(stream: ReadableStream<Uint8Array>, lines: string[], onLine: (l: string) => void) {
  let rest = "";
  for await (const chunk of stream.pipeThrough(new TextDecoderStream())) {
    rest += chunk;
    let at: number;
    while ((at = rest.indexOf("\n")) >= 0) {
      const line = rest.slice(0, at);
      rest = rest.slice(at + 1);
      lines.push(line);
      onLine(line);
    }
  }
  if (rest) lines.push(rest);
}

export async function startFunctionProcess(
  stack: Stack,
  overrides: Record<string, string | undefined> = {},
): Promise<FunctionProcess> {
  const keep = ["HOME", "PATH", "DENO_DIR", "TMPDIR"].flatMap((k) => {
    const v = Deno.env.get(k);
    return v === undefined ? [] : [[k, v] as const];
  });
  const env: Record<string, string> = { ...Object.fromEntries(keep), ...stack.env, NO_COLOR: "1" };
  for (const [k, v] of Object.entries(overrides)) {
    if (v === undefined) delete env[k];
    else env[k] = v;
  }
  const child = new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", "--config", "deno.json", "dev/functions/serve.ts", "--port", "0"],
    cwd: ROOT,
    clearEnv: true,
    env,
    stdin: "null",
    stdout: "piped",
    stderr: "piped",
  }).spawn();
  const lines: string[] = [];
  let ready!: (url: string) => void;
  const readyUrl = new Promise<string>((resolve) => (ready = resolve));
  const onLine = (line: string) => {
    if (line.startsWith("{")) {
      try {
        const event = JSON.parse(line) as { event?: string; url?: string };
        if (event.event === "ready" && event.url) ready(event.url);
      } catch {
        // An ordinary log line that happens to start with a brace.
      }
    }
  };
  const readers = Promise.all([collect(child.stdout, lines, onLine), collect(child.stderr, lines, onLine)]);
  const url = await Promise.race([
    readyUrl,
    child.status.then((s) => {
      throw new Error(`The function process exited (${s.code}) before listening:\n${lines.join("\n")}`);
    }),
  ]);
  let stopped = false;
  return {
    url,
    lines,
    async call(init) {
      const response = await fetch(`${url}/auto-backup`, {
        method: init.method ?? "POST",
        headers: { "content-type": "application/json", ...init.headers },
        body: init.body === undefined
          ? undefined
          : typeof init.body === "string"
          ? init.body
          : JSON.stringify(init.body),
      });
      const text = await response.text();
      let body: Record<string, unknown> = {};
      try {
        body = text ? JSON.parse(text) : {};
      } catch {
        body = { raw: text };
      }
      return { status: response.status, text, body };
    },
    async stop() {
      if (stopped) return;
      stopped = true;
      try {
        child.kill("SIGTERM");
      } catch {
        // Already gone.
      }
      await child.status;
      await readers;
    },
  };
}
