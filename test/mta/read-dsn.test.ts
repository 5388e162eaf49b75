/**
 * R-IN-8 / R-OUT-4: the DSN fields the inbound side reads from real bounces (fixtures from flanker and the Ruby
 * mail gem, expectations transcribed in their expected.json) before applying them to the outbound message.
 */
import { readFileSync } from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { readDsn } from "../../server/mail/ingest-inbound";
import { parseMessage } from "../../server/mail/parse-message";

const bounces = path.resolve(import.meta.dirname, "../fixtures/bounces");

async function dsnOf(file: string) {
  return readDsn(await parseMessage(readFileSync(path.join(bounces, file))));
}

describe("readDsn on real-world bounces (R-IN-8, R-OUT-4)", () => {
  it.each([
    ["flanker/zed.eml", "5.1.1", true],
    ["flanker/office365.eml", "5.1.10", true],
    ["flanker/mailbox-full.eml", "5.2.2", true],
    // Action failed after days of retries, with a 4.x.x status: it has given up, so it is final.
    ["flanker/delayed.eml", "4.0.0", true],
    ["flanker/no-mx.eml", "4.4.4", false],
    ["mikel-mail/report_530.eml", "5.3.0", true],
    ["mikel-mail/report_422.eml", "4.2.2", false],
  ])("%s → status %s, permanent %s", async (file, status, permanent) => {
    const dsn = await dsnOf(file);
    expect(dsn).not.toBeNull();
    expect(dsn!.status).toBe(status);
    expect(dsn!.permanent).toBe(permanent);
  });

  it("keeps the diagnostic code and final recipient", async () => {
    expect(await dsnOf("mikel-mail/report_530.eml")).toMatchObject({
      action: "failed",
      finalRecipient: "RFC822; edwin@zzzzzzz.com",
      diagnosticCode: "SMTP; 553 5.3.0 <edwin@zzzzzzz.com>... Unknown E-Mail Address",
    });
    expect((await dsnOf("flanker/office365.eml"))!.diagnosticCode).toBe(
      "smtp;550 5.1.10 RESOLVER.ADR.RecipientNotFound; Recipient noname@example.com not found by SMTP address lookup",
    );
  });

  it("is null for an ordinary message or an auto-reply", async () => {
    const autoReply = readFileSync(path.resolve(import.meta.dirname, "../fixtures/autoreplies/sisimai/rfc3834-01.eml"));
    expect(readDsn(await parseMessage(autoReply))).toBeNull();
    expect(readDsn(await parseMessage(Buffer.from("From: a@b.example\r\nSubject: hi\r\n\r\nStatus: fine, thanks\r\n")))).toBeNull();
  });
});
