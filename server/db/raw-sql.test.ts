import { describe, expect, it } from "vitest";
import { newRowId } from "./raw-sql";

describe("newRowId", () => {
  it("is 25 lower-case alphanumerics, like a cuid, and what reply and bounce addresses accept", () => {
    for (let i = 0; i < 200; i++) expect(newRowId()).toMatch(/^c[0-9a-z]{24}$/);
  });

  it("sorts in the order the ids were made (rows of one millisecond keep their order in the activity screen)", () => {
    const ids = Array.from({ length: 5_000 }, () => newRowId());
    expect([...ids].sort()).toEqual(ids);
    expect(new Set(ids).size).toBe(ids.length);
  });
});
