// CLI of the Graph emulator:
//   npx tsx dev/graph-emulator/main.ts --port 0 --root DIR --config '{"tenantId": …}' (or --config file.json)
// Prints one JSON line ({"url", "uploadUrlBase", "driveId", "rootItemId"}) once listening; stops on
// SIGTERM / SIGINT, and with --exit-on-stdin-close also when stdin closes. The config holds the
// startGraphEmulator options; TLS may be given as file paths ({"tls": {"keyFile": "…", "certFile": "…"}}).
// Command-line flags override the config.
import { existsSync, readFileSync } from "node:fs";
import { parseArgs } from "node:util";
import { type GraphEmulatorOptions, startGraphEmulator } from "./start-graph-emulator.ts";

type FileConfig = Partial<Omit<GraphEmulatorOptions, "tls">> & {
  tls?: { key?: string; cert?: string; keyFile?: string; certFile?: string };
};

function readConfig(value: string | undefined): FileConfig {
  if (!value) return {};
  const text = value.trim().startsWith("{") ? value : readFileSync(value, "utf8");
  try {
    return JSON.parse(text) as FileConfig;
  } catch (error) {
    throw new Error(`Cannot read the emulator config: ${(error as Error).message}`, { cause: error });
  }
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      port: { type: "string" },
      host: { type: "string" },
      "upload-host": { type: "string" },
      "upload-port": { type: "string" },
      root: { type: "string" },
      config: { type: "string" },
      // Stop when stdin closes: a test runner that dies without signalling leaves no emulator behind.
      "exit-on-stdin-close": { type: "boolean" },
    },
    strict: true,
  });
  const config = readConfig(values.config);
  const root = values.root ?? config.root;
  if (!root) throw new Error('Cannot start the Graph emulator: --root (or "root" in --config) is required');
  const missing = (["tenantId", "clientId", "clientSecret"] as const).filter((key) => !config[key]);
  if (missing.length > 0) {
    throw new Error(
      `Cannot start the Graph emulator: the config lacks ${missing.map((k) => `"${k}"`).join(", ")}`,
    );
  }
  let tls: GraphEmulatorOptions["tls"];
  if (config.tls) {
    const load = (inline: string | undefined, file: string | undefined, what: string) => {
      if (inline) return inline;
      if (file && existsSync(file)) return readFileSync(file, "utf8");
      throw new Error(
        `Cannot start the Graph emulator: TLS ${what} missing (give "${what}" or "${what}File")`,
      );
    };
    tls = {
      key: load(config.tls.key, config.tls.keyFile, "key"),
      cert: load(config.tls.cert, config.tls.certFile, "cert"),
    };
  }
  const emulator = await startGraphEmulator({
    ...config,
    root,
    tenantId: config.tenantId!,
    clientId: config.clientId!,
    clientSecret: config.clientSecret!,
    port: values.port === undefined ? config.port : Number(values.port),
    host: values.host ?? config.host,
    uploadHost: values["upload-host"] ?? config.uploadHost,
    uploadPort: values["upload-port"] === undefined ? config.uploadPort : Number(values["upload-port"]),
    tls,
  });
  process.stdout.write(
    JSON.stringify({
      url: emulator.url,
      uploadUrlBase: emulator.uploadUrlBase,
      driveId: emulator.driveId,
      rootItemId: emulator.rootItemId,
    }) + "\n",
  );

  let stopping = false;
  const stop = () => {
    if (stopping) return;
    stopping = true;
    emulator.stop().then(
      () => process.exit(0),
      (error) => {
        console.error(error);
        process.exit(1);
      },
    );
  };
  process.on("SIGTERM", stop);
  process.on("SIGINT", stop);
  if (values["exit-on-stdin-close"]) {
    process.stdin.on("end", stop);
    process.stdin.on("close", stop);
    process.stdin.resume();
  }
}

main().catch((error) => {
  console.error(error instanceof Error ? error.message : error);
  process.exit(1);
});
