import assert from "node:assert/strict";
import { parseConfig, secretValues } from "../../../../supabase/functions/_shared/backup/lib/config.ts";

const BASE = {
  SUPABASE_URL: "https://abcd.supabase.co",
  SUPABASE_SERVICE_ROLE_KEY: "service-role-key-value",
  SUPABASE_DB_URL: "postgresql://postgres:db-password-123@db.abcd.supabase.co:5432/postgres",
};
const AZURE = {
  AZURE_TENANT_ID: "11111111-2222-3333-4444-555555555555",
  AZURE_CLIENT_ID: "66666666-7777-8888-9999-000000000000",
  AZURE_CLIENT_SECRET: "Abc8Q~very.secret-value_0123456789abcdefgh",
  ONEDRIVE_BACKUP_LINK: "https://contoso.sharepoint.com/:f:/s/Backups/EaBcD?e=xyz",
};

function problemsOf(env: Record<string, string>): string[] {
  return parseConfig(env).problems.map((p) => `${p.variable}: ${p.message}`);
}

Deno.test("defaults: public schema, gzip, tiered retention, OneDrive skipped without AZURE_*", () => {
  const c = parseConfig(BASE);
  assert.deepEqual(c.problems, []);
  assert.deepEqual(c.schemas, ["public"]);
  assert.equal(c.compression, "gzip");
  // The documented defaults, written out rather than read from DEFAULT_RETENTION so that a change shows
  // here: the floor (the 3 newest, nothing under 7 days old), then the tiers.
  assert.deepEqual(c.retention, {
    keepLast: 3,
    minAgeDays: 7,
    daily: 7,
    weekly: 4,
    monthly: 12,
    keepAll: false,
  });
  assert.equal(c.azure, null);
  assert.equal(c.destination, null);
  assert.equal(c.maxRunSeconds, 430);
});

Deno.test("a full OneDrive setup parses; the new secret key stands in for the service role key", () => {
  const { SUPABASE_SERVICE_ROLE_KEY: _, ...rest } = BASE;
  const c = parseConfig({
    ...rest,
    SUPABASE_SECRET_KEY: "sb_secret_abc",
    ...AZURE,
    BACKUP_SCHEMAS: "public, app",
  });
  assert.deepEqual(c.problems, []);
  assert.equal(c.serviceKey, "sb_secret_abc");
  assert.equal(c.azure?.graphBaseUrl, "https://graph.microsoft.com");
  assert.equal(c.azure?.authorityHost, "https://login.microsoftonline.com");
  assert.deepEqual(c.destination, { kind: "link", link: AZURE.ONEDRIVE_BACKUP_LINK });
  assert.deepEqual(c.schemas, ["public", "app"]);
});

Deno.test("drive and folder ids are an alternative to the link", () => {
  const { ONEDRIVE_BACKUP_LINK: _, ...azure } = AZURE;
  const c = parseConfig({
    ...BASE,
    ...azure,
    ONEDRIVE_DRIVE_ID: "b!abc-DEF_123",
    ONEDRIVE_FOLDER_ID: "01ABCDEF",
  });
  assert.deepEqual(c.problems, []);
  assert.deepEqual(c.destination, { kind: "ids", driveId: "b!abc-DEF_123", folderId: "01ABCDEF" });
  assert.match(
    problemsOf({ ...BASE, ...azure, ONEDRIVE_DRIVE_ID: "b!abc" }).join(),
    /ONEDRIVE_FOLDER_ID: .*go together/,
  );
});

Deno.test("a partial Azure set is an error naming what is missing", () => {
  const problems = problemsOf({ ...BASE, AZURE_TENANT_ID: AZURE.AZURE_TENANT_ID });
  assert.ok(
    problems.some((p) =>
      /AZURE_CLIENT_ID: OneDrive is half configured: AZURE_TENANT_ID is set but AZURE_CLIENT_ID, AZURE_CLIENT_SECRET are missing/
        .test(p)
    ),
    JSON.stringify(problems),
  );
  assert.equal(parseConfig({ ...BASE, AZURE_TENANT_ID: AZURE.AZURE_TENANT_ID }).azure, null);
});

Deno.test("values that make no sense are refused with the variable and the fix", () => {
  const cases: Array<[Record<string, string>, RegExp]> = [
    [{ BACKUP_RETENTION_COUNT: "-1" }, /BACKUP_RETENTION_COUNT: .*whole number.*"-1"/],
    [{ BACKUP_RETENTION_COUNT: "2.5" }, /BACKUP_RETENTION_COUNT: .*"2\.5"/],
    [{ BACKUP_RETENTION_COUNT: "ten" }, /BACKUP_RETENTION_COUNT/],
    [
      { BACKUP_RETENTION: "daily=x" },
      /BACKUP_RETENTION: BACKUP_RETENTION "daily=x": write tier=count with tier daily, weekly or monthly/,
    ],
    [{ BACKUP_RETENTION: "hourly=24" }, /BACKUP_RETENTION: BACKUP_RETENTION "hourly=24": write tier=count/],
    [{ BACKUP_RETENTION: "daily=7,,weekly=4" }, /BACKUP_RETENTION: .*empty entry/],
    [{ BACKUP_RETENTION: "daily=7,daily=3" }, /BACKUP_RETENTION: .*"daily" is given twice/],
    [
      { BACKUP_MIN_AGE_DAYS: "-1" },
      /BACKUP_MIN_AGE_DAYS: BACKUP_MIN_AGE_DAYS must be a whole number of days/,
    ],
    [{ BACKUP_MIN_AGE_DAYS: "1.5" }, /BACKUP_MIN_AGE_DAYS: .*"1\.5"/],
    [
      { BACKUP_COMPRESSION: "zip" },
      /BACKUP_COMPRESSION: BACKUP_COMPRESSION must be "gzip" or "none", not "zip"/,
    ],
    [{ BACKUP_SCHEMAS: "public,,app" }, /BACKUP_SCHEMAS: .*empty entry/],
    [{ BACKUP_SCHEMAS: " " }, /BACKUP_SCHEMAS: .*empty entry/],
    [{ BACKUP_SCHEMAS: "x".repeat(64) }, /BACKUP_SCHEMAS: .*invalid schema name/],
    [{ BACKUP_EXCLUDE_TABLES: "a.b.c, .x" }, /BACKUP_EXCLUDE_TABLES: .*invalid entry "\.x"/],
    [{ BACKUP_MAX_RUN_SECONDS: "5" }, /BACKUP_MAX_RUN_SECONDS/],
    [{ SUPABASE_URL: "not a url" }, /SUPABASE_URL: SUPABASE_URL is not a URL/],
    [{ SUPABASE_DB_URL: "mysql://x" }, /SUPABASE_DB_URL: .*postgresql:\/\//],
    [
      { BACKUP_ALERT_WEBHOOK_URL: "http://hooks.example.com/x" },
      /BACKUP_ALERT_WEBHOOK_URL: .*must be an https URL/,
    ],
    [
      { BACKUP_ALERT_EMAIL: "ops@example.com" },
      /BACKUP_ALERT_SENDER: .*BACKUP_ALERT_EMAIL is set but BACKUP_ALERT_SENDER is not/,
    ],
    [
      { BACKUP_ALERT_EMAIL: "not-an-address", BACKUP_ALERT_SENDER: "a@b.co" },
      /invalid address "not-an-address"/,
    ],
  ];
  for (const [env, pattern] of cases) {
    const problems = problemsOf({ ...BASE, ...env });
    assert.ok(problems.some((p) => pattern.test(p)), `${JSON.stringify(env)} → ${JSON.stringify(problems)}`);
  }
  const { SUPABASE_SERVICE_ROLE_KEY: _, ...noKey } = BASE;
  assert.match(problemsOf(noKey).join(), /SUPABASE_SERVICE_ROLE_KEY: .*\(or SUPABASE_SECRET_KEY\)/);
});

Deno.test("Azure identifiers with spaces, braces or quotes, and a pasted secret ID, are refused", () => {
  const cases: Array<[Record<string, string>, RegExp]> = [
    [
      { AZURE_TENANT_ID: "{11111111-2222-3333-4444-555555555555}" },
      /AZURE_TENANT_ID: .*no spaces, braces or quotes/,
    ],
    [{ AZURE_TENANT_ID: "common" }, /AZURE_TENANT_ID: AZURE_TENANT_ID cannot be "common"/],
    [
      { AZURE_CLIENT_ID: '"66666666-7777-8888-9999-000000000000"' },
      /AZURE_CLIENT_ID: .*not an application ID/,
    ],
    [{ AZURE_CLIENT_ID: "6666 6666-7777-8888-9999-000000000000" }, /AZURE_CLIENT_ID/],
    [
      { AZURE_CLIENT_SECRET: "aaaaaaaa-bbbb-cccc-dddd-eeeeeeeeeeee" },
      /AZURE_CLIENT_SECRET: .*looks like a secret ID/,
    ],
    [
      { ONEDRIVE_BACKUP_LINK: "http://contoso.sharepoint.com/x" },
      /ONEDRIVE_BACKUP_LINK: .*must be an https URL/,
    ],
    [{ ONEDRIVE_BACKUP_LINK: "https://1drv.ms/f/s!abc" }, /personal OneDrive \("1drv\.ms"\)/],
    [{ ONEDRIVE_BACKUP_LINK: "contoso folder" }, /ONEDRIVE_BACKUP_LINK: ONEDRIVE_BACKUP_LINK is not a URL/],
    [{ ONEDRIVE_DRIVE_ID: "b!x", ONEDRIVE_FOLDER_ID: "y" }, /not both/],
    [{ GRAPH_BASE_URL: "https://graph.microsoft.com/v1.0" }, /GRAPH_BASE_URL: .*without a version/],
  ];
  for (const [env, pattern] of cases) {
    const problems = problemsOf({ ...BASE, ...AZURE, ...env });
    assert.ok(problems.some((p) => pattern.test(p)), `${JSON.stringify(env)} → ${JSON.stringify(problems)}`);
  }
  assert.match(
    problemsOf({ ...BASE, ONEDRIVE_BACKUP_LINK: AZURE.ONEDRIVE_BACKUP_LINK }).join(),
    /ONEDRIVE_BACKUP_LINK is set but AZURE_TENANT_ID, AZURE_CLIENT_ID and AZURE_CLIENT_SECRET are not/,
  );
  assert.match(problemsOf({ ...BASE, ...AZURE, ONEDRIVE_BACKUP_LINK: "" }).join(), /destination is missing/);
});

Deno.test("problem messages never contain secret values", () => {
  const secret = "Bad Secret With Spaces ~123";
  const c = parseConfig({
    ...BASE,
    ...AZURE,
    AZURE_CLIENT_SECRET: secret,
    BACKUP_CRON_SECRET: "cron-secret-xyz-0123456789-abcdefghij",
  });
  assert.ok(c.problems.length > 0);
  for (const p of c.problems) assert.ok(!p.message.includes(secret));
  const secrets = secretValues(c);
  assert.ok(secrets.includes(secret));
  assert.ok(secrets.includes("cron-secret-xyz-0123456789-abcdefghij"));
  assert.ok(secrets.includes("db-password-123"));
  assert.ok(secrets.includes("service-role-key-value"));
});

Deno.test("loopback http is accepted for local stacks", () => {
  const c = parseConfig({
    ...BASE,
    ...AZURE,
    SUPABASE_URL: "http://127.0.0.1:54321",
    AZURE_AUTHORITY_HOST: "http://127.0.0.1:54323",
    GRAPH_BASE_URL: "http://127.0.0.1:54323/",
    BACKUP_ALERT_WEBHOOK_URL: "http://localhost:9999/hook",
  });
  assert.deepEqual(c.problems, []);
  assert.equal(c.azure?.graphBaseUrl, "http://127.0.0.1:54323");
});

Deno.test("upload fragment size and request timeout: optional, validated, null when unset", () => {
  const defaults = parseConfig(BASE);
  assert.equal(defaults.uploadFragmentBytes, null);
  assert.equal(defaults.requestTimeoutSeconds, null);
  const set = parseConfig({
    ...BASE,
    BACKUP_UPLOAD_FRAGMENT_BYTES: "655360",
    BACKUP_REQUEST_TIMEOUT_SECONDS: "5",
  });
  assert.deepEqual(set.problems, []);
  assert.equal(set.uploadFragmentBytes, 655_360);
  assert.equal(set.requestTimeoutSeconds, 5);
  for (const bad of ["1000000", "0", "-327680", "62914560", "10MB"]) {
    const config = parseConfig({ ...BASE, BACKUP_UPLOAD_FRAGMENT_BYTES: bad });
    assert.equal(config.uploadFragmentBytes, null, bad);
    assert.match(
      config.problems.map((p) => p.message).join("; "),
      new RegExp(`BACKUP_UPLOAD_FRAGMENT_BYTES must be a multiple of 327680 \\(320 KiB\\).*not "${bad}"`),
    );
  }
  for (const bad of ["0", "1.5", "soon"]) {
    const config = parseConfig({ ...BASE, BACKUP_REQUEST_TIMEOUT_SECONDS: bad });
    assert.equal(config.requestTimeoutSeconds, null, bad);
    assert.match(
      config.problems.map((p) => p.message).join("; "),
      /BACKUP_REQUEST_TIMEOUT_SECONDS must be a whole number/,
    );
  }
});

Deno.test("names holding commas, dots or quotes can be double-quoted; system schemas are refused", () => {
  const c = parseConfig({
    ...BASE,
    BACKUP_SCHEMAS: 'public, "My, Schema", Ünïcode "x" 表',
    BACKUP_EXCLUDE_TABLES: 'public."a.b", "x.y"."t""q", Order "Items" é, s.t.u',
  });
  assert.deepEqual(c.problems, []);
  assert.deepEqual(c.schemas, ["public", "My, Schema", 'Ünïcode "x" 表']);
  assert.deepEqual(c.excludeTables, [
    { schema: "public", name: "a.b" },
    { schema: "x.y", name: 't"q' },
    { schema: null, name: 'Order "Items" é' },
    { schema: "s", name: "t.u" },
  ]);
  const cases: Array<[Record<string, string>, RegExp]> = [
    [{ BACKUP_SCHEMAS: "public, pg_catalog" }, /BACKUP_SCHEMAS: .*system schema "pg_catalog"/],
    [{ BACKUP_SCHEMAS: "information_schema" }, /BACKUP_SCHEMAS: .*system schema "information_schema"/],
    [{ BACKUP_SCHEMAS: '"public' }, /BACKUP_SCHEMAS: .*unclosed double quote/],
    [{ BACKUP_SCHEMAS: '"a"b' }, /BACKUP_SCHEMAS: .*invalid entry/],
    [{ BACKUP_EXCLUDE_TABLES: 'public."t' }, /BACKUP_EXCLUDE_TABLES: .*unclosed double quote/],
    [{ BACKUP_EXCLUDE_TABLES: '"s"x.t' }, /BACKUP_EXCLUDE_TABLES: .*invalid entry/],
  ];
  for (const [env, pattern] of cases) {
    const problems = problemsOf({ ...BASE, ...env });
    assert.ok(problems.some((p) => pattern.test(p)), `${JSON.stringify(env)} → ${JSON.stringify(problems)}`);
  }
});

Deno.test("an alert webhook URL is a credential: it is among the values the redactor hides", () => {
  const url = "https://hooks.slack.com/services/T0000/B0000/XXXXsecretXXXX";
  const secrets = secretValues(parseConfig({ ...BASE, BACKUP_ALERT_WEBHOOK_URL: url }));
  assert.ok(secrets.includes(url));
});

Deno.test("BACKUP_SCHEMAS refuses Supabase's own schemas and auth, saying why", () => {
  const cases: Array<[string, RegExp]> = [
    ["auth", /"auth", which holds the users' password hashes.*encrypted auth backup/],
    ["vault", /"vault", which holds the project's encrypted secrets/],
    ["pgsodium", /"pgsodium", which holds encryption keys/],
    ["cron", /"cron", which holds pg_cron's jobs, which run SQL/],
    ["net", /"net", which holds pg_net's queue/],
    ["realtime", /"realtime", which belongs to Supabase Realtime/],
    ["extensions", /"extensions", which holds extensions' objects/],
    ["supabase_functions", /"supabase_functions", which belongs to Supabase's own services/],
    ["supabase_migrations", /"supabase_migrations", which belongs/],
    ["pg_temp", /"pg_temp", which is reserved for Postgres itself/],
    ['"pg_x"', /"pg_x", which is reserved for Postgres/],
  ];
  for (const [schema, pattern] of cases) {
    const problems = problemsOf({ ...BASE, BACKUP_SCHEMAS: `public, ${schema}` });
    assert.equal(problems.length, 1, `${schema} → ${JSON.stringify(problems)}`);
    assert.match(problems[0], /^BACKUP_SCHEMAS: BACKUP_SCHEMAS lists the schema /);
    assert.match(problems[0], pattern);
    assert.match(problems[0], /remove it and list your app's schemas \(e\.g\. public\)$/);
  }
  // Names that only look alike are the app's own (schema names are case-sensitive).
  assert.deepEqual(
    problemsOf({ ...BASE, BACKUP_SCHEMAS: "public, Auth, authors, crons, my_vault, storage" }),
    [],
  );
});

Deno.test("BACKUP_CRON_SECRET needs at least 32 characters; the message says how to make one, never the value", () => {
  const short = "s3cret-but-only-31-characters!!";
  assert.equal(short.length, 31);
  const problems = problemsOf({ ...BASE, BACKUP_CRON_SECRET: short });
  assert.equal(problems.length, 1);
  assert.match(
    problems[0],
    /^BACKUP_CRON_SECRET: BACKUP_CRON_SECRET is too short \(31 characters, at least 32 needed\)/,
  );
  assert.match(problems[0], /openssl rand -hex 32/);
  assert.ok(!problems[0].includes(short));
  assert.ok(
    secretValues(parseConfig({ ...BASE, BACKUP_CRON_SECRET: short })).includes(short),
    "still redacted",
  );
  assert.deepEqual(problemsOf({ ...BASE, BACKUP_CRON_SECRET: short + "x" }), []);
});

Deno.test("GRAPH_UPLOAD_ORIGINS: empty by default; exact origins, http only on loopback (the local emulator)", () => {
  assert.deepEqual(parseConfig({ ...BASE, ...AZURE }).azure?.uploadOrigins, []);
  const c = parseConfig({
    ...BASE,
    ...AZURE,
    GRAPH_UPLOAD_ORIGINS: "http://127.0.0.2:54330/, https://upload.example.com",
  });
  assert.deepEqual(c.problems, []);
  assert.deepEqual(c.azure?.uploadOrigins, ["http://127.0.0.2:54330", "https://upload.example.com"]);
  const problems = problemsOf({ ...BASE, ...AZURE, GRAPH_UPLOAD_ORIGINS: "http://upload.example.com" });
  assert.equal(problems.length, 1);
  assert.match(problems[0], /^GRAPH_UPLOAD_ORIGINS: GRAPH_UPLOAD_ORIGINS must be an https URL/);
});

Deno.test("BACKUP_RETENTION: tiers left out keep their default, 0 turns one off, all and a count of 0 keep everything", () => {
  const policy = (env: Record<string, string>) => {
    const c = parseConfig({ ...BASE, ...env });
    assert.deepEqual(c.problems, []);
    return c.retention;
  };
  assert.deepEqual(
    policy({
      BACKUP_RETENTION: "daily=14, monthly=0",
      BACKUP_RETENTION_COUNT: "3",
      BACKUP_MIN_AGE_DAYS: "2",
    }),
    { keepAll: false, keepLast: 3, daily: 14, weekly: 4, monthly: 0, minAgeDays: 2 },
  );
  assert.deepEqual(policy({ BACKUP_RETENTION: "Weekly = 8" }).weekly, 8);
  assert.equal(policy({ BACKUP_RETENTION: "all" }).keepAll, true);
  assert.equal(policy({ BACKUP_RETENTION_COUNT: "0" }).keepAll, true, "0 keeps all, as before");
  assert.equal(policy({ BACKUP_MIN_AGE_DAYS: "0" }).minAgeDays, 0);
});
