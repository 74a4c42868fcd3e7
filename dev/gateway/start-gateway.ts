/**
 * Serves the gateway over HTTP (Node, @hono/node-server) and returns its URL and a stop function.
 */
import type { AddressInfo } from "node:net";
import { serve } from "@hono/node-server";
import { createGateway, type GatewayOptions } from "./create-gateway.ts";

export interface RunningGateway {
  url: string;
  port: number;
  stop(): Promise<void>;
}

export async function startGateway(
  options: Omit<GatewayOptions, "publicUrl"> & { port: number; hostname?: string },
): Promise<RunningGateway> {
  const hostname = options.hostname ?? "127.0.0.1";
  let url = "";
  const app = createGateway({ ...options, publicUrl: () => url });
  const server = await new Promise<ReturnType<typeof serve>>((resolve, reject) => {
    const s = serve({ fetch: app.fetch, port: options.port, hostname }, () => resolve(s));
    s.once("error", (error: NodeJS.ErrnoException) => {
      reject(
        error.code === "EADDRINUSE"
          ? new Error(`Cannot start the gateway: port ${options.port} on ${hostname} is already in use`)
          : error,
      );
    });
  });
  const port = (server.address() as AddressInfo).port;
  url = `http://${hostname}:${port}`;
  return {
    url,
    port,
    stop: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        // Keep-alive connections (browsers, fetch) would otherwise hold close() open.
        (server as unknown as { closeAllConnections?: () => void }).closeAllConnections?.();
      }),
  };
}
