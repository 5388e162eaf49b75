import { describe, expect, it } from "vitest";
import { parseDsn } from "../dsn.ts";
import { parseMessage } from "../parse-message.ts";
import { fixture, fixtureText, listFixtures } from "./helpers.ts";

type SisimaiExpected = Record<
  string,
  { recipients: { status: string; replycode: string; reason: string; hardbounce: boolean }[] }
>;
const sisimai = JSON.parse(fixtureText("bounces/sisimai/expected.json")) as SisimaiExpected;
const sisimaiCases = Object.entries(sisimai).filter(([k]) => !k.startsWith("_") && !k.includes("not-bounce"));

/**
 * Where we knowingly differ from sisimai:
 * - x.0.9xx statuses are sisimai's own pseudo codes for reasons it infers from text (no MTA sends them);
 *   we report the class the message implies instead.
 * - lhost-amazonses-01: its Diagnostic-Code quotes two codes (5.1.0 … 550 5.7.1); we take the first.
 * - rfc3464-28: the file holds two DSN messages back to back (an mbox); one message, one report.
 */
const PSEUDO = /^\d\.0\.9\d\d$/;
/** The known differences, each asserted as what we do report instead. */
const KNOWN: Record<string, { why: string; recipients: { status: string; replyCode: string; action: string }[] }> = {
  "lhost-amazonses-01.eml": {
    why: "first of two quoted codes",
    recipients: [{ status: "5.1.0", replyCode: "550", action: "failed" }],
  },
  "rfc3464-28.eml": {
    why: "two messages in one file: the first one's recipient",
    recipients: [{ status: "2.1.5", replyCode: "250", action: "delivered" }],
  },
};
/**
 * Reply codes sisimai finds where we report none: lhost-office365-01 has no Diagnostic-Code field, only
 * "Remote Server returned '550 …'" in the human-readable part, which we do not read.
 */
const NO_REPLY_CODE = new Set(["lhost-office365-01.eml"]);

describe("R-OUT-4 DSN parsing: sisimai ground truth", () => {
  it.each(sisimaiCases)("R-OUT-4 %s", async (file, want) => {
    const r = await parseDsn(fixture(`bounces/sisimai/${file}`));
    expect(r).not.toBeNull();
    const name = file.replace(/^.*\//, "");
    const known = KNOWN[name];
    if (known) {
      expect(
        r!.recipients.map((g) => ({ status: g.status, replyCode: g.replyCode, action: g.action })),
        known.why,
      ).toEqual(known.recipients);
      for (const got of r!.recipients) expect(got.finalRecipient).toMatch(/^[^@\s]+@[^@\s]+\.[a-z]+$/i);
      return;
    }
    expect(r!.recipients).toHaveLength(want.recipients.length);
    for (const [i, w] of want.recipients.entries()) {
      const got = r!.recipients[i]!;
      if (PSEUDO.test(w.status)) expect(got.status[0]).toMatch(/[45]/);
      else expect(got.status).toBe(w.status);
      if (w.reason === "delivered") {
        expect(got).toMatchObject({ action: "delivered", permanent: false });
      } else if (got.action === "delayed") {
        // A delay notice (rfc3464-07: "Action: Delayed"; sisimai calls it "expired") is not a bounce yet.
        expect(got.permanent).toBe(false);
      } else {
        // Every other sisimai case is a final failure (their hardbounce flag is narrower, see dsn.ts).
        expect(got.permanent).toBe(true);
      }
      if (NO_REPLY_CODE.has(name)) expect(got.replyCode).toBeNull();
      else if (w.replycode) expect(got.replyCode).toBe(w.replycode);
      // sisimai found none: we may (from a Diagnostic-Code), and then it agrees with the status's class.
      else if (got.replyCode !== null) expect(got.replyCode[0]).toBe(got.status[0]);
      expect(got.finalRecipient).toMatch(/^[^@\s]+@[^@\s]+\.[a-z]+$/i);
    }
  });

  it("R-OUT-4 a delay notice is delayed, not permanent", async () => {
    const r = await parseDsn(fixture("bounces/sisimai/rfc3464-07.eml"));
    expect(r?.recipients[0]).toMatchObject({ action: "delayed", status: "4.4.0", permanent: false });
  });

  it("R-OUT-4 a success DSN is reported as delivered, not bounced", async () => {
    const r = await parseDsn(fixture("bounces/sisimai/rfc3464-28.eml"));
    expect(r?.recipients[0]).toMatchObject({ action: "delivered", status: "2.1.5", permanent: false });
  });

  it.each(listFixtures("bounces/sisimai-not-bounce"))("R-IN-8 %s is not a DSN", async (file) => {
    expect(await parseDsn(fixture(file))).toBeNull();
  });

  it.each([
    "bounces/sisimai-crlf/lhost-postfix-01.eml",
    "bounces/sisimai-crlf/lhost-office365-01.eml",
    "bounces/sisimai-cr/lhost-gmail-01.eml",
  ])("R-OUT-4 line-ending variant %s gives the same result as the LF original", async (file) => {
    const original = await parseDsn(fixture(file.replace(/sisimai-crl?f?\//, "sisimai/")));
    const variant = await parseDsn(fixture(file));
    expect(variant?.recipients.map((r) => [r.finalRecipient, r.status])).toEqual(
      original?.recipients.map((r) => [r.finalRecipient, r.status]),
    );
  });
});

describe("R-OUT-4 DSN parsing: flanker and mikel/mail ground truth", () => {
  it("R-OUT-4 RFC 3464 fields: recipient, action, status, diagnostic code, remote MTA", async () => {
    const r530 = await parseDsn(fixture("bounces/mikel-mail/report_530.eml"));
    expect(r530?.format).toBe("rfc3464");
    expect(r530?.recipients[0]).toMatchObject({
      action: "failed",
      finalRecipient: "edwin@zzzzzzz.com",
      status: "5.3.0",
      diagnosticCode: "553 5.3.0 <edwin@zzzzzzz.com>... Unknown E-Mail Address",
      remoteMta: "mail.zzzzzz.com",
      replyCode: "553",
      permanent: true,
    });
    const r422 = await parseDsn(fixture("bounces/mikel-mail/report_422.eml"));
    expect(r422?.recipients[0]).toMatchObject({
      action: "delayed",
      status: "4.2.2",
      finalRecipient: "fraser@oooooooo.com.au",
      remoteMta: "mail.oooooooo.com.au",
      permanent: false,
    });
    expect(r422?.recipients[0]?.diagnosticCode).toBe("452 4.2.2 <fraser@oooooooo.com.au>... Mailbox full");
  });

  it("R-OUT-4 flanker: Gmail, Office 365, mailbox full, delays", async () => {
    const zed = await parseDsn(fixture("bounces/flanker/zed.eml"));
    expect(zed?.recipients[0]?.status).toBe("5.1.1");
    expect(zed?.recipients[0]?.diagnosticCode).toMatch(/^550-5\.1\.1 The email account that you tried to reach does/);
    const o365 = await parseDsn(fixture("bounces/flanker/office365.eml"));
    expect(o365?.recipients[0]).toMatchObject({
      status: "5.1.10",
      diagnosticCode:
        "550 5.1.10 RESOLVER.ADR.RecipientNotFound; Recipient noname@example.com not found by SMTP address lookup",
      permanent: true,
    });
    const full = await parseDsn(fixture("bounces/flanker/mailbox-full.eml"));
    expect(full?.recipients[0]).toMatchObject({
      action: "failed",
      status: "5.2.2",
      diagnosticCode: "552 5.2.2 E4.12 user MAILBOX FULL",
    });
    const gaveUp = await parseDsn(fixture("bounces/flanker/delayed.eml"));
    expect(gaveUp?.recipients[0]).toMatchObject({ action: "failed", status: "4.0.0", permanent: true });
    const noMx = await parseDsn(fixture("bounces/flanker/no-mx.eml"));
    expect(noMx?.recipients[0]).toMatchObject({ action: "delayed", status: "4.4.4", permanent: false });
    for (const f of ["bounces/flanker/gmail-invalid-address.eml", "bounces/flanker/gmail-no-dns.eml"]) {
      const g = await parseDsn(fixture(f));
      expect(g?.format, f).toBe("heuristic");
      expect(g?.recipients.length, f).toBeGreaterThan(0);
    }
    // flanker fails to parse this one; we only require that it neither throws nor hangs.
    const broken = await parseDsn(fixture("bounces/flanker/delayed-broken.eml"));
    expect(broken === null || Array.isArray(broken.recipients)).toBe(true);
  });

  it.each([
    ...listFixtures("bounces/mimekit"),
    ...listFixtures("bounces/mailparser"),
    "bounces/mikel-mail/multipart_report_multiple_status.eml",
    "bounces/mikel-mail/multi_address_bounce1.eml",
    "bounces/flanker/broken-mime.eml",
  ])("R-OUT-4 %s is read as a DSN with at least one recipient", async (file) => {
    const r = await parseDsn(fixture(file));
    expect(r?.recipients.length).toBeGreaterThan(0);
    for (const rc of r!.recipients) expect(rc.status).toMatch(/^[245]\.\d{1,3}\.\d{1,3}$/);
  });

  it("R-OUT-4 the returned message's Message-Id is reported", async () => {
    const r = await parseDsn(fixture("bounces/sisimai/rfc3464-06.eml"));
    expect(r?.originalMessageId).toBe("0000000000.0000000@mail.example.com");
    const q = await parseDsn(fixture("bounces/sisimai/lhost-qmail-03.eml"));
    expect(q?.originalMessageId).toBe("00000000000000.5529.qmail@nijo.example.jp");
  });

  it("R-OUT-4 works from a parseMessage result too", async () => {
    const parsed = await parseMessage(fixture("bounces/mikel-mail/report_530.eml"));
    const r = await parseDsn(parsed);
    expect(r?.recipients[0]).toMatchObject({ finalRecipient: "edwin@zzzzzzz.com", status: "5.3.0", action: "failed" });
  });
});

describe("R-OUT-4 DSN details", () => {
  const dsn = (diagnostic: string, extra = "") =>
    Buffer.from(
      [
        "From: MAILER-DAEMON@mx.example.net",
        "To: bounce-abc@acme.in.opsmerge.test",
        "Subject: Undelivered Mail Returned to Sender",
        'Content-Type: multipart/report; report-type=delivery-status; boundary="b"',
        "",
        "--b",
        "Content-Type: text/plain",
        "",
        "Sorry.",
        "--b",
        "Content-Type: message/delivery-status",
        "",
        "Reporting-MTA: dns; mx.example.net",
        "",
        "Final-Recipient: rfc822; <Client@Example.COM>",
        "Original-Recipient: rfc822;client@example.com",
        "Action: failed",
        "Status: 5.7.1",
        "Remote-MTA: dns; mx.client.example",
        `Diagnostic-Code: smtp; ${diagnostic}`,
        extra,
        "--b",
        "Content-Type: text/rfc822-headers",
        "",
        "Message-ID: <m-123@acme.example>",
        "Subject: Re: ticket",
        "--b--",
        "",
      ].join("\r\n"),
    );

  it("R-OUT-4 spam score from the destination's reason", async () => {
    const r = await parseDsn(dsn("550 5.7.1 Message rejected as spam (spam score 7.5 > 5.0)"));
    expect(r).toMatchObject({ reportingMta: "mx.example.net", originalMessageId: "m-123@acme.example" });
    expect(r?.recipients[0]).toMatchObject({
      finalRecipient: "client@example.com",
      originalRecipient: "client@example.com",
      status: "5.7.1",
      spamScore: 7.5,
      permanent: true,
      remoteMta: "mx.client.example",
    });
    const scl = await parseDsn(dsn("550 5.7.1 Spam detected SCL=9"));
    expect(scl?.recipients[0]?.spamScore).toBe(9);
    const none = await parseDsn(dsn("550 5.1.1 User unknown"));
    expect(none?.recipients[0]?.spamScore).toBeUndefined();
  });

  it("R-IN-8 ordinary mail and auto-replies are not DSNs", async () => {
    for (const f of [...listFixtures("autoreplies/sisimai"), "replies/talon/standard_replies/gmail.eml"]) {
      expect(await parseDsn(fixture(f)), f).toBeNull();
    }
  });

  it("R-IN-11 garbage never throws", async () => {
    for (const input of [
      Buffer.alloc(0),
      Buffer.from("\x00\x01garbage"),
      Buffer.from("Content-Type: multipart/report; report-type=delivery-status\r\n\r\nFinal-Recipient:"),
    ]) {
      await expect(parseDsn(input)).resolves.toBeDefined();
    }
  });
});
