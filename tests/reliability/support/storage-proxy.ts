/**
 * A fault-injecting HTTP proxy in front of the stack's gateway, for Storage faults the gateway itself
 * never produces: 5xx answers, answers that never come (timeouts), answers that come after the object
 * was stored, and uploads that stall halfway. A test points a private function process's SUPABASE_URL
 * at it; everything else (Auth, REST, the rest of Storage) passes through untouched, so the gateway and
 * Postgres still do the real work.
 */

export type StorageFaultAction =
  /** Answer this status with a Storage-shaped error body; the request never reaches the gateway. */
  | { kind: "error"; status: number }
  /** Never answer (the client's timeout must fire); the request never reaches the gateway. */
  | { kind: "hang" }
  /** Forward the request, let the gateway finish it, then hold its answer this long before relaying it. */
  | { kind: "slowAnswer"; ms: number }
  /** Forward the body up to this many bytes, then hold the rest until `dropStalled()`. */
  | { kind: "stall"; afterBytes: number }
  /** Run something first (e.g. create an object with the same name), then forward. */
  | { kind: "before"; run: (path: string) => Promise<void> };

export interface StorageFaultRule {
  method: string;
  /** Tested against the path after `/storage/v1`, e.g. `/object/backups/backup-….json`. */
  path: RegExp;
  /** How many matching requests get the fault (default 1; 0 means all). */
  times?: number;
  action: StorageFaultAction;
}

export interface ProxiedRequest {
  method: string;
  path: string;
  /** The fault applied, if any. */
  fault?: StorageFaultAction["kind"];
  /** Status relayed to the client (0 when none was sent; for `slowAnswer`, the gateway's). */
  status: number;
}

export interface StorageProxy {
  url: string;
  addFault(rule: StorageFaultRule): void;
  clearFaults(): void;
  /** Storage requests seen, in order. */
  requests: ProxiedRequest[];
  /** Resolves once a `stall` fault has forwarded its bytes and is holding the rest. */
  stalled(): Promise<void>;
  /** Cuts the stalled uploads off mid-body, as the loss of their client's connection would. */
  dropStalled(): void;
  stop(): Promise<void>;
}

const HOP_BY_HOP = ["host", "connection", "content-length", "transfer-encoding", "keep-alive"];

export function startStorageProxy(gatewayUrl: string): StorageProxy {
  const target = gatewayUrl.replace(/\/+$/, "");
  const rules: Array<StorageFaultRule & { applied: number }> = [];
  const requests: ProxiedRequest[] = [];
  const hanging = new Set<() => void>();
  const drops = new Set<() => void>();
  let notifyStalled: (() => void) | undefined;
  let stalledPromise = new Promise<void>((resolve) => (notifyStalled = resolve));

  const take = (method: string, path: string) => {
    for (const rule of rules) {
      if (rule.method !== method || !rule.path.test(path)) continue;
      const times = rule.times ?? 1;
      if (times !== 0 && rule.applied >= times) continue;
      rule.applied += 1;
      return rule.action;
    }
    return undefined;
  };

  const forward = async (request: Request) => {
    const url = new URL(request.url);
    const headers = new Headers(request.headers);
    for (const h of HOP_BY_HOP) headers.delete(h);
    const upstream = await fetch(`${target}${url.pathname}${url.search}`, {
      method: request.method,
      headers,
      body: request.body,
      redirect: "manual",
    });
    const out = new Headers(upstream.headers);
    for (const h of [...HOP_BY_HOP, "content-encoding"]) out.delete(h);
    return { upstream, headers: out };
  };

  /**
   * Sends the request head and the first `limit` body bytes to the gateway over a socket of its own, then
   * holds the rest back until `dropStalled()` (the test saying the uploader is gone: Deno.serve cannot
   * tell once it has read the body) or the proxy stops; the socket is then closed mid-body, which is how
   * the loss of the uploader's connection reaches a real Storage server. Never completes the request.
   */
  const stallUpload = async (request: Request, limit: number): Promise<Response> => {
    // Deno's fetch streams a file body chunked, whatever Content-Length the caller set.
    const chunked = request.headers.get("content-length") === null;
    const url = new URL(request.url);
    const upstreamUrl = new URL(target);
    const conn = await Deno.connect({ hostname: upstreamUrl.hostname, port: Number(upstreamUrl.port) });
    const lines = [`${request.method} ${url.pathname}${url.search} HTTP/1.1`, `host: ${upstreamUrl.host}`];
    for (const [name, value] of request.headers) {
      if (!["host", "connection", "transfer-encoding", "keep-alive"].includes(name)) {
        lines.push(`${name}: ${value}`);
      }
    }
    if (chunked) lines.push("transfer-encoding: chunked");
    lines.push("connection: close", "", "");
    const encoder = new TextEncoder();
    const writeAll = async (bytes: Uint8Array) => {
      let offset = 0;
      while (offset < bytes.length) offset += await conn.write(bytes.subarray(offset));
    };
    await writeAll(encoder.encode(lines.join("\r\n")));
    const dropped = new Promise<void>((resolve) => {
      hanging.add(resolve);
      drops.add(resolve);
    });
    let sent = 0;
    try {
      // Keep reading (and dropping) past the limit, so the uploader is never blocked by the stall.
      for await (const chunk of request.body ?? []) {
        if (sent >= limit) continue;
        const part = chunk.subarray(0, limit - sent);
        if (chunked) await writeAll(encoder.encode(`${part.length.toString(16)}\r\n`));
        await writeAll(part);
        if (chunked) await writeAll(encoder.encode("\r\n"));
        sent += part.length;
        if (sent >= limit) notifyStalled?.();
      }
    } catch {
      // The uploader went away while sending: the drop below still cuts the gateway off.
    }
    await dropped;
    conn.close();
    return new Response(null, { status: 502 });
  };

  const server = Deno.serve({ hostname: "127.0.0.1", port: 0, onListen() {} }, async (request) => {
    const path = new URL(request.url).pathname;
    const storagePath = path.startsWith("/storage/v1") ? path.slice("/storage/v1".length) : null;
    const fault = storagePath === null ? undefined : take(request.method, storagePath);
    const entry: ProxiedRequest | null = storagePath === null
      ? null
      : { method: request.method, path: storagePath, status: 0, ...(fault ? { fault: fault.kind } : {}) };
    if (entry) requests.push(entry);
    const relay = (response: Response) => {
      if (entry) entry.status = response.status;
      return response;
    };
    try {
      if (fault?.kind === "error") {
        await request.body?.cancel();
        return relay(Response.json(
          { statusCode: String(fault.status), code: "InternalError", error: "Internal", message: "injected" },
          { status: fault.status },
        ));
      }
      if (fault?.kind === "hang") {
        await request.body?.cancel();
        await new Promise<void>((resolve) => {
          hanging.add(resolve);
        });
        return relay(new Response(null, { status: 504 }));
      }
      if (fault?.kind === "before") await fault.run(storagePath!);

      if (fault?.kind === "stall") return relay(await stallUpload(request, fault.afterBytes));
      const { upstream, headers } = await forward(request);
      if (fault?.kind === "slowAnswer") {
        const text = await upstream.arrayBuffer();
        // Recorded now: the client may be gone by the time the answer is relayed.
        if (entry) entry.status = upstream.status;
        await new Promise((resolve) => setTimeout(resolve, fault.ms));
        return relay(new Response(text, { status: upstream.status, headers }));
      }
      return relay(new Response(upstream.body, { status: upstream.status, headers }));
    } catch (error) {
      return relay(Response.json(
        { message: `Storage proxy could not reach the gateway: ${(error as Error).message}` },
        { status: 502 },
      ));
    }
  });

  return {
    url: `http://127.0.0.1:${server.addr.port}`,
    addFault(rule) {
      rules.push({ ...rule, applied: 0 });
    },
    clearFaults() {
      rules.length = 0;
    },
    requests,
    stalled: () => stalledPromise,
    dropStalled() {
      for (const drop of drops) drop();
      drops.clear();
    },
    async stop() {
      for (const release of hanging) release();
      hanging.clear();
      stalledPromise = new Promise<void>((resolve) => (notifyStalled = resolve));
      await server.shutdown();
    },
  };
}
