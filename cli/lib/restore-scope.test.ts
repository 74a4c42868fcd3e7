import assert from "node:assert/strict";
import { isReservedSchema, parseSchemasFlag, scopeProblems, targetSchemaProblem } from "./restore-scope.ts";

Deno.test("reserved schemas: Supabase's and Postgres' own, by name and by prefix, whatever the case", () => {
  // Written out here by who owns them rather than taken from the module, so a name dropped from the
  // module's list fails this test.
  const reserved: Record<string, string[]> = {
    "Supabase services": ["auth", "storage", "realtime", "pgbouncer"],
    "Supabase internals": ["_realtime", "_analytics", "_supavisor"],
    "Supabase extensions": ["vault", "cron", "net", "extensions", "pgsodium", "pgsodium_masks"],
    "by prefix": ["pg_catalog", "pg_toast", "pg_temp_3", "supabase_functions", "supabase_migrations"],
    "GraphQL, by prefix": ["graphql", "graphql_public"],
    "the SQL standard's": ["information_schema"],
    "in capitals": ["AUTH", "Pg_Catalog"],
  };
  for (const [owner, schemas] of Object.entries(reserved)) {
    for (const s of schemas) assert.ok(isReservedSchema(s), `${s} (${owner})`);
  }
  for (
    const s of ["public", "app", "authors", "crons", "my_vault", "storage_app", "restore_20261129_010203"]
  ) {
    assert.ok(!isReservedSchema(s), s);
  }
});

Deno.test("--schemas: a comma list, quotes for odd names, reserved schemas refused", () => {
  assert.deepEqual(parseSchemasFlag(undefined), { schemas: ["public"] });
  assert.deepEqual(parseSchemasFlag("public, app"), { schemas: ["public", "app"] });
  assert.deepEqual(parseSchemasFlag('public,"My, ""Odd"" Schema"'), {
    schemas: ["public", 'My, "Odd" Schema'],
  });
  const cases: Array<[string, RegExp]> = [
    ["public,cron", /--schemas lists "cron", a schema that belongs to Supabase or Postgres/],
    ["supabase_functions", /--schemas lists "supabase_functions"/],
    ["public,,app", /--schemas has an empty entry/],
    ['"open', /--schemas has an unclosed double quote/],
    ["x".repeat(64), /--schemas has an invalid schema name/],
  ];
  for (const [raw, message] of cases) {
    const parsed = parseSchemasFlag(raw);
    assert.ok("error" in parsed, raw);
    assert.match(parsed.error, message);
  }
});

Deno.test("scope: each table and sequence in a declared, allowed, unreserved schema; the tool's own tables never", () => {
  const t = (schema: string, name: string) => ({ schema, name });
  const cases: Array<
    {
      why: string;
      declared: unknown;
      allowed?: string[];
      tables?: Array<{ schema: string; name: string }>;
      sequences?: Array<{ schema: string; name: string }>;
      expect: RegExp[];
    }
  > = [
    { why: "a plain public backup", declared: ["public"], tables: [t("public", "items")], expect: [] },
    {
      why: "public.user_roles in a public backup is in scope (the hash decides)",
      declared: ["public"],
      tables: [t("public", "user_roles")],
      expect: [],
    },
    {
      why: "reserved, declared or not",
      declared: ["public", "cron"],
      allowed: ["public", "cron"],
      tables: [t("cron", "job"), t("auth", "users")],
      expect: [/table "cron\.job" is in "cron"/, /table "auth\.users" is in "auth"/],
    },
    {
      why: "undeclared",
      declared: ["public"],
      allowed: ["public", "app"],
      tables: [t("app", "t")],
      expect: [/which the file's header does not declare \("public"\)/],
    },
    {
      why: "no declaration at all",
      declared: "public",
      tables: [t("public", "items")],
      expect: [/which the file's header does not declare \(none\)/],
    },
    {
      why: "outside --schemas",
      declared: ["public", "app", "Odd, name"],
      tables: [t("app", "t"), t("Odd, name", "t")],
      expect: [
        /--schemas does not allow \(it allows "public"\); pass --schemas 'public,app,"Odd, name"' to restore them/,
      ],
    },
    {
      why: "the flag to pass is safe to paste into a shell, whatever the file's schema names",
      declared: ["public", "app$(touch pwned)", "x`id`", "it's"],
      tables: [t("app$(touch pwned)", "t"), t("x`id`", "t"), t("it's", "t")],
      expect: [
        /pass --schemas 'public,"app\$\(touch pwned\)",x`id`,it'\\''s' to restore them/,
      ],
    },
    {
      why: "sequences too",
      declared: ["public"],
      sequences: [t("auth", "refresh_tokens_id_seq"), t("other", "s")],
      expect: [
        /sequence "auth\.refresh_tokens_id_seq" is in "auth"/,
        /sequence "other\.s" is in schema "other"/,
      ],
    },
    {
      why: "this tool's own records (only public's)",
      tables: [t("public", "backup_runs"), t("app", "backup_runs")],
      allowed: ["public", "app"],
      declared: ["public", "app"],
      expect: [/"public\.backup_runs" holds this tool's own records/],
    },
    {
      why: "a name Postgres would cut to another one",
      declared: ["public"],
      tables: [t("public", `user_roles${"_".repeat(60)}`)],
      expect: [/has a name longer than Postgres allows/],
    },
  ];
  for (const c of cases) {
    const problems = scopeProblems({
      declared: c.declared,
      allowed: c.allowed ?? ["public"],
      tables: c.tables ?? [],
      sequences: c.sequences ?? [],
    });
    assert.equal(problems.length, c.expect.length, `${c.why}: ${problems.join(" | ")}`);
    c.expect.forEach((re, i) => assert.match(problems[i], re, c.why));
  }
});

Deno.test("--into-schema targets: never a reserved or over-long name", () => {
  assert.equal(targetSchemaProblem("restore_20261129_010203"), null);
  assert.match(targetSchemaProblem("supabase_copy")!, /belongs to Supabase or Postgres/);
  assert.match(targetSchemaProblem("graphql_x")!, /belongs to Supabase or Postgres/);
  assert.match(targetSchemaProblem("é".repeat(32))!, /is not 1 to 63 bytes/);
});
