/**
 * Issue 2 item 5 over a real SMTP socket against the real Haraka (scripts/mta.ts), on every test database:
 * the tenant mailbox is accepted, anything else is 550 5.1.1 (no relay), STARTTLS works with the certificate
 * generated on first start, SIZE is advertised and enforced, and an unreachable database answers 451.
 */
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { X509Certificate } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createTestDatabase, testProviders, type TestDatabase } from "../support/database";
import { createTenantRow } from "../support/gateway-data";
import { deadPort, SmtpClient, startMta, TEST_INBOUND_DOMAIN, type MtaProcess } from "../support/mta";

const mailbox = (slug: string) => `support@${slug}.${TEST_INBOUND_DOMAIN}`;

describe.each(testProviders())("MTA foundation on %s", (provider) => {
  let database: TestDatabase;
  let mta: MtaProcess;

  beforeAll(async () => {
    database = await createTestDatabase(provider);
    await createTenantRow(database.db, "demo");
    mta = await startMta({ databaseUrl: database.url, env: { SMTP_MAX_SIZE: "200000" } });
  });

  afterAll(async () => {
    await mta?.stop();
    await database?.drop();
  });

  it("R-IN-1: accepts RCPT for the tenant mailbox", async () => {
    const c = await SmtpClient.connect(mta.port);
    expect(c.greeting.code).toBe(220);
    expect((await c.command("EHLO client.example")).code).toBe(250);
    expect((await c.command("MAIL FROM:<someone@example.com>")).code).toBe(250);
    const rcpt = await c.command(`RCPT TO:<${mailbox("demo")}>`);
    expect(rcpt.code).toBe(250);
    // Case and a trailing dot on the domain do not change whose address it is.
    expect((await c.command(`RCPT TO:<SUPPORT@Demo.${TEST_INBOUND_DOMAIN.toUpperCase()}>`)).code).toBe(250);
    await c.close();
  });

  it("R-IN-1: refuses every other recipient with 550 5.1.1 and never relays", async () => {
    const c = await SmtpClient.connect(mta.port);
    await c.command("EHLO client.example");
    expect((await c.command("MAIL FROM:<someone@example.com>")).code).toBe(250);
    for (const to of [
      "bob@example.com", // relay attempt
      mailbox("nosuchtenant"), // right shape, no such tenant
      `webmaster@demo.${TEST_INBOUND_DOMAIN}`, // unknown local part (postmaster@ is accepted: test/mta/postmaster.test.ts)
      `reply-abc123-aaaaaaaaaaaaaaaa@demo.${TEST_INBOUND_DOMAIN}`, // forged reply token
      `support@demo.${TEST_INBOUND_DOMAIN}.evil.example`,
    ]) {
      const r = await c.command(`RCPT TO:<${to}>`);
      expect(r.code, to).toBe(550);
      expect(r.text, to).toMatch(/^5\.1\.1 /);
    }
    // With no accepted recipient there is no transaction to send.
    expect((await c.command("DATA")).code).toBeGreaterThanOrEqual(500);
    await c.close();
  });

  it("R-IN-1: offers STARTTLS with the certificate generated on first start", async () => {
    const certFile = path.join(mta.dataDir, "tls", "smtp-cert.pem");
    expect(existsSync(certFile)).toBe(true);
    const c = await SmtpClient.connect(mta.port);
    const ehlo = await c.command("EHLO client.example");
    expect(ehlo.lines.some((l) => /STARTTLS/.test(l))).toBe(true);
    const { response, socket } = await c.startTls();
    expect(response.code).toBe(220);
    expect(socket?.encrypted).toBe(true);
    const served = socket!.getPeerX509Certificate();
    expect(served?.fingerprint256).toBe(new X509Certificate(readFileSync(certFile)).fingerprint256);
    const again = await c.command("EHLO client.example");
    expect(again.code).toBe(250);
    expect(again.lines.some((l) => /STARTTLS/.test(l))).toBe(false);
    expect((await c.command("MAIL FROM:<someone@example.com>")).code).toBe(250);
    expect((await c.command(`RCPT TO:<${mailbox("demo")}>`)).code).toBe(250);
    await c.close();
  });

  it("R-IN-11: advertises SIZE from SMTP_MAX_SIZE and refuses a larger declared size with 552", async () => {
    const c = await SmtpClient.connect(mta.port);
    const ehlo = await c.command("EHLO client.example");
    expect(ehlo.lines.some((l) => /SIZE 200000$/.test(l))).toBe(true);
    const mail = await c.command("MAIL FROM:<someone@example.com> SIZE=200001");
    expect(mail.code).toBe(552);
    expect(mail.text).toMatch(/^5\.3\.4 /);
    await c.close();
  });

  it("R-IN-10: with the database unreachable, RCPT is answered 451 4.3.0 (never 5xx)", async () => {
    // SQLite: a path under a regular file can never be opened or created (not even by root).
    const notADirectory = path.join(mkdtempSync(path.join(tmpdir(), "opsmerge-down-")), "not-a-directory");
    writeFileSync(notADirectory, "");
    const url =
      provider === "sqlite"
        ? `file:${path.join(notADirectory, "gateway.db")}`
        : `postgresql://postgres@127.0.0.1:${await deadPort()}/test`;
    const down = await startMta({ databaseUrl: url });
    try {
      const c = await SmtpClient.connect(down.port);
      expect(c.greeting.code).toBe(220);
      await c.command("EHLO client.example");
      expect((await c.command("MAIL FROM:<someone@example.com>")).code).toBe(250);
      const r = await c.command(`RCPT TO:<${mailbox("demo")}>`);
      expect(r.code).toBe(451);
      expect(r.text).toMatch(/^4\.3\.0 /);
      // An address on a domain that is not ours needs no database to refuse: relaying stays impossible.
      const foreign = await c.command("RCPT TO:<bob@example.com>");
      expect(foreign.code).toBe(550);
      await c.close();
    } finally {
      await down.stop();
      rmSync(path.dirname(notADirectory), { recursive: true, force: true });
    }
  });
});
