/**
 * Local stand-in for Supabase's edge runtime: serves every `supabase/functions/<name>/index.ts`
 * (except `_shared` and dot folders) on one port, routed by the first path segment
 * (`/auto-backup/...` → auto-backup), the way the gateway's `/functions/v1/<name>` forwards.
 *
 * Run with: deno run -A --config deno.json dev/functions/serve.ts [--port N]   (or FUNCTIONS_PORT)
 *
 * Like the edge runtime, it:
 * - lets each function call `Deno.serve(handler)` at import time and captures that handler instead
 *   of opening a port per function;
 * - provides a global `EdgeRuntime.waitUntil(promise)` that keeps background work alive after the
 *   response and logs its failure;
 * - answers 404 `{"code":"NOT_FOUND"}` for unknown functions, 503 `BOOT_ERROR` when a function failed
 *   to load, 500 `WORKER_ERROR` when a handler throws.
 * The process environment (the stack's stack.env) is every function's environment.
 *
 * Prints one JSON line `{"event":"ready","url":…,"functions":[…]}` once listening.
 *
 * The Deno API is reached through a small typed view of `globalThis.Deno` so this file also type-checks
 * under Node's tsc, which checks the dev/ folder.
 */

type Handler = (request: Request, info: unknown) => Response | Promise<Response>;

interface DenoServer {
  finished: Promise<void>;
  shutdown(): Promise<void>;
  ref(): void;
  unref(): void;
  addr: { hostname: string; port: number; transport: string };
}

interface DenoApi {
  args: string[];
  env: { get(name: string): string | undefined };
  readDir(path: string | URL): AsyncIterable<{ name: string; isDirectory: boolean }>;
  stat(path: string | URL): Promise<{ isFile: boolean }>;
  serve: (...args: unknown[]) => DenoServer;
  addSignalListener(signal: "SIGTERM" | "SIGINT", handler: () => void): void;
  exit(code?: number): never;
}

const deno = (globalThis as unknown as { Deno: DenoApi }).Deno;
const functionsRoot = new URL("../../supabase/functions/", import.meta.url);

function log(line: string): void {
  console.error(`[functions] ${line}`);
}

// ---------------------------------------------------------------------------------------------
// EdgeRuntime.waitUntil: background work outlives the response, failures are logged.
// ---------------------------------------------------------------------------------------------
const pending = new Set<Promise<unknown>>();

(globalThis as unknown as { EdgeRuntime: { waitUntil(promise: Promise<unknown>): void } }).EdgeRuntime = {
  waitUntil(promise: Promise<unknown>): void {
    const tracked = Promise.resolve(promise)
      .catch((error: unknown) => {
        log(
          `a background task (EdgeRuntime.waitUntil) failed: ${
            error instanceof Error ? (error.stack ?? error.message) : String(error)
          }`,
        );
      })
      .finally(() => pending.delete(tracked));
    pending.add(tracked);
  },
};

// ---------------------------------------------------------------------------------------------
// Capture each function's Deno.serve handler.
// ---------------------------------------------------------------------------------------------
const realServe = deno.serve.bind(deno);
const handlers = new Map<string, Handler>();
const bootErrors = new Map<string, string>();
let loading: string | undefined;

function handlerFrom(args: unknown[]): Handler | undefined {
  for (const arg of args) {
    if (typeof arg === "function") return arg as Handler;
    if (arg && typeof arg === "object" && typeof (arg as { handler?: unknown }).handler === "function") {
      return (arg as { handler: Handler }).handler;
    }
  }
  return undefined;
}

function fakeServer(): DenoServer {
  return {
    finished: new Promise<void>(() => {}),
    shutdown: () => Promise.resolve(),
    ref: () => {},
    unref: () => {},
    addr: { hostname: "127.0.0.1", port: 0, transport: "tcp" },
  };
}

deno.serve = (...args: unknown[]): DenoServer => {
  const handler = handlerFrom(args);
  if (!loading) {
    log("Deno.serve was called outside of a function's module evaluation: ignored");
    return fakeServer();
  }
  if (!handler) {
    bootErrors.set(loading, "Deno.serve was called without a handler");
    return fakeServer();
  }
  handlers.set(loading, handler);
  return fakeServer();
};

async function loadFunctions(): Promise<string[]> {
  const names: string[] = [];
  try {
    for await (const entry of deno.readDir(functionsRoot)) {
      if (entry.isDirectory && !entry.name.startsWith("_") && !entry.name.startsWith(".")) {
        names.push(entry.name);
      }
    }
  } catch (error) {
    log(`no functions folder at ${functionsRoot.pathname}: ${(error as Error).message}`);
  }
  names.sort();
  const loaded: string[] = [];
  for (const name of names) {
    const entry = new URL(`${name}/index.ts`, functionsRoot);
    try {
      await deno.stat(entry);
    } catch {
      continue;
    }
    loading = name;
    try {
      await import(entry.href);
      if (!handlers.has(name) && !bootErrors.has(name)) {
        bootErrors.set(name, "the module did not call Deno.serve(handler)");
      }
    } catch (error) {
      bootErrors.set(name, error instanceof Error ? (error.stack ?? error.message) : String(error));
    } finally {
      loading = undefined;
    }
    const problem = bootErrors.get(name);
    if (problem) log(`Cannot load function "${name}": ${problem}`);
    else loaded.push(name);
  }
  return loaded;
}

function json(status: number, body: unknown): Response {
  return new Response(JSON.stringify(body), { status, headers: { "content-type": "application/json" } });
}

async function route(request: Request, info: unknown): Promise<Response> {
  const url = new URL(request.url);
  const name = decodeURIComponent(url.pathname.split("/")[1] ?? "");
  const handler = handlers.get(name);
  if (!handler) {
    if (bootErrors.has(name)) {
      return json(503, { code: "BOOT_ERROR", message: "Function failed to start (please check logs)" });
    }
    return json(404, { code: "NOT_FOUND", message: "Requested function was not found" });
  }
  try {
    return await handler(request, info);
  } catch (error) {
    log(
      `function "${name}" threw: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`,
    );
    return json(500, {
      code: "WORKER_ERROR",
      message: "Function exited due to an error (please check logs)",
    });
  }
}

function portFromArgs(): number {
  const flag = deno.args.indexOf("--port");
  const value = flag >= 0 ? deno.args[flag + 1] : deno.env.get("FUNCTIONS_PORT");
  const port = Number(value ?? "54324");
  if (!Number.isInteger(port) || port < 0 || port > 65535) {
    throw new Error(`Cannot start the functions server: invalid port "${value}"`);
  }
  return port;
}

const functions = await loadFunctions();
const port = portFromArgs();
let url = "";
const server = realServe({
  port,
  hostname: "127.0.0.1",
  onListen: (addr: { hostname: string; port: number }) => {
    url = `http://${addr.hostname}:${addr.port}`;
    console.log(JSON.stringify({ event: "ready", url, functions, failed: [...bootErrors.keys()] }));
  },
  handler: route,
});

let stopping = false;
async function stop(): Promise<void> {
  if (stopping) return;
  stopping = true;
  if (pending.size) log(`stopping with ${pending.size} background task(s) still running`);
  await Promise.race([server.shutdown(), new Promise((resolve) => setTimeout(resolve, 2000))]);
  deno.exit(0);
}
deno.addSignalListener("SIGTERM", () => void stop());
deno.addSignalListener("SIGINT", () => void stop());
