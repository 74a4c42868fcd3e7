import { describe, expect, it } from "vitest";
import { checkServer, needsOf, planMachine, type MachineFacts } from "./plan.ts";
import { parseClusters } from "./probe.ts";

const ready: MachineFacts = {
  root: true,
  debian: true,
  chromium: true,
  installedPackages: new Set(["postgresql-15", "postgresql-15-pgtap", "postgresql-15-cron"]),
  clusters: [{ name: "main", online: true }],
  serverReachable: true,
  pgtapAvailable: true,
  pgCronLoaded: true,
};

const fresh: MachineFacts = {
  root: true,
  debian: true,
  chromium: false,
  installedPackages: new Set(),
  clusters: [],
  serverReachable: false,
  pgtapAvailable: false,
  pgCronLoaded: false,
};

const kinds = (facts: MachineFacts, suites: string[]) => {
  const plan = planMachine(needsOf(suites), facts);
  return plan.kind === "steps"
    ? plan.steps.map((s) => (s.kind === "apt-install" ? s.packages.join("+") : s.kind))
    : plan.kind;
};

describe("needsOf", () => {
  it("asks nothing of the machine for static checks and unit tests", () => {
    expect(needsOf(["static", "unit"])).toEqual([]);
  });
  it("collects each suite's needs once, in a fixed order", () => {
    expect(needsOf(["e2e", "deno", "sql"])).toEqual(["chromium", "postgres", "pgtap", "pg_cron"]);
  });
});

describe("planMachine", () => {
  it.each([
    ["a ready machine", ready, ["static", "unit", "sql", "deno", "e2e"], "ready"],
    ["a machine needing nothing for static checks", fresh, ["static", "unit"], "ready"],
    [
      "a fresh Debian machine, every suite",
      fresh,
      ["sql", "deno", "e2e"],
      [
        "apt-update",
        "chromium+postgresql-15+postgresql-15-pgtap+postgresql-15-cron",
        "trust-loopback",
        "start-cluster",
        "setup-pg-cron",
      ],
    ],
    ["only Chromium missing, e2e only", { ...ready, chromium: false }, ["e2e"], ["apt-update", "chromium"]],
    [
      "a stopped cluster",
      { ...ready, clusters: [{ name: "main", online: false }], serverReachable: false },
      ["sql"],
      ["start-cluster"],
    ],
    [
      "pg_cron installed but not loaded: configure only",
      { ...ready, pgCronLoaded: false },
      ["deno"],
      ["setup-pg-cron"],
    ],
    [
      "pgTAP missing on a running server: install it, leave the cluster alone",
      {
        ...ready,
        pgtapAvailable: false,
        installedPackages: new Set(["postgresql-15", "postgresql-15-cron"]),
      },
      ["sql"],
      ["apt-update", "postgresql-15-pgtap"],
    ],
    [
      "server package installed but no cluster",
      { ...fresh, chromium: true, installedPackages: new Set(["postgresql-15", "postgresql-15-pgtap"]) },
      ["sql"],
      ["create-cluster", "trust-loopback", "start-cluster"],
    ],
  ])("%s", (_name, facts, suites, expected) => {
    expect(kinds(facts as MachineFacts, suites as string[])).toEqual(expected);
  });

  it("does not touch the cluster of a server that answers, whatever dpkg says (a server built from source)", () => {
    const fromSource = {
      ...ready,
      debian: false,
      root: false,
      installedPackages: new Set<string>(),
      clusters: [],
    };
    expect(planMachine(needsOf(["sql", "deno"]), fromSource)).toEqual({ kind: "ready" });
  });

  it("stops without root, naming what is missing and the command that installs it", () => {
    const plan = planMachine(needsOf(["sql", "e2e"]), { ...fresh, root: false });
    expect(plan.kind).toBe("cannot");
    const message = plan.kind === "cannot" ? plan.message : "";
    expect(message).toMatch(
      /^Cannot run the tests: missing Chromium at \/usr\/bin\/chromium, PostgreSQL 15 answering/,
    );
    expect(message).toContain("only when run as root");
    expect(message).toContain(
      "sudo apt-get install -y --no-install-recommends chromium postgresql-15 postgresql-15-pgtap",
    );
    expect(message.split("\n")[0]).not.toContain("pg_cron");
  });

  it("stops off Debian with what to install and the suites that need nothing", () => {
    const plan = planMachine(needsOf(["deno"]), { ...fresh, debian: false, installedPackages: new Set() });
    expect(plan.kind).toBe("cannot");
    const message = plan.kind === "cannot" ? plan.message : "";
    expect(message).toContain("not a Debian or Ubuntu machine");
    expect(message).toContain("npm test -- static unit");
    expect(message).not.toContain("apt-get");
  });
});

describe("checkServer", () => {
  it("passes a ready server", () => {
    expect(checkServer(needsOf(["sql", "deno"]), ready)).toBeNull();
  });
  it("explains a server that refuses postgres without a password", () => {
    expect(checkServer(needsOf(["sql"]), { ...ready, serverReachable: false })).toMatch(
      /does not accept user postgres without a password on 127\.0\.0\.1:5432.*pg_hba\.conf/,
    );
  });
  it("names pg_cron when it is still not loaded", () => {
    expect(checkServer(needsOf(["deno"]), { ...ready, pgCronLoaded: false })).toMatch(
      /pg_cron is not loaded/,
    );
  });
  it("asks nothing of the server for e2e alone", () => {
    expect(checkServer(needsOf(["e2e"]), { ...ready, serverReachable: false })).toBeNull();
  });
});

describe("parseClusters", () => {
  it("reads pg_lsclusters' columns, version 15 only", () => {
    const text = [
      "15  main    5432 online postgres /var/lib/postgresql/15/main /var/log/postgresql/postgresql-15-main.log",
      "15  other   5433 down   postgres /var/lib/postgresql/15/other /var/log/postgresql/postgresql-15-other.log",
      "16  main    5434 online postgres /var/lib/postgresql/16/main /var/log/postgresql/postgresql-16-main.log",
    ].join("\n");
    expect(parseClusters(text)).toEqual([
      { name: "main", online: true },
      { name: "other", online: false },
    ]);
  });
});
