/**
 * What `npm test` needs from the machine, and how to get it: pure functions from the suites asked for
 * and the facts read off the machine (probe.ts) to a list of setup steps, or to one message that says
 * what is missing and the command that installs it when this process cannot (not root, not Debian).
 *
 *   static, unit  nothing beyond `npm ci`
 *   sql           PostgreSQL 15 on 127.0.0.1:5432 with pgTAP (scripts/sql-tests.ts)
 *   deno          PostgreSQL 15 with pg_cron preloaded (tests/scheduling/pg_cron.test.ts)
 *   e2e           Chromium at /usr/bin/chromium (playwright.config.ts)
 *
 * PostgreSQL 15 because that is the version Debian 12 ships with pg_cron and pgTAP packages; the local
 * stack itself runs on embedded Postgres 17 from npm and needs none of this.
 */

export type Need = "chromium" | "postgres" | "pgtap" | "pg_cron";

export const SUITE_NEEDS: Record<string, readonly Need[]> = {
  static: [],
  unit: [],
  sql: ["postgres", "pgtap"],
  deno: ["postgres", "pg_cron"],
  e2e: ["chromium"],
};

/** What probe.ts reads off the machine. */
export interface MachineFacts {
  root: boolean;
  /** apt-get and dpkg are present (Debian, Ubuntu). */
  debian: boolean;
  chromium: boolean;
  /** Debian packages already installed, among those this plan may install. */
  installedPackages: ReadonlySet<string>;
  /** Clusters listed by pg_lsclusters for version 15, with whether each is online. */
  clusters: ReadonlyArray<{ name: string; online: boolean }>;
  /** A `select 1` as postgres on 127.0.0.1:5432 worked (undefined: not tried yet). */
  serverReachable?: boolean;
  /** pgTAP is in pg_available_extensions of that server. */
  pgtapAvailable?: boolean;
  /** pg_cron is preloaded and points at the test database. */
  pgCronLoaded?: boolean;
}

export type Step =
  | { kind: "apt-update" }
  | { kind: "apt-install"; packages: string[] }
  | { kind: "create-cluster" }
  | { kind: "start-cluster" }
  | { kind: "trust-loopback" }
  | { kind: "setup-pg-cron" };

export type Plan = { kind: "ready" } | { kind: "steps"; steps: Step[] } | { kind: "cannot"; message: string };

export const PG_VERSION = "15";
export const CLUSTER = "main";

const PACKAGE_OF: Record<Need, string> = {
  chromium: "chromium",
  postgres: `postgresql-${PG_VERSION}`,
  pgtap: `postgresql-${PG_VERSION}-pgtap`,
  pg_cron: `postgresql-${PG_VERSION}-cron`,
};

export function needsOf(suites: readonly string[]): Need[] {
  const all = new Set<Need>();
  for (const suite of suites) for (const need of SUITE_NEEDS[suite] ?? []) all.add(need);
  // pg_cron and pgTAP are extensions of the server: needing either needs the server.
  return (["chromium", "postgres", "pgtap", "pg_cron"] as const).filter((n) => all.has(n));
}

function metNeeds(facts: MachineFacts): Record<Need, boolean> {
  return {
    chromium: facts.chromium,
    postgres: facts.serverReachable === true,
    pgtap: facts.pgtapAvailable === true,
    pg_cron: facts.pgCronLoaded === true,
  };
}

/**
 * Debian packages missing for these needs. A need already met on the server (pgTAP available, pg_cron
 * loaded, the server answering) needs no package, whatever installed it.
 */
export function missingPackages(needs: readonly Need[], facts: MachineFacts): string[] {
  const met = metNeeds(facts);
  return needs
    .filter((need) => !met[need] && (need === "chromium" || !facts.installedPackages.has(PACKAGE_OF[need])))
    .map((need) => PACKAGE_OF[need]);
}

function describeMissing(needs: readonly Need[], facts: MachineFacts): string[] {
  const words: Record<Need, string> = {
    chromium: "Chromium at /usr/bin/chromium",
    postgres: `PostgreSQL ${PG_VERSION} answering on 127.0.0.1:5432`,
    pgtap: "pgTAP",
    pg_cron: "pg_cron loaded by PostgreSQL",
  };
  const met = metNeeds(facts);
  return needs.filter((n) => !met[n]).map((n) => words[n]);
}

/**
 * Plans the steps before the server can be asked anything (packages, cluster, start). The second half
 * (pg_cron, a final check) runs after these, once the server answers: see planServer().
 */
export function planMachine(needs: readonly Need[], facts: MachineFacts): Plan {
  const packages = missingPackages(needs, facts);
  const cluster = facts.clusters.find((c) => c.name === CLUSTER);
  const wantsServer = needs.includes("postgres");
  const steps: Step[] = [];
  if (packages.length) steps.push({ kind: "apt-update" }, { kind: "apt-install", packages });
  const installsServer = packages.includes(PACKAGE_OF.postgres);
  const serverDown = wantsServer && facts.serverReachable !== true;
  if (serverDown && !cluster && !installsServer) steps.push({ kind: "create-cluster" });
  // A cluster this run creates (Debian's package makes "main" on install) asks for a password on
  // 127.0.0.1; the tests connect as postgres without one, as on this project's machines: trust loopback.
  if (serverDown && (installsServer || !cluster)) steps.push({ kind: "trust-loopback" });
  if (serverDown && (!cluster || !cluster.online)) steps.push({ kind: "start-cluster" });
  if (needs.includes("pg_cron") && facts.pgCronLoaded !== true) steps.push({ kind: "setup-pg-cron" });
  if (!steps.length) return { kind: "ready" };
  if (facts.root && facts.debian) return { kind: "steps", steps };
  return { kind: "cannot", message: cannotMessage(needs, facts) };
}

export function cannotMessage(needs: readonly Need[], facts: MachineFacts): string {
  const missing = describeMissing(needs, facts);
  const what = missing.length ? missing.join(", ") : `a running PostgreSQL ${PG_VERSION}`;
  const packages = missingPackages(needs, facts);
  const why = !facts.debian
    ? "this is not a Debian or Ubuntu machine, so npm test cannot install them itself"
    : "npm test installs them itself only when run as root";
  const commands: string[] = [];
  if (facts.debian) {
    if (packages.length) {
      commands.push(
        `sudo apt-get update && sudo apt-get install -y --no-install-recommends ${packages.join(" ")}`,
      );
    }
    if (needs.includes("postgres")) {
      commands.push(`sudo pg_ctlcluster --skip-systemctl-redirect ${PG_VERSION} ${CLUSTER} start`);
    }
    if (needs.includes("pg_cron")) commands.push("sudo bash scripts/setup-pg-cron.sh");
    commands.push("or simply: sudo npm test");
  } else {
    commands.push(
      `install Chromium and PostgreSQL ${PG_VERSION} with pgTAP and pg_cron, listening on 127.0.0.1:5432 (user postgres, no password)`,
      "or run only the suites that need neither: npm test -- static unit",
    );
  }
  return [
    `Cannot run the tests: missing ${what}; ${why}.`,
    "Install with:",
    ...commands.map((c) => `  ${c}`),
  ].join("\n");
}

/** After the machine steps: is the server ready for the suites? */
export function checkServer(needs: readonly Need[], facts: MachineFacts): string | null {
  if (!needs.includes("postgres")) return null;
  if (!facts.serverReachable) {
    return (
      `Cannot run the tests: PostgreSQL ${PG_VERSION} does not accept user postgres without a password on ` +
      `127.0.0.1:5432. Start it (pg_ctlcluster --skip-systemctl-redirect ${PG_VERSION} ${CLUSTER} start), or ` +
      `allow loopback connections for postgres in /etc/postgresql/${PG_VERSION}/${CLUSTER}/pg_hba.conf ` +
      `("host all postgres 127.0.0.1/32 trust"), then run npm test again`
    );
  }
  if (needs.includes("pgtap") && !facts.pgtapAvailable) {
    return `Cannot run the tests: pgTAP is not available on PostgreSQL at 127.0.0.1:5432; install postgresql-${PG_VERSION}-pgtap`;
  }
  if (needs.includes("pg_cron") && !facts.pgCronLoaded) {
    return "Cannot run the tests: pg_cron is not loaded by PostgreSQL at 127.0.0.1:5432; run sudo bash scripts/setup-pg-cron.sh";
  }
  return null;
}

/** The one line printed for each step. */
export function describeStep(step: Step): string {
  switch (step.kind) {
    case "apt-update":
      return "setup: refreshing Debian's package lists (apt-get update)";
    case "apt-install":
      return `setup: installing ${step.packages.join(", ")} (apt-get install)`;
    case "create-cluster":
      return `setup: creating the PostgreSQL ${PG_VERSION} cluster "${CLUSTER}" (pg_createcluster)`;
    case "start-cluster":
      return `setup: starting PostgreSQL ${PG_VERSION}/${CLUSTER} on 127.0.0.1:5432`;
    case "trust-loopback":
      return `setup: letting user postgres connect from 127.0.0.1 without a password (new cluster's pg_hba.conf)`;
    case "setup-pg-cron":
      return "setup: enabling pg_cron for the scheduling tests (scripts/setup-pg-cron.sh)";
  }
}
