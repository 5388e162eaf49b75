import { describe, expect, it } from "vitest";
import { LargeMessageSlots } from "./large-message-slots";

describe("LargeMessageSlots (issue 19 item 13)", () => {
  it("R-IN-11: counts only large messages, refuses past the slots, and frees a slot on release", () => {
    const slots = new LargeMessageSlots(2, 1000);
    expect(slots.isLarge(999)).toBe(false);
    expect(slots.isLarge(1000)).toBe(true);
    expect([slots.tryTake(), slots.tryTake(), slots.tryTake()]).toEqual([true, true, false]);
    expect(slots.inUse).toBe(2);
    slots.release();
    expect(slots.tryTake()).toBe(true);
    slots.release();
    slots.release();
    slots.release();
    expect(slots.inUse).toBe(0);
  });
});
