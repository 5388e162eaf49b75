/**
 * Day-one sending against the real product (R-UX-1): a new tenant with no sending domain replies from the browser;
 * the reply reaches the receiving MTA from `support@<slug>.<INBOUND_DOMAIN>` named after the tenant, with a DKIM
 * signature of the gateway's own key that verifies against the instance's DNS (the records the Sending domains page
 * shows for INBOUND_DOMAIN, published there); the client's answer threads back. Then the MSP's domain is verified and
 * chosen, and the next reply goes out from it, in the same thread, and its answer threads back too.
 *
 * A tenant of its own, so no other spec's sending domains or defaults can change its From.
 */
import { randomBytes } from "node:crypto";
import { readFileSync } from "node:fs";
import path from "node:path";
import { expect, test } from "@playwright/test";
import type { DNSResolver } from "mailauth";
import { dkimVerify } from "mailauth/lib/dkim/verify.js";
import nodemailer from "nodemailer";
import { createClient } from "../server/clients/create-client";
import { createResolver } from "../server/dns/resolver";
import { parseOutboundMessageId } from "../server/outbound/message-id";
import { addSendingDomain, recordsToPublish, verifySendingDomain } from "../server/sending-domains";
import { createTenant } from "../server/tenants/create-tenant";
import { createUser } from "../server/users/create-user";
import { sendMail } from "../test/support/mta";
import { dnsPortsFor, publishDns } from "./support/dns-control";
import { instanceDb, shootFullPage, signIn } from "./support/helpers";
import { instanceNamed } from "./support/instances";
import { waitForDelivered } from "./support/receiving-mta";

const INBOUND_DOMAIN = "in.localhost";
const SPF_INCLUDE = "_spf.opsmerge.localhost";

async function clientMessage(input: {
  from: string;
  to: string;
  subject: string;
  text: string;
  messageId: string;
  inReplyTo?: string;
  references?: string[];
}): Promise<Buffer> {
  const transport = nodemailer.createTransport({ streamTransport: true, buffer: true, newline: "windows" });
  const info = await transport.sendMail({
    from: input.from,
    to: input.to,
    subject: input.subject,
    text: input.text,
    messageId: `<${input.messageId}>`,
    ...(input.inReplyTo ? { inReplyTo: `<${input.inReplyTo}>` } : {}),
    ...(input.references ? { references: input.references.map((r) => `<${r}>`) } : {}),
  });
  return info.message as Buffer;
}

test("R-UX-1 day one: a reply goes out from the gateway address with a verifying DKIM signature and threads back; after the MSP's domain is verified the next reply goes out from it in the same thread", async ({
  browser,
  baseURL,
}, testInfo) => {
  test.setTimeout(120_000);
  const project = testInfo.project.name;
  const instance = instanceNamed(project);
  const resolver = createResolver({ servers: [`127.0.0.1:${dnsPortsFor(instance).dns}`], timeoutMs: 2_000, tries: 1 });
  const secret = readFileSync(path.join(instance.dataDir, "app-secret"), "utf8").trim();
  const run = randomBytes(3).toString("hex");
  const slug = `d1-${project}-${run}`;
  const tenantName = `Day One MSP ${run}`;
  const clientDomain = `contoso-d1-${run}.test`;
  const mspDomain = `msp-d1-${run}.test`;
  const alice = `alice@${clientDomain}`;
  const mailbox = `support@${slug}.${INBOUND_DOMAIN}`;
  const adminEmail = `admin@${slug}.example`;
  const password = "day-one-admin-000001";

  // A fresh tenant: an admin and a client, no sending domain at all.
  const db = instanceDb(project);
  let tenantId: string;
  try {
    tenantId = (await createTenant(db, { slug, name: tenantName })).id;
    await createUser(db, tenantId, { name: "Dana Dayone", email: adminEmail, role: "ADMIN", password });
    await createClient(db, tenantId, { name: `Contoso ${run}`, primaryDomain: clientDomain });
  } finally {
    await db.$disconnect();
  }

  const subject = `Laptop will not boot ${run}`;
  const rootId = `root-${run}@${clientDomain}`;
  const opened = await sendMail(
    { port: instance.smtpPort },
    {
      from: alice,
      to: [mailbox],
      data: await clientMessage({ from: `Alice Abbott <${alice}>`, to: mailbox, subject, text: "Hi,\n\nmy laptop will not boot.\n\nAlice", messageId: rootId }),
    },
  );
  expect(opened.final?.code, JSON.stringify(opened.final)).toBe(250);

  const context = await browser.newContext({ baseURL: baseURL!, storageState: { cookies: [], origins: [] } });
  const page = await context.newPage();
  try {
    await signIn(page, adminEmail, password);

    // The Sending domains page gives the operator the gateway's records for INBOUND_DOMAIN; the "operator" of this
    // instance publishes them on its DNS.
    await page.goto("/settings/email-gateway/sending-domains");
    const gateway = page.getByRole("region", { name: "Gateway address records" });
    const records: { host: string; value: string }[] = [];
    for (const kind of ["spf", "dkim", "dmarc"]) {
      const row = gateway.getByTestId(`gateway-record-${kind}`);
      await expect(row.getByTestId("record-value")).toHaveText(/^v=/);
      const host = (await row.getByTestId("record-host").textContent())!.replace(/\s*TXT$/, "").trim();
      records.push({ host, value: (await row.getByTestId("record-value").textContent())!.trim() });
    }
    expect(records.map((r) => r.host)).toEqual([INBOUND_DOMAIN, `gateway._domainkey.${INBOUND_DOMAIN}`, `_dmarc.${INBOUND_DOMAIN}`]);
    for (const r of records) {
      const chunks = r.value.match(/.{1,255}/g)!;
      await publishDns(project, r.host, [{ type: "TXT", data: chunks }]);
    }
    await shootFullPage(page, `test-results/day-one-sending-domains-${project}.png`);

    // The composer says, before Send, exactly which From it will use, and where to set up the MSP's own.
    await page.goto("/tickets");
    await page.getByRole("link", { name: new RegExp(subject) }).click();
    await expect(page.getByRole("heading", { level: 1, name: new RegExp(`^#\\d+ ${subject}$`) })).toBeVisible();
    const ticketId = /\/tickets\/([a-z0-9]+)$/.exec(page.url())![1]!;
    const composer = page.getByRole("region", { name: "Reply" });
    await expect(composer.getByTestId("reply-from-address")).toHaveText(`${tenantName} <${mailbox}>`);
    const setUp = composer.getByTestId("reply-from").getByRole("link", { name: "Settings → Email gateway → Sending domains" });
    await expect(setUp).toHaveAttribute("href", "/settings/email-gateway/sending-domains");
    await shootFullPage(page, `test-results/day-one-composer-${project}.png`);

    await composer.getByLabel("Message").fill(`Hello Alice,\n\nplease hold the power button for 30 seconds.\n\nDay one ${run}`);
    await composer.getByRole("button", { name: "Send reply" }).click();
    await expect(composer.getByRole("status")).toHaveText("Reply queued for delivery.");

    const first = await waitForDelivered(project, (m) => m.recipients.includes(alice) && (m.parsed.text ?? "").includes(`Day one ${run}`));
    expect(first.parsed.from?.value).toEqual([{ address: mailbox, name: tenantName }]);
    const dkim1 = await dkimVerify(first.raw, { resolver: resolver as DNSResolver });
    expect(dkim1.results[0]).toMatchObject({ signingDomain: INBOUND_DOMAIN, selector: "gateway", status: { result: "pass" } });
    const firstId = first.parsed.messageId!.replace(/^<|>$/g, "");
    expect(parseOutboundMessageId(secret, firstId)).toMatchObject({ slug, ticketId });
    expect(first.parsed.inReplyTo).toBe(`<${rootId}>`);
    const replyTo = first.parsed.replyTo!.value[0]!.address!;

    // Alice answers to the Reply-To: same ticket.
    const answerId = `answer-${run}@${clientDomain}`;
    const answered = await sendMail(
      { port: instance.smtpPort },
      {
        from: alice,
        to: [replyTo],
        data: await clientMessage({
          from: `Alice Abbott <${alice}>`,
          to: replyTo,
          subject: `Re: ${subject}`,
          text: `Still black after 30 seconds (${run}).\n\nAlice`,
          messageId: answerId,
          inReplyTo: firstId,
          references: [rootId, firstId],
        }),
      },
    );
    expect(answered.final?.code, JSON.stringify(answered.final)).toBe(250);
    await page.reload();
    const thread = page.getByRole("region", { name: "Thread" });
    await expect(thread.getByTestId("thread-message").last()).toContainText(`Still black after 30 seconds (${run}).`);

    // The MSP's domain is verified and becomes the default support address (Sending domains page).
    const seeding = instanceDb(project);
    try {
      const sending = await addSendingDomain(seeding, { tenantId, domain: mspDomain, secret });
      const r = await recordsToPublish(sending, { spfInclude: SPF_INCLUDE, dmarcRua: `dmarc-reports@${slug}.${INBOUND_DOMAIN}` });
      for (const rec of [r.spf, r.dkim, r.dmarc]) await publishDns(project, rec.host, [{ type: "TXT", data: rec.chunks }]);
      expect((await verifySendingDomain(seeding, { tenantId, id: sending.id, resolver, spfInclude: SPF_INCLUDE })).verified).toBe(true);
    } finally {
      await seeding.$disconnect();
    }
    await page.goto("/settings/email-gateway/sending-domains");
    const defaults = page.getByRole("region", { name: "Default support address" });
    await defaults.getByLabel("Support address").fill(`support@${mspDomain}`);
    await defaults.getByLabel("Sender name (optional)").fill("Day One Support");
    await defaults.getByRole("button", { name: "Save support address" }).click();
    await expect(defaults.getByRole("status")).toHaveText("The default support address is saved.");

    await page.goto(`/tickets/${ticketId}`);
    await expect(composer.getByTestId("reply-from-address")).toHaveText(`Day One Support <support@${mspDomain}>`);
    await expect(composer.getByTestId("reply-from").getByRole("link")).toHaveCount(0);
    await composer.getByLabel("Message").fill(`Hello Alice,\n\na courier picks it up tomorrow.\n\nDay two ${run}`);
    await composer.getByRole("button", { name: "Send reply" }).click();
    await expect(composer.getByRole("status")).toHaveText("Reply queued for delivery.");

    const second = await waitForDelivered(project, (m) => m.recipients.includes(alice) && (m.parsed.text ?? "").includes(`Day two ${run}`));
    expect(second.parsed.from?.value).toEqual([{ address: `support@${mspDomain}`, name: "Day One Support" }]);
    const dkim2 = await dkimVerify(second.raw, { resolver: resolver as DNSResolver });
    expect(dkim2.results[0]).toMatchObject({ signingDomain: mspDomain, status: { result: "pass" } });
    // Same thread: the same ticket in the Message-Id, the same Reply-To, answering Alice's last message.
    const secondId = second.parsed.messageId!.replace(/^<|>$/g, "");
    expect(parseOutboundMessageId(secret, secondId)).toMatchObject({ slug, ticketId });
    expect(second.parsed.replyTo?.value[0]?.address).toBe(replyTo);
    expect(second.parsed.inReplyTo).toBe(`<${answerId}>`);
    expect([second.parsed.references ?? []].flat()).toContain(`<${rootId}>`);

    // Alice's answer to the second reply (referencing only it) threads into the same ticket.
    const answered2 = await sendMail(
      { port: instance.smtpPort },
      {
        from: alice,
        to: [replyTo],
        data: await clientMessage({
          from: `Alice Abbott <${alice}>`,
          to: replyTo,
          subject: `Re: ${subject}`,
          text: `Thanks, the courier can come after 9 (${run}).\n\nAlice`,
          messageId: `answer2-${run}@${clientDomain}`,
          inReplyTo: secondId,
          references: [secondId],
        }),
      },
    );
    expect(answered2.final?.code, JSON.stringify(answered2.final)).toBe(250);
    await page.reload();
    await expect(thread.getByTestId("thread-message").last()).toContainText(`Thanks, the courier can come after 9 (${run}).`);
    await page.goto("/tickets");
    await expect(page.getByTestId("ticket-row").filter({ hasText: subject })).toHaveCount(1);
  } finally {
    await context.close();
  }
});
