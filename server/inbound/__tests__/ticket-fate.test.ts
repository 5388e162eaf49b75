import { describe, expect, it } from "vitest";
import { decideTicketFate, describeTicketFate, type FateInput } from "../ticket-fate";

const t = (n: number) => ({ id: `t${n}`, number: n });
const base: FateInput = {
  mailClass: "human",
  rule: null,
  thread: null,
  repeatOf: null,
  correlated: null,
  newestFromSender: null,
  recentTickets: { burst: 0, hour: 0 },
  newTicketsPerSenderHour: 30,
};
const rule = (action: "OPEN" | "APPEND" | "CLOSE" | "DROP", extra: { clientId?: string; ticketStatus?: string } = {}) => ({
  id: "r1",
  name: "NAS",
  action,
  clientId: extra.clientId ?? null,
  ticketStatus: extra.ticketStatus ?? null,
});

describe("R-IN-8 / R-AUTO-1 / R-AUTO-2 the fate of a ticket mail", () => {
  it("R-IN-8 human and automated mail open tickets; automated is marked", () => {
    expect(decideTicketFate(base)).toMatchObject({ kind: "open", automated: false, status: "OPEN" });
    expect(decideTicketFate({ ...base, mailClass: "automated" })).toMatchObject({ kind: "open", automated: true });
  });

  it("R-IN-8 auto-replies and reports open nothing, but land on the ticket they answer", () => {
    for (const mailClass of ["auto-reply", "report"] as const) {
      expect(decideTicketFate({ ...base, mailClass })).toMatchObject({ kind: "drop" });
      expect(decideTicketFate({ ...base, mailClass, thread: t(4) })).toMatchObject({ kind: "append", why: "thread" });
      // Rules do not apply to them: a DROP rule matching an auto-reply leaves its fate alone.
      expect(decideTicketFate({ ...base, mailClass, thread: t(4), rule: rule("DROP") })).toMatchObject({ kind: "append" });
    }
  });

  it("R-AUTO-1 automated repeats fold; human mail folds only past a burst", () => {
    expect(decideTicketFate({ ...base, mailClass: "automated", repeatOf: t(7) })).toMatchObject({
      kind: "append",
      why: "repeat",
      ticket: t(7),
    });
    expect(decideTicketFate({ ...base, repeatOf: t(7), recentTickets: { burst: 5, hour: 5 } })).toMatchObject({ kind: "open" });
    expect(decideTicketFate({ ...base, repeatOf: t(7), recentTickets: { burst: 6, hour: 6 } })).toMatchObject({
      kind: "append",
      why: "repeat",
    });
  });

  it("R-AUTO-1 past the hourly cap, mail goes to the sender's newest ticket", () => {
    const capped = decideTicketFate({ ...base, newestFromSender: t(30), recentTickets: { burst: 0, hour: 30 } });
    expect(capped).toMatchObject({ kind: "append", why: "cap", ticket: t(30) });
    expect(describeTicketFate(capped, { newTicketsPerSenderHour: 30 })).toMatch(/reached 30 new tickets/);
    expect(decideTicketFate({ ...base, newestFromSender: t(30), recentTickets: { burst: 0, hour: 29 } }).kind).toBe("open");
  });

  it("R-AUTO-2 rule actions: drop, open with client and status, append, close on recovery", () => {
    expect(decideTicketFate({ ...base, rule: rule("DROP"), thread: t(1) })).toMatchObject({ kind: "drop", ruleId: "r1" });
    expect(decideTicketFate({ ...base, rule: rule("OPEN", { clientId: "c1", ticketStatus: "PENDING" }) })).toMatchObject({
      kind: "open",
      clientId: "c1",
      status: "PENDING",
      ruleId: "r1",
    });
    expect(decideTicketFate({ ...base, rule: rule("APPEND"), correlated: t(3) })).toMatchObject({
      kind: "append",
      why: "rule",
      close: false,
    });
    expect(decideTicketFate({ ...base, rule: rule("APPEND") })).toMatchObject({ kind: "open", ruleId: "r1" });
    const recovery = decideTicketFate({ ...base, mailClass: "automated", rule: rule("CLOSE"), correlated: t(3) });
    expect(recovery).toMatchObject({ kind: "append", close: true, ticket: t(3) });
    expect(describeTicketFate(recovery, { newTicketsPerSenderHour: 30 })).toMatch(/closed it \(recovery\)/);
    const orphanRecovery = decideTicketFate({ ...base, rule: rule("CLOSE") });
    expect(orphanRecovery.kind === "drop" && orphanRecovery.reason).toMatch(/no open ticket/);
    // OPEN still folds repeats of automated mail: no rule can make a device open hundreds of tickets.
    expect(decideTicketFate({ ...base, mailClass: "automated", rule: rule("OPEN"), repeatOf: t(9) })).toMatchObject({
      kind: "append",
      why: "repeat",
    });
  });
});
