import { describe, expect, it } from "vitest";
import { renderMetrics } from "./metrics";

/** The value of `opsmerge_event_loop_delay_seconds{stat="…"}` in a scrape. */
function loopDelay(body: string, stat: "max" | "p99"): number {
  const m = new RegExp(`^opsmerge_event_loop_delay_seconds\\{stat="${stat}"\\} (\\S+)$`, "m").exec(body);
  if (!m) throw new Error(`no ${stat} event-loop delay in:\n${body}`);
  return Number(m[1]);
}

const turns = (n: number) => new Promise<void>((resolve) => setTimeout(resolve, n));

describe("issue 15 item 8: /metrics tells how long the event loop was held", () => {
  it("R-HEALTH-5: a 250 ms block shows as the longest delay of its window; the next scrape starts a new window", async () => {
    await renderMetrics();
    await turns(50);
    const until = Date.now() + 250;
    while (Date.now() < until) {
      // Holds the event loop, as one large message once did.
    }
    await turns(50);
    const held = (await renderMetrics()).body;
    expect(loopDelay(held, "max")).toBeGreaterThanOrEqual(0.2);
    expect(loopDelay(held, "p99")).toBeGreaterThanOrEqual(0.2);
    await turns(100);
    const next = (await renderMetrics()).body;
    expect(loopDelay(next, "max")).toBeLessThan(0.2);
  });
});
