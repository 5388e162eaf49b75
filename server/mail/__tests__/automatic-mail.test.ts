import { describe, expect, it } from "vitest";
import { detectAutomaticMail, mayAutoAcknowledge } from "../automatic-mail.ts";
import { fixture, listFixtures, rawHeaders } from "./helpers.ts";

/** The envelope sender a corpus file arrived with, from its Return-Path when it has one. */
function envelopeOf(headers: [string, string][]): string | undefined {
  return headers.find(([n]) => n.toLowerCase() === "return-path")?.[1];
}

const human: [string, string][] = [
  ["From", "Jane Client <jane@client.example>"],
  ["To", "support@acme.in.opsmerge.test"],
  ["Subject", "Printer on floor 2 is out of office paper"],
  ["Content-Type", "text/plain; charset=utf-8"],
];

describe("R-IN-8 automatic mail detection", () => {
  it.each(
    listFixtures("autoreplies/sisimai").concat(
      listFixtures("autoreplies/gitlab"),
      listFixtures("autoreplies/flanker"),
      listFixtures("autoreplies/mimekit"),
    ),
  )("R-IN-8 corpus auto-reply %s is automatic", (file) => {
    const headers = rawHeaders(fixture(file));
    const v = detectAutomaticMail(headers, envelopeOf(headers));
    expect(v.automatic).toBe(true);
    expect(v.reason).toBeTruthy();
  });

  it.each(listFixtures("replies/talon/standard_replies"))("R-IN-8 corpus human reply %s is not automatic", (file) => {
    const headers = rawHeaders(fixture(file));
    expect(detectAutomaticMail(headers, "someone@example.com")).toMatchObject({ automatic: false });
  });

  it("R-IN-8 every corpus bounce (DSN or non-standard NDR) is automatic", () => {
    const files = ["sisimai", "flanker", "mikel-mail", "mimekit", "mailparser"].flatMap((d) =>
      listFixtures(`bounces/${d}`),
    );
    expect(files.length).toBeGreaterThan(50);
    const missed = files.filter((f) => {
      const headers = rawHeaders(fixture(f));
      return !detectAutomaticMail(headers, envelopeOf(headers)).automatic;
    });
    expect(missed).toEqual([]);
  });

  it("R-IN-8 header markers", () => {
    const cases: [string, string, string][] = [
      ["Auto-Submitted", "auto-replied (vacation)", "auto-submitted"],
      ["Auto-Submitted", "auto-generated", "auto-submitted"],
      ["X-Autoreply", "yes", "x-autoreply"],
      ["X-Autorespond", "vacation", "x-autorespond"],
      ["Precedence", "bulk", "precedence"],
      ["Precedence", "JUNK", "precedence"],
      ["Precedence", "list", "precedence"],
      ["Precedence", "auto_reply", "precedence"],
      ["List-Id", "<announce.example.com>", "list"],
      ["List-Unsubscribe", "<mailto:unsub@example.com>", "list"],
      ["Content-Type", 'multipart/report; report-type="delivery-status"; boundary=x', "dsn"],
      ["Content-Type", "multipart/report; report-type=disposition-notification; boundary=x", "mdn"],
    ];
    for (const [name, value, reason] of cases) {
      expect(
        detectAutomaticMail([...human.filter(([n]) => n !== "Content-Type"), [name, value]], "jane@client.example"),
      ).toMatchObject({ automatic: true, reason });
    }
  });

  it("R-IN-8 null and daemon senders", () => {
    expect(detectAutomaticMail(human, "")).toMatchObject({ automatic: true, reason: "null-sender" });
    expect(detectAutomaticMail(human, "<>")).toMatchObject({ automatic: true, reason: "null-sender" });
    expect(detectAutomaticMail(human, "MAILER-DAEMON@mx.example")).toMatchObject({
      automatic: true,
      reason: "mailer-daemon",
    });
    expect(detectAutomaticMail([...human, ["Return-Path", "<>"]], undefined)).toMatchObject({ automatic: true });
    expect(detectAutomaticMail([["From", "Mail Delivery System <postmaster@example.net>"]], undefined).automatic).toBe(
      true,
    );
  });

  it("R-IN-8 human mail is not automatic: Auto-Submitted: no, suppress requests and forwarding loop headers", () => {
    expect(detectAutomaticMail(human, "jane@client.example")).toEqual({
      automatic: false,
      suppressAutoResponse: false,
    });
    expect(detectAutomaticMail([...human, ["Auto-Submitted", "no"]], "jane@client.example").automatic).toBe(false);
    expect(detectAutomaticMail([...human, ["Precedence", "first-class"]], "jane@client.example").automatic).toBe(false);
    // Exchange inbox-rule forwarding (how MSPs forward to us) and Outlook's suppress header are not markers.
    const forwarded = [
      ...human,
      ["X-MS-Exchange-Inbox-Rules-Loop", "support@msp.example"],
      ["X-Auto-Response-Suppress", "All"],
    ] as [string, string][];
    expect(detectAutomaticMail(forwarded, "srs0=x@msp.example")).toEqual({
      automatic: false,
      suppressAutoResponse: true,
    });
    expect(
      detectAutomaticMail([...human.slice(0, 2), ["Subject", "Out of office replies stopped working"]], "a@b.example")
        .automatic,
    ).toBe(false);
  });

  it("R-IN-8 auto-reply subjects, including encoded words and translations", () => {
    for (const subject of [
      "Automatic reply: Ticket #42",
      "Auto reply: Nyaan",
      "Out of Office: hello",
      "=?utf-8?Q?R=C3=A9ponse_automatique_:_x?=",
      "Abwesenheitsnotiz: Ihre Anfrage",
      "自动回复: 你好",
    ]) {
      expect(
        detectAutomaticMail(
          [
            ["From", "a@b.example"],
            ["Subject", subject],
          ],
          "a@b.example",
        ),
      ).toMatchObject({ automatic: true, reason: "subject" });
    }
  });
});

describe("R-IN-9 auto-acknowledgement eligibility", () => {
  const own = ["in.opsmerge.test"];
  it("R-IN-9 acknowledges a human sender", () => {
    expect(mayAutoAcknowledge({ senderAddress: "jane@client.example", automatic: false, ownDomains: own })).toEqual({
      ok: true,
    });
    expect(
      mayAutoAcknowledge({ senderAddress: "Jane <jane.bounce@client.example>", automatic: false, ownDomains: own }).ok,
    ).toBe(true);
  });

  it("R-IN-9 never to automatic mail, no-reply style senders, our own domains or suppressing senders", () => {
    const no = (
      senderAddress: string | null,
      extra: Partial<{ automatic: boolean; suppressAutoResponse: boolean }> = {},
    ) => mayAutoAcknowledge({ senderAddress, automatic: false, ownDomains: own, ...extra });
    expect(no("jane@client.example", { automatic: true })).toEqual({ ok: false, reason: "automatic" });
    expect(no("jane@client.example", { suppressAutoResponse: true }).ok).toBe(false);
    for (const a of [
      "noreply@x.example",
      "no-reply@x.example",
      "No_Reply@x.example",
      "do-not-reply@x.example",
      "donotreply@x.example",
      "MAILER-DAEMON@x.example",
      "postmaster@x.example",
      "bounce@x.example",
      "bounces+123@x.example",
      "msprefs-bounces@x.example",
      "noreply+abc@x.example",
    ]) {
      expect(no(a).ok, a).toBe(false);
    }
    expect(no("support@acme.in.opsmerge.test")).toEqual({ ok: false, reason: "own-address" });
    expect(no("x@IN.OPSMERGE.TEST.").ok).toBe(false);
    expect(no("")).toMatchObject({ ok: false });
    expect(no(null)).toMatchObject({ ok: false });
    expect(no("a@b.example\r\nBcc: victim@x.example").ok).toBe(false);
  });

  it("R-IN-9 the seed's loop dies: an out-of-office answer to our acknowledgement is automatic and never acknowledged", () => {
    // Our acknowledgement carries these; a vacation responder that answers anyway sends an RFC 3834 reply.
    const oof: [string, string][] = [
      ["From", "support@msp.example"],
      ["Subject", "Automatic reply: [#42] We received your request"],
      ["Auto-Submitted", "auto-replied"],
    ];
    const v = detectAutomaticMail(oof, "support@msp.example");
    expect(v.automatic).toBe(true);
    expect(
      mayAutoAcknowledge({ senderAddress: "support@msp.example", automatic: v.automatic, ownDomains: own }).ok,
    ).toBe(false);
    // Even an Exchange OOF with no RFC 3834 header (corpus rfc3834-02) is caught by its null sender.
    const exchange = rawHeaders(fixture("autoreplies/sisimai/rfc3834-02.eml"));
    expect(detectAutomaticMail(exchange, "").automatic).toBe(true);
  });
});
