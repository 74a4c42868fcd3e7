/**
 * Port choices for the local stack: the documented defaults (docs/architecture.md) or free ports.
 */
import net from "node:net";

export interface StackPorts {
  app: number;
  gateway: number;
  database: number;
  graph: number;
  functions: number;
}

export const DEFAULT_PORTS: StackPorts = {
  app: 5173,
  gateway: 54321,
  database: 54322,
  graph: 54323,
  functions: 54324,
};

const LABELS: Record<keyof StackPorts, string> = {
  app: "the app (Vite)",
  gateway: "the gateway",
  database: "Postgres",
  graph: "the Graph emulator",
  functions: "the functions server",
};

export function findFreePort(host = "127.0.0.1"): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.unref();
    server.once("error", reject);
    server.listen(0, host, () => {
      const port = (server.address() as net.AddressInfo).port;
      server.close(() => resolve(port));
    });
  });
}

export function isPortFree(port: number, host = "127.0.0.1"): Promise<boolean> {
  return new Promise((resolve) => {
    const server = net.createServer();
    server.unref();
    server.once("error", () => resolve(false));
    server.listen(port, host, () => server.close(() => resolve(true)));
  });
}

/** Picks the ports; with the defaults, fails early with a clear message when one is taken. */
export async function choosePorts(
  mode: "default" | "free",
  needed: Array<keyof StackPorts>,
): Promise<StackPorts> {
  if (mode === "free") {
    const chosen = { ...DEFAULT_PORTS };
    const taken = new Set<number>();
    for (const key of needed) {
      let port = await findFreePort();
      while (taken.has(port)) port = await findFreePort();
      taken.add(port);
      chosen[key] = port;
    }
    return chosen;
  }
  for (const key of needed) {
    if (!(await isPortFree(DEFAULT_PORTS[key]))) {
      throw new Error(
        `Cannot start the local stack: port ${DEFAULT_PORTS[key]} (${LABELS[key]}) is already in use; stop what uses it (another "npm run dev"?) or run "npm run dev -- --free-ports"`,
      );
    }
  }
  return { ...DEFAULT_PORTS };
}
