/**
 * Statements written as one simple query with their values as literals (issue 15, server/db/pg-inline.ts).
 * The literals must read back exactly whatever the value holds — quotes, backslashes, a value written to end
 * the literal and start a statement of its own — so they are checked here against a real PostgreSQL too.
 */
import { CompiledQuery } from "kysely";
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { INLINE_LIMIT, inlineStatements } from "./pg-inline";
import { createTestDatabase, type TestDatabase } from "../../test/support/database";

const q = (sql: string, ...parameters: unknown[]) => CompiledQuery.raw(sql, parameters);

describe("inlineStatements", () => {
  it("issue 15: writes each kind of value as a literal and joins the statements in order", () => {
    const at = new Date("2026-12-07T08:00:00.123Z");
    expect(
      inlineStatements([
        q(`BEGIN`),
        q(
          `insert into "T" ("a", "b", "c", "d", "e", "f", "g") values ($1, $2, $3, $4, $5, $6, $7)`,
          "it's",
          42,
          true,
          null,
          at,
          Buffer.from([0, 255]),
          7n,
        ),
        q(`update "T" set "a" = $2 where "b" = $1 and "c$1" = $10`, "x", "y", 3, 4, 5, 6, 7, 8, 9, "ten"),
      ]),
    ).toBe(
      `BEGIN;\ninsert into "T" ("a", "b", "c", "d", "e", "f", "g") values (E'it''s', 42, TRUE, NULL, E'2026-12-07T08:00:00.123Z', decode('00ff', 'hex'), 7);\n` +
        `update "T" set "a" = E'y' where "b" = E'x' and "c$1" = E'ten'`,
    );
  });

  it("issue 15: doubles every backslash and quote, so no value can end its literal", () => {
    expect(inlineStatements([q(`select $1`, `a\\'; drop table "T"; --`)])).toBe(
      `select E'a\\\\''; drop table "T"; --'`,
    );
  });

  it("issue 15: gives up (the caller sends parameters) on a value it cannot write, a placeholder without one, or too much", () => {
    expect(inlineStatements([q(`select $1`, { a: 1 })])).toBeNull();
    expect(inlineStatements([q(`select $1`, Number.NaN)])).toBeNull();
    expect(inlineStatements([q(`select $1`, new Date(Number.NaN))])).toBeNull();
    expect(inlineStatements([q(`select $1, $2`, "one")])).toBeNull();
    expect(inlineStatements([q(`select $1`, "x".repeat(INLINE_LIMIT))])).toBeNull();
    expect(inlineStatements([q(`select $1`, "x".repeat(INLINE_LIMIT - 10))])).not.toBeNull();
  });
});

describe.runIf(process.env.TEST_POSTGRES_URL)("inlined literals on postgresql", () => {
  let database: TestDatabase;
  let client: pg.Client;
  beforeAll(async () => {
    database = await createTestDatabase("postgresql");
    client = new pg.Client({ connectionString: database.url });
    await client.connect();
  });
  afterAll(async () => {
    await client.end();
    await database.drop();
  });

  it("issue 15: text, bytes, numbers, booleans, null and dates read back exactly, with standard_conforming_strings on or off", async () => {
    const hostile = [
      `it's`,
      `back\\slash`,
      `\\'`,
      `'; select pg_sleep(5); --`,
      `E'\\x41'`,
      `$1 $2`,
      `ünïcødé 🎉`,
      `line\r\nbreak\ttab`,
    ];
    const bytes = Buffer.from(Array.from({ length: 256 }, (_, i) => i));
    const at = new Date("2026-12-07T08:00:00.123Z");
    for (const conforming of ["on", "off"]) {
      await client.query(`set standard_conforming_strings = ${conforming}`);
      const n = hostile.length;
      const text = inlineStatements([
        q(`select 1`),
        q(
          `select array[${hostile.map((_, i) => `$${i + 1}`).join(", ")}]::text[] as "texts", $${n + 1}::bytea as "bytes", ` +
            `$${n + 2}::int as "n", $${n + 3}::boolean as "b", $${n + 4}::text as "none", $${n + 5}::timestamp(3)::text as "at"`,
          ...hostile,
          bytes,
          -42,
          false,
          null,
          at,
        ),
      ])!;
      const results = (await client.query(text)) as unknown as pg.QueryResult[];
      const row = results.at(-1)!.rows[0] as {
        texts: string[];
        bytes: Buffer;
        n: number;
        b: boolean;
        none: null;
        at: string;
      };
      expect(row.texts).toEqual(hostile);
      expect(Buffer.compare(row.bytes, bytes)).toBe(0);
      expect(row).toMatchObject({ n: -42, b: false, none: null });
      // A timestamp(3) column keeps the UTC wall time of the ISO text (as Prisma stores dates).
      expect(row.at).toBe("2026-12-07 08:00:00.123");
    }
  });
});
