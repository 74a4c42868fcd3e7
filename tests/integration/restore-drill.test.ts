/**
 * The restore drill, end to end with the commands a user runs: `npm run backup` of the seeded app plus a
 * schema of awkward values, `npm run verify` of the stored file, `npm run restore` into a new schema,
 * then every table compared row for row with the original (`except all`, both ways).
 */
import assert from "node:assert/strict";
import { gunzipSync } from "node:zlib";
import {
  AWKWARD_TABLE_ROWS,
  awkwardFixtureSql,
  ident,
  LARGE_TABLE_ROWS,
} from "../support/awkward-fixture.ts";
import { downloadFromStorage, openStack, runRow, waitForIdle } from "../support/harness.ts";
import { difference } from "../support/round-trip.ts";
import { runCli } from "../support/cli.ts";

Deno.test("restore drill: back up, verify and restore the seeded app and every awkward type, equal row for row", async () => {
  const stack = await openStack();
  const suffix = crypto.randomUUID().slice(0, 8);
  const drill = `drill_${suffix}`;
  const target = `restored_${suffix}`;
  const file = await Deno.makeTempFile({ suffix: ".json.gz" });
  try {
    await waitForIdle(stack);
    await stack.sql.unsafe(awkwardFixtureSql(drill));

    const backup = await runCli(stack, "backup.ts", [], { BACKUP_SCHEMAS: `public,${drill}` });
    assert.equal(backup.code, 0, `${backup.stdout}\n${backup.stderr}`);
    assert.match(backup.stdout, /^SUCCESS in .*Storage success, OneDrive success$/m);
    const id = /^Run ([0-9a-f-]{36}):/m.exec(backup.stdout)![1];
    const row = await runRow(stack, id);
    assert.equal(row.trigger, "cli");
    assert.equal(row.status, "success");
    assert.equal(
      row.tables?.find((t) => t.schema === drill && t.name === "big_table")?.rows,
      LARGE_TABLE_ROWS,
    );

    await Deno.writeFile(file, await downloadFromStorage(stack, row.storage_path!));
    const verify = await runCli(stack, "verify.ts", [
      file,
      "--sha256",
      row.sha256!,
      "--quick-xor-hash",
      row.quick_xor_hash!,
    ]);
    assert.equal(verify.code, 0, verify.stderr);
    assert.match(verify.stdout, new RegExp(`${drill}\\.big_table\\s+25,000 rows`));
    assert.match(verify.stdout, new RegExp(`${drill}\\.parent_names\\s+not exported \\(view\\)`));

    const restore = await runCli(stack, "restore.ts", [
      file,
      "--into-schema",
      target,
      "--schemas",
      `public,${drill}`,
    ]);
    assert.equal(restore.code, 0, `${restore.stdout}\n${restore.stderr}`);
    assert.match(restore.stdout, new RegExp(`Done: the backup's tables are in schema "${target}"`));

    // Two source schemas in one target: tables are named <schema>__<table>.
    const compared: string[] = [];
    for (const table of Object.keys(AWKWARD_TABLE_ROWS)) {
      assert.equal(
        await difference(stack.sql, [drill, table], [target, `${drill}__${table}`]),
        0,
        `${drill}.${table}`,
      );
      compared.push(table);
    }
    for (const t of row.tables!.filter((t) => t.schema === "public")) {
      assert.equal(
        await difference(stack.sql, ["public", t.name], [target, `public__${t.name}`]),
        0,
        `public.${t.name}`,
      );
      const [{ n }] = await stack.sql.unsafe(
        `select count(*)::int as n from ${ident(target)}.${ident(`public__${t.name}`)}`,
      );
      assert.equal(n, t.rows, `public.${t.name}: all rows restored`);
      compared.push(t.name);
    }
    assert.ok(compared.includes("payments") && compared.includes("big_table"));
    const [{ n: big }] = await stack.sql.unsafe(
      `select count(*)::int as n from ${ident(target)}.${ident(`${drill}__big_table`)}`,
    );
    assert.equal(big, LARGE_TABLE_ROWS);
  } finally {
    await stack.sql.unsafe(
      `drop schema if exists ${ident(drill)} cascade; drop schema if exists ${ident(target)} cascade`,
    );
    await Deno.remove(file).catch(() => {});
    await stack.close();
  }
});

Deno.test("in place: a backup recorded in public.backup_runs restores without --sha256; the same name with other bytes is refused", async () => {
  const stack = await openStack();
  const dir = await Deno.makeTempDir({ prefix: "restore-in-place-" });
  try {
    await waitForIdle(stack);
    const backup = await runCli(stack, "backup.ts", []);
    assert.equal(backup.code, 0, `${backup.stdout}\n${backup.stderr}`);
    const row = await runRow(stack, /^Run ([0-9a-f-]{36}):/m.exec(backup.stdout)![1]);
    const bytes = await downloadFromStorage(stack, row.storage_path!);
    const file = `${dir}/${row.file_name}`;
    await Deno.writeFile(file, bytes);

    const restore = await runCli(stack, "restore.ts", [file, "--replace", "--yes"]);
    assert.equal(restore.code, 0, `${restore.stdout}\n${restore.stderr}`);
    assert.match(
      restore.stdout,
      new RegExp(
        `matches the backup recorded in public\\.backup_runs \\(run ${row.id}, "${row.file_name}", success\\)`,
      ),
    );
    const roles = row.tables!.find((t) => t.name === "user_roles")!;
    assert.match(
      restore.stdout,
      new RegExp(`public\\.user_roles\\s+${roles.rows} rows? now → ${roles.rows} rows? from the backup`),
    );
    assert.match(restore.stdout, /WARNING: these tables decide who may do what in the app/);
    assert.match(restore.stdout, /Checked \d+ foreign keys touching the restored tables: all hold/);
    assert.match(restore.stdout, /Done: the tables hold the backup's data/);

    // Same name, other bytes (here: compressed again, so every row is the same): not the recorded file.
    const other = `${dir}/elsewhere`;
    await Deno.mkdir(other);
    const text = gunzipSync(bytes);
    await Deno.writeFile(`${other}/${row.file_name}`, text);
    const refused = await runCli(stack, "restore.ts", [`${other}/${row.file_name}`, "--replace", "--yes"]);
    assert.equal(refused.code, 1, refused.stdout);
    assert.match(
      refused.stderr,
      new RegExp(
        `differs from the ${row.sha256} public\\.backup_runs records for that file \\(run ${row.id}\\)`,
      ),
    );
  } finally {
    await Deno.remove(dir, { recursive: true });
    await stack.close();
  }
});
