/**
 * Large messages over real SMTP (issue 19 item 13, R-IN-7, R-IN-11), on every test database:
 * - a 20 MB message with a 15 MB attachment becomes a ticket, and the attachment served by the download route's
 *   domain function (getAttachmentFile) and the .eml source (getMessageSource) are byte for byte what was sent
 *   (both are stored in chunks, server/db/chunked-bytes.ts);
 * - more large messages at once than LARGE_MESSAGE_SLOTS: a declared SIZE gets 452 4.3.1 at MAIL FROM, an
 *   undeclared one 451 4.3.1 at the end of DATA; retried once the slot is free, both are accepted and stored.
 */
import { createHash } from "node:crypto";
import { readFileSync } from "node:fs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { tenantMailbox } from "../../server/mail/addresses";
import { getAttachmentFile, getMessageSource } from "../../server/tickets/message-files";
import { createTestDatabase, testProviders, type TestDatabase } from "../support/database";
import { startDnsServer, type TestDnsServer } from "../support/dns-server";
import { createTenantRow } from "../support/gateway-data";
import { largeMessage, type LargeMessage } from "../support/large-message";
import { sendMail, SmtpClient, startMta, TEST_INBOUND_DOMAIN, type MtaProcess } from "../support/mta";

const MB = 1024 * 1024;
const sha256 = (data: Uint8Array) => createHash("sha256").update(data).digest("hex");

describe.each(testProviders())("large messages on %s", (provider) => {
  let database: TestDatabase;
  let dns: TestDnsServer;
  let mta: MtaProcess;
  let tenant: { id: string };
  const rcpt = tenantMailbox("bigmail", TEST_INBOUND_DOMAIN);
  const from = "big@sender.bench.example";

  beforeAll(async () => {
    database = await createTestDatabase(provider);
    dns = await startDnsServer({});
    dns.set("sender.bench.example", [{ type: "TXT", data: "v=spf1 ip4:127.0.0.1 -all" }]);
    tenant = await createTenantRow(database.db, "bigmail");
    mta = await startMta({
      databaseUrl: database.url,
      dnsServers: dns.address,
      env: { LARGE_MESSAGE_SLOTS: "1", LARGE_MESSAGE_BYTES: String(5 * MB) },
    });
  });

  afterAll(async () => {
    await mta?.stop();
    await dns?.close();
    await database?.drop();
  });

  /** The stored message of `m`, its ticket and its attachments. */
  const stored = (m: LargeMessage) =>
    database.db.message.findFirst({
      where: { tenantId: tenant.id, messageIdHeader: `${m.id}@sender.bench.example` },
      select: { id: true, ticketId: true, attachments: { select: { id: true, filename: true, size: true, sha256: true } } },
    });

  /** Sends as an MTA would: a 4xx is retried (a moment later), anything else is the answer. */
  async function sendRetrying(m: LargeMessage): Promise<{ code: number; tempFailures: number }> {
    let tempFailures = 0;
    for (let attempt = 0; attempt < 40; attempt++) {
      const r = await sendMail(mta, { from, to: [rcpt], data: m.raw, mailParams: `SIZE=${m.raw.length}` });
      const code = r.final?.code ?? r.rcpt[0]?.code ?? r.mail.code;
      if (code < 400 || code >= 500) return { code, tempFailures };
      tempFailures++;
      await new Promise((res) => setTimeout(res, 250));
    }
    return { code: 0, tempFailures };
  }

  it("issue 19 item 13: the MTA process runs with glibc's mmap threshold pinned, so a large message's freed buffers go back", () => {
    const environ = readFileSync(`/proc/${mta.pid}/environ`, "utf8").split("\0");
    expect(environ).toContain("MALLOC_MMAP_THRESHOLD_=131072");
  });

  it("R-IN-7: a 20 MB message with a 15 MB attachment becomes a ticket; the attachment and the source download intact", { timeout: 420_000 }, async () => {
    const m = largeMessage({ id: `big-${provider}`, attachmentBytes: 15 * MB, from, to: rcpt });
    expect(m.raw.length).toBeGreaterThan(20 * MB);
    const sent = await sendRetrying(m);
    expect(sent.code).toBe(250);

    const row = await stored(m);
    expect(row?.ticketId).toBeTruthy();
    expect(row!.attachments).toHaveLength(1);
    const [a] = row!.attachments;
    expect(a).toMatchObject({ filename: m.filename, size: 15 * MB, sha256: m.sha256 });
    const file = await getAttachmentFile(database.db, tenant.id, a!.id);
    expect(file.content.byteLength).toBe(15 * MB);
    expect(sha256(file.content)).toBe(m.sha256);
    const source = await getMessageSource(database.db, tenant.id, row!.id);
    expect(sha256(source.content)).toBe(sha256(m.raw));
  });

  it("R-IN-11: large messages over LARGE_MESSAGE_SLOTS get 452 (declared SIZE) or 451 (at the end of DATA); the retries are accepted", { timeout: 240_000 }, async () => {
    const first = largeMessage({ id: `slot-a-${provider}`, attachmentBytes: 5 * MB, from, to: rcpt });
    const declared = largeMessage({ id: `slot-b-${provider}`, attachmentBytes: 5 * MB, from, to: rcpt });
    const undeclared = largeMessage({ id: `slot-c-${provider}`, attachmentBytes: 5 * MB, from, to: rcpt });

    // The first sender declares its size and so holds the only slot from MAIL FROM on.
    const holder = await SmtpClient.connect(mta.port);
    await holder.command("EHLO holder.example");
    expect((await holder.command(`MAIL FROM:<${from}> SIZE=${first.raw.length}`)).code).toBe(250);
    expect((await holder.command(`RCPT TO:<${rcpt}>`)).code).toBe(250);

    // A second declared large message is refused before its data is sent.
    const c2 = await SmtpClient.connect(mta.port);
    await c2.command("EHLO second.example");
    const refused = await c2.send({ from, to: [rcpt], data: declared.raw, mailParams: `SIZE=${declared.raw.length}` });
    expect(refused.mail.code).toBe(452);
    expect(refused.mail.text).toMatch(/^4\.3\.1 Too many large messages/);
    await c2.close();

    // One that declared nothing is counted at the end of DATA.
    const c3 = await SmtpClient.connect(mta.port);
    await c3.command("EHLO third.example");
    const late = await c3.send({ from, to: [rcpt], data: undeclared.raw });
    expect(late.final?.code).toBe(451);
    expect(late.final?.text).toMatch(/^4\.3\.1 Too many large messages/);
    await c3.close();

    // The holder's message goes through; its slot is then free again.
    expect((await holder.command("DATA")).code).toBe(354);
    // largeMessage() has no line starting with a dot: nothing to stuff.
    holder.write(Buffer.concat([first.raw, Buffer.from(".\r\n")]));
    expect((await holder.read(120_000)).code).toBe(250);
    await holder.close();

    const retried = await Promise.all([sendRetrying(declared), sendRetrying(undeclared)]);
    expect(retried.map((r) => r.code)).toEqual([250, 250]);
    for (const m of [first, declared, undeclared]) {
      const row = await stored(m);
      expect(row?.attachments.map((a) => a.sha256)).toEqual([m.sha256]);
    }
    // Refused attempts stored nothing twice.
    expect(await database.db.message.count({ where: { tenantId: tenant.id, messageIdHeader: { in: [declared, undeclared].map((m) => `${m.id}@sender.bench.example`) } } })).toBe(2);
  });
});
