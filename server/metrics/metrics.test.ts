import { describe, expect, it } from "vitest";
import { parsePrometheusText, sampleValue } from "../../test/support/prometheus-text";
import { renderMetrics } from "./metrics";

/** The value of `opsmerge_event_loop_delay_seconds{stat="…"}` in a scrape. */
function loopDelay(body: string, stat: "max" | "p99"): number {
  const seconds = sampleValue(parsePrometheusText(body), "opsmerge_event_loop_delay_seconds", { stat });
  if (seconds === undefined) throw new Error(`no ${stat} event-loop delay in:\n${body}`);
  return seconds;
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
