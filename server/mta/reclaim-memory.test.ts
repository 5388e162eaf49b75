import { describe, expect, it } from "vitest";
import { collectGarbage, collectingRelease } from "./reclaim-memory";

const nextTurn = () => new Promise((resolve) => setImmediate(resolve));

describe("reclaim-memory (issue 19 item 13: a large message's memory is given back before its slot)", () => {
  it("collectGarbage frees a large Buffer that nothing references any more", async () => {
    let big: Buffer | null = Buffer.alloc(32 * 1024 * 1024, 1);
    const ref = new WeakRef(big);
    big = null;
    // A WeakRef's target is kept until the current job ends.
    await nextTurn();
    expect(collectGarbage()).toBe(true);
    expect(ref.deref()).toBeUndefined();
  });

  it("releases on a later turn, after one collection shared by the releases asked for meanwhile", async () => {
    const events: string[] = [];
    const afterCollection = collectingRelease(() => events.push("collect"));
    afterCollection(() => events.push("release a"));
    afterCollection(() => events.push("release b"));
    expect(events).toEqual([]);
    await nextTurn();
    expect(events).toEqual(["collect", "release a", "release b"]);
    afterCollection(() => events.push("release c"));
    await nextTurn();
    expect(events).toEqual(["collect", "release a", "release b", "collect", "release c"]);
  });

  it("still releases when the collection throws (a slot is never lost)", async () => {
    const released: string[] = [];
    const afterCollection = collectingRelease(() => {
      throw new Error("no gc");
    });
    afterCollection(() => released.push("slot"));
    await nextTurn();
    expect(released).toEqual(["slot"]);
  });
});
