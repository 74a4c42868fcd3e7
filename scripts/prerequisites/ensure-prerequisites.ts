/**
 * Makes the machine ready for the suites asked for, before any of them runs (called by scripts/test.ts):
 * probe, plan, carry out each step printing one line for it, probe again, and either go on or stop with
 * one message naming what is missing and how to install it.
 */
import { spawnSync } from "node:child_process";
import { readFileSync, writeFileSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import {
  CLUSTER,
  PG_VERSION,
  checkServer,
  describeStep,
  needsOf,
  planMachine,
  type MachineFacts,
  type Step,
} from "./plan.ts";
import { CRON_DATABASE, probeMachine } from "./probe.ts";

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../..");

class SetupError extends Error {}

function sh(command: string, args: string[], what: string): void {
  const result = spawnSync(command, args, {
    cwd: root,
    encoding: "utf8",
    stdio: ["ignore", "pipe", "pipe"],
    env: { ...process.env, DEBIAN_FRONTEND: "noninteractive", CRON_DATABASE },
  });
  if (result.status !== 0) {
    const detail = `${result.stderr ?? ""}${result.stdout ?? ""}`.trim().split("\n").slice(-5).join("\n");
    throw new SetupError(
      `Cannot ${what}: ${command} ${args.join(" ")} exited with ${result.status}\n${detail}`,
    );
  }
}

/** Debian's new cluster asks for a password on 127.0.0.1; put a trust line for postgres first. */
function trustLoopback(): void {
  const file = `/etc/postgresql/${PG_VERSION}/${CLUSTER}/pg_hba.conf`;
  const marker = "# npm test (supabase-onedrive-backup): local test connections";
  const current = readFileSync(file, "utf8");
  if (current.includes(marker)) return;
  writeFileSync(
    file,
    `${marker}\nhost all postgres 127.0.0.1/32 trust\nhost all postgres ::1/128 trust\n${current}`,
  );
}

function carryOut(step: Step): void {
  switch (step.kind) {
    case "apt-update":
      return sh("apt-get", ["update", "-qq"], "refresh Debian's package lists");
    case "apt-install":
      return sh(
        "apt-get",
        ["install", "-y", "-qq", "--no-install-recommends", ...step.packages],
        `install ${step.packages.join(", ")}`,
      );
    case "create-cluster":
      return sh("pg_createcluster", [PG_VERSION, CLUSTER], `create the PostgreSQL ${PG_VERSION} cluster`);
    case "trust-loopback":
      return trustLoopback();
    case "start-cluster":
      // Debian's package may have started it already (or failed to, without systemd): start is idempotent
      // only through the status check, so ask first.
      if (/online/.test(spawnSync("pg_lsclusters", ["--no-header"], { encoding: "utf8" }).stdout ?? "")) {
        return sh(
          "pg_ctlcluster",
          ["--skip-systemctl-redirect", PG_VERSION, CLUSTER, "reload"],
          "reload PostgreSQL",
        );
      }
      return sh(
        "pg_ctlcluster",
        ["--skip-systemctl-redirect", PG_VERSION, CLUSTER, "start"],
        "start PostgreSQL",
      );
    case "setup-pg-cron":
      return sh("bash", ["scripts/setup-pg-cron.sh"], "enable pg_cron");
  }
}

async function waitForServer(): Promise<MachineFacts> {
  let facts = await probeMachine({ server: true });
  for (let i = 0; i < 25 && !facts.serverReachable; i++) {
    await new Promise((r) => setTimeout(r, 200));
    facts = await probeMachine({ server: true });
  }
  return facts;
}

/** Returns an error message when the suites cannot run here, after printing what it set up. */
export async function ensurePrerequisites(suites: readonly string[]): Promise<string | null> {
  const needs = needsOf(suites);
  if (!needs.length) return null;
  const wantsServer = needs.includes("postgres");
  const facts = await probeMachine({ server: wantsServer });
  const plan = planMachine(needs, facts);
  if (plan.kind === "cannot") return plan.message;
  if (plan.kind === "steps") {
    try {
      for (const step of plan.steps) {
        console.log(describeStep(step));
        carryOut(step);
      }
    } catch (error) {
      return error instanceof SetupError ? error.message : String(error);
    }
  }
  if (!wantsServer) return null;
  const after = plan.kind === "ready" ? facts : await waitForServer();
  return checkServer(needs, after);
}

// `npx tsx scripts/prerequisites/ensure-prerequisites.ts [suite…]`: the setup alone.
if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const suites = process.argv.slice(2);
  const problem = await ensurePrerequisites(suites.length ? suites : ["sql", "deno", "e2e"]);
  if (problem) {
    console.error(problem);
    process.exit(1);
  }
  console.log("setup: the machine is ready for npm test");
}
