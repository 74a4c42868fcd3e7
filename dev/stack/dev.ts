/**
 * `npm run dev`: the whole product locally (see start-stack.ts), until Ctrl-C.
 *
 *   npm run dev [-- --state-dir DIR] [--free-ports] [--no-app] [--fresh]
 */
import path from "node:path";
import { REPO_ROOT, startStack, type RunningStack } from "./start-stack.ts";

interface Flags {
  stateDir: string;
  freePorts: boolean;
  app: boolean;
  fresh: boolean;
}

function parseFlags(argv: string[]): Flags {
  const flags: Flags = {
    stateDir: path.join(REPO_ROOT, ".local"),
    freePorts: false,
    app: true,
    fresh: false,
  };
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i] as string;
    if (arg === "--") continue;
    if (arg === "--free-ports") flags.freePorts = true;
    else if (arg === "--no-app") flags.app = false;
    else if (arg === "--fresh") flags.fresh = true;
    else if (arg === "--state-dir" || arg.startsWith("--state-dir=")) {
      const value = arg.includes("=") ? arg.slice(arg.indexOf("=") + 1) : argv[++i];
      if (!value) throw new Error('Cannot start: "--state-dir" needs a folder');
      flags.stateDir = path.resolve(value);
    } else if (arg === "--help" || arg === "-h") {
      console.log("Usage: npm run dev [-- --state-dir DIR] [--free-ports] [--no-app] [--fresh]");
      process.exit(0);
    } else {
      throw new Error(`Cannot start: unknown option "${arg}" (try --help)`);
    }
  }
  return flags;
}

async function main(): Promise<void> {
  const flags = parseFlags(process.argv.slice(2));
  let stopping = false;
  const starting: Promise<RunningStack> = startStack({
    stateDir: flags.stateDir,
    ports: flags.freePorts ? "free" : "default",
    app: flags.app,
    fresh: flags.fresh,
    azure: "auto",
    seed: true,
  });
  const shutdown = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    console.log(`\n${signal}: stopping the local stack…`);
    try {
      // During startup, let it finish (or fail and clean up), then stop everything it started.
      const stack = await starting.catch(() => undefined);
      await stack?.stop();
    } finally {
      process.exit(0);
    }
  };
  process.on("SIGINT", () => void shutdown("SIGINT"));
  process.on("SIGTERM", () => void shutdown("SIGTERM"));
  process.on("SIGHUP", () => void shutdown("SIGHUP"));

  const stack = await starting;
  if (stopping) return;
  const { info } = stack;
  const lines = [
    "",
    "Local stack ready.",
    info.app_url ? `  App:              ${info.app_url}` : "  App:              not started (--no-app)",
    `  Supabase URL:     ${info.supabase_url}`,
    `  Database:         ${info.db_url.replace(/:[^:@/]+@/, ":…@")}`,
    info.graph_emulator_url
      ? `  OneDrive (emul.): ${info.onedrive_dir}`
      : "  OneDrive:         real Azure settings (no emulator)",
    `  stack.json:       ${path.join(info.state_dir, "stack.json")}`,
    "",
    "  Demo logins:",
    ...info.users.map(
      (u) => `    ${u.email.padEnd(22)} password: ${u.password}${u.admin ? "   (admin)" : ""}`,
    ),
    "",
    "Press Ctrl-C to stop.",
  ];
  console.log(lines.join("\n"));
}

main().catch((error: unknown) => {
  console.error(error instanceof Error ? error.message : String(error));
  process.exit(1);
});
