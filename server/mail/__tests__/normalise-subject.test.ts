import { describe, expect, it } from "vitest";
import { normaliseSubject } from "../normalise-subject.ts";

describe("R-AUTO-1 subject normalisation for folding repeats", () => {
  it("R-AUTO-1 repeats of one alert share a key", () => {
    const same = [
      "[Alert] WS-0142 - Disk C: free space below 10% (7.8%)",
      "[Alert] WS-0142 - Disk C: free space below 10% (7.5%)",
      "Re: [Alert] WS-0142 - Disk C: free space below 10% (6.9%)",
    ];
    expect(new Set(same.map(normaliseSubject)).size).toBe(1);
  });

  it("R-AUTO-1 dates, times, hex ids, UUIDs and counters are removed", () => {
    const key = normaliseSubject("Backup job completed");
    for (const s of [
      "Backup job completed 2026-12-02 06:00:02",
      "Backup job completed 12/01/2026 14:22",
      "Backup job completed Mon, 30 Nov 2026 02:14:07 +0000",
      "Backup job completed 1 Dec 2026 2:14 PM",
      "Backup job completed (4f2a1c9e)",
      "Backup job completed a1f3c9e2-77b1-4c51-9c3a-2b1f0d9e8a11",
      "Backup job completed #1234",
    ]) {
      expect(normaliseSubject(s).replace(/[#()\s]/g, ""), s).toBe(key.replace(/[#()\s]/g, ""));
    }
    expect(normaliseSubject("UPS01: On battery power at 14:22:31")).toBe(normaliseSubject("UPS01: On battery power at 09:01:00"));
  });

  it("R-AUTO-1 different alerts keep different keys", () => {
    expect(normaliseSubject("[Failed] Nightly backup")).not.toBe(normaliseSubject("[Success] Nightly backup"));
    expect(normaliseSubject("Storage Pool 1 has degraded")).not.toBe(normaliseSubject("Storage Pool 1 has been repaired"));
    // A month name is only part of a date next to a number.
    expect(normaliseSubject("Invoices for May")).toBe("invoices for may");
  });

  it("R-AUTO-1 prefixes in several languages and case do not matter", () => {
    const key = normaliseSubject("Printer offline");
    for (const s of ["RE: Printer offline", "AW: WG: printer OFFLINE", "Fwd: Re[2]: Printer offline", "[EXTERNAL] Printer offline"]) {
      expect(normaliseSubject(s), s).toBe(key);
    }
    expect(normaliseSubject(null)).toBe("");
  });
});
