import { afterEach, describe, expect, it, vi } from "vitest";
import { collectGarbage, collectingRelease, collectYoungGarbage, YoungGenerationSweeper } from "./reclaim-memory";

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

  describe("YoungGenerationSweeper (PostgreSQL's per-chunk copies while a large message is stored)", () => {
    afterEach(() => {
      vi.useRealTimers();
    });

    it("scavenges every interval while at least one large message holds it, and stops after the last release", () => {
      vi.useFakeTimers();
      let sweeps = 0;
      const sweeper = new YoungGenerationSweeper(100, () => sweeps++);
      vi.advanceTimersByTime(1_000);
      expect(sweeps).toBe(0);
      sweeper.hold();
      sweeper.hold();
      vi.advanceTimersByTime(300);
      // Two holders share one timer.
      expect(sweeps).toBe(3);
      sweeper.release();
      expect(sweeper.sweeping).toBe(true);
      vi.advanceTimersByTime(100);
      expect(sweeps).toBe(4);
      sweeper.release();
      sweeper.release();
      expect(sweeper.sweeping).toBe(false);
      vi.advanceTimersByTime(1_000);
      expect(sweeps).toBe(4);
      // A release too many does not leave the count below zero: the next hold sweeps again.
      sweeper.hold();
      vi.advanceTimersByTime(100);
      expect(sweeps).toBe(5);
      sweeper.release();
    });

    it("keeps sweeping after a scavenge that throws", () => {
      vi.useFakeTimers();
      let tries = 0;
      const sweeper = new YoungGenerationSweeper(100, () => {
        tries++;
        throw new Error("no gc");
      });
      sweeper.hold();
      vi.advanceTimersByTime(200);
      expect(tries).toBe(2);
      sweeper.release();
    });

    it("collectYoungGarbage runs V8's scavenge", () => {
      expect(collectYoungGarbage()).toBe(true);
    });
  });
});
