import { describe, expect, it } from "vitest";
import {
  buildRead,
  parseFilter,
  parseOrder,
  parsePreferences,
  parseReadQuery,
  parseSelect,
  RestError,
} from "./postgrest-query.ts";

function refusal(run: () => unknown): RestError {
  try {
    run();
  } catch (error) {
    if (error instanceof RestError) return error;
    throw error;
  }
  throw new Error("expected a RestError");
}

describe("parseSelect", () => {
  it("reads columns, aliases and quoted names", () => {
    expect(parseSelect('id,label:name,"odd, name"')).toEqual([
      { kind: "column", column: "id", alias: "id" },
      { kind: "column", column: "name", alias: "label" },
      { kind: "column", column: "odd, name", alias: "odd, name" },
    ]);
    expect(parseSelect(null)).toEqual([{ kind: "star" }]);
  });

  it("refuses embedding, casts, JSON paths and aggregates with 501", () => {
    for (const select of [
      "id,dogs(name)",
      "id::text",
      "data->>x",
      "count()",
      "...dogs(name)",
      "owner:owners!fk(id)",
    ]) {
      expect(refusal(() => parseSelect(select)).status, select).toBe(501);
    }
  });
});

describe("parseFilter", () => {
  it("reads comparisons, negation, lists and is", () => {
    expect(parseFilter("status", "eq.running")).toEqual({
      column: "status",
      negate: false,
      operator: "eq",
      value: "running",
    });
    expect(parseFilter("status", 'not.in.(a,"b,c", d )')).toEqual({
      column: "status",
      negate: true,
      operator: "in",
      value: ["a", "b,c", "d"],
    });
    expect(parseFilter("finished_at", "is.null").value).toBe("null");
    expect(parseFilter("name", "eq.a.b").value).toBe("a.b");
  });

  it("refuses operators it does not implement with 501 and unknown ones with 400", () => {
    expect(refusal(() => parseFilter("tags", "cs.{a}")).status).toBe(501);
    expect(refusal(() => parseFilter("or", "(a.eq.1,b.eq.2)")).status).toBe(501);
    expect(refusal(() => parseFilter("name", "eq(any).{a,b}")).status).toBe(501);
    expect(refusal(() => parseFilter("name", "nonsense.1")).status).toBe(400);
    expect(refusal(() => parseFilter("name", "is.maybe")).status).toBe(400);
  });
});

describe("parseOrder and paging", () => {
  it("reads directions and nulls placement", () => {
    expect(parseOrder("started_at.desc.nullslast,id")).toEqual([
      { column: "started_at", direction: "desc", nulls: "last" },
      { column: "id", direction: "asc" },
    ]);
  });

  it("reads a Range header as offset and limit", () => {
    const query = parseReadQuery(new URLSearchParams("select=id"), "10-19");
    expect([query.offset, query.limit]).toEqual([10, 10]);
    expect(refusal(() => parseReadQuery(new URLSearchParams("limit=x"), null)).status).toBe(400);
  });
});

describe("buildRead", () => {
  it("quotes identifiers and passes every value as a parameter", () => {
    const query = parseReadQuery(
      new URLSearchParams("select=id&na\"me=eq.x'; drop table t; --&order=id.desc&limit=5"),
      null,
    );
    const sql = buildRead('"public"."t"', query, false);
    expect(sql.rows.text).toContain('_t."na""me" = $1');
    expect(sql.rows.text).not.toContain("drop table");
    expect(sql.rows.values).toEqual(["x'; drop table t; --", 5]);
    expect(sql.count.text).toBe(
      'select count(*)::bigint as total from "public"."t" as _t where _t."na""me" = $1',
    );
  });
});

describe("parsePreferences", () => {
  it("reads return and count, and refuses upserts", () => {
    expect(parsePreferences(["return=representation, count=exact"])).toEqual({
      return: "representation",
      count: true,
    });
    expect(refusal(() => parsePreferences(["resolution=merge-duplicates"])).status).toBe(501);
  });
});
