/**
 * The outbound round trip against the real product (R-OUT-1, R-OUT-3, R-OUT-4, R-TKT-2): a client's mail opens a
 * ticket through Haraka; a technician previews and sends a Markdown reply in the browser; the instance's outbound
 * worker delivers it through OUTBOUND_RELAY to the e2e receiving MTA (e2e/support/receiving-mta-process.ts); the
 * received copy carries the right From, Reply-To, Message-Id, In-Reply-To, References and a DKIM signature that
 * verifies; the client answers that copy to its Reply-To through the gateway's SMTP port; the answer lands in the
 * same ticket's thread in the browser, and the reply's state reads Delivered.
 *
 * Everything runs in a tenant of its own (own admin, own sending domain as the default From, own inbound
 * subdomain), so no other spec's settings can change the From or the thread.
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
import { bounceAddress, parseGatewayAddress } from "../server/mail/addresses";
import { parseOutboundMessageId } from "../server/outbound/message-id";
import { addSendingDomain, recordsToPublish, setTenantDefaultFrom, verifySendingDomain } from "../server/sending-domains";
import { createTenant } from "../server/tenants/create-tenant";
import { createUser } from "../server/users/create-user";
import { sendMail } from "../test/support/mta";
import { dnsPortsFor, publishDns } from "./support/dns-control";
import { instanceDb, shootFullPage, signIn } from "./support/helpers";
import { instanceNamed } from "./support/instances";
import { waitForDelivered } from "./support/receiving-mta";

const INBOUND_DOMAIN = "in.localhost";
const SPF_INCLUDE = "_spf.opsmerge.localhost";

/** A real MIME message as a mail client writes it (nodemailer's composer, CRLF line ends). */
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

test("R-OUT-1 R-OUT-3 R-OUT-4 R-TKT-2 round trip: a Markdown reply sent in the browser is delivered with the right headers and DKIM; the client's answer to its Reply-To lands in the same thread; the reply reads Delivered", async ({
  browser,
  baseURL,
}, testInfo) => {
  test.setTimeout(90_000);
  const project = testInfo.project.name;
  const instance = instanceNamed(project);
  // The instance's DNS: for verifying the sending domain and, later, the DKIM signature of what was delivered.
  const resolver = createResolver({ servers: [`127.0.0.1:${dnsPortsFor(instance).dns}`], timeoutMs: 2_000, tries: 1 });
  const secret = readFileSync(path.join(instance.dataDir, "app-secret"), "utf8").trim();
  const run = randomBytes(3).toString("hex");
  const slug = `rt-${project}-${run}`;
  const domain = `msp-rt-${run}.test`;
  const clientDomain = `fabrikam-rt-${run}.test`;
  const alice = `alice@${clientDomain}`;
  const mailbox = `support@${slug}.${INBOUND_DOMAIN}`;
  const adminEmail = `admin@${slug}.example`;
  const password = "round-trip-admin-0001";

  // A tenant of its own, with a verified sending domain (records on the instance's DNS) as its default From.
  const db = instanceDb(project);
  let tenantId: string;
  try {
    const tenant = await createTenant(db, { slug, name: "Round Trip MSP" });
    tenantId = tenant.id;
    await createUser(db, tenantId, { name: "Rita Roundtrip", email: adminEmail, role: "ADMIN", password });
    await createClient(db, tenantId, { name: `Fabrikam ${run}`, primaryDomain: clientDomain });
    const sending = await addSendingDomain(db, { tenantId, domain, secret });
    const records = await recordsToPublish(sending, { spfInclude: SPF_INCLUDE, dmarcRua: `dmarc-reports@${slug}.${INBOUND_DOMAIN}` });
    for (const r of [records.spf, records.dkim, records.dmarc]) await publishDns(project, r.host, [{ type: "TXT", data: r.chunks }]);
    expect((await verifySendingDomain(db, { tenantId, id: sending.id, resolver, spfInclude: SPF_INCLUDE })).verified).toBe(true);
    await setTenantDefaultFrom(db, { tenantId, address: `support@${domain}`, name: "Round Trip Support" });
  } finally {
    await db.$disconnect();
  }

  // Alice writes in through Haraka: a ticket.
  const subject = `VPN drops every hour ${run}`;
  const rootId = `root-${run}@${clientDomain}`;
  const opened = await sendMail(
    { port: instance.smtpPort },
    {
      from: alice,
      to: [mailbox],
      data: await clientMessage({
        from: `Alice Abbott <${alice}>`,
        to: mailbox,
        subject,
        text: "Hi,\n\nthe VPN drops every hour on the hour since Monday.\n\nAlice",
        messageId: rootId,
      }),
    },
  );
  expect(opened.final?.code, JSON.stringify(opened.final)).toBe(250);

  const context = await browser.newContext({ baseURL: baseURL!, storageState: { cookies: [], origins: [] } });
  const page = await context.newPage();
  try {
    await signIn(page, adminEmail, password);
    await page.goto("/tickets");
    await page.getByRole("link", { name: new RegExp(subject) }).click();
    await expect(page.getByRole("heading", { level: 1, name: new RegExp(`^#\\d+ ${subject}$`) })).toBeVisible();
    const ticketId = /\/tickets\/([a-z0-9]+)$/.exec(page.url())![1]!;
    const replyAddress = (await page.getByTestId("reply-address").textContent())!.trim();
    expect(parseGatewayAddress(secret, replyAddress, INBOUND_DOMAIN)).toMatchObject({ kind: "reply", slug, ticketId });

    // R-TKT-2: Markdown with a preview rendered by the server; raw HTML stays text.
    const composer = page.getByRole("region", { name: "Reply" });
    await expect(composer.getByLabel("To")).toHaveValue(`Alice Abbott <${alice}>`);
    await expect(composer.getByText("Markdown supported")).toBeVisible();
    const markdown = [
      "Hello Alice,",
      "",
      "thanks for the report. Please try this **before 5 pm** today:",
      "",
      "1. Open the VPN client",
      "2. Choose _Settings → Reconnect_",
      "3. Send us the log from `C:\\ProgramData\\vpn\\client.log`",
      "",
      "> the VPN drops every hour on the hour",
      "",
      "Status page: https://status.example/vpn",
      "<script>alert('xss')</script>",
      "",
      `Regards,\nRound Trip Support ${run}`,
    ].join("\n");
    await composer.getByLabel("Message").fill(markdown);
    await composer.getByRole("button", { name: "Preview" }).click();
    const preview = composer.frameLocator("iframe[title='Preview of the reply']");
    await expect(preview.locator("strong")).toHaveText("before 5 pm");
    await expect(preview.locator("ol > li")).toHaveCount(3);
    await expect(preview.locator("em")).toHaveText("Settings → Reconnect");
    await expect(preview.getByRole("link", { name: "https://status.example/vpn" })).toHaveAttribute("href", "https://status.example/vpn");
    await expect(preview.getByText("<script>alert('xss')</script>")).toBeVisible();
    await expect(preview.locator("script")).toHaveCount(0);
    await shootFullPage(page, `test-results/round-trip-preview-${project}.png`);
    await composer.getByRole("button", { name: "Write" }).click();
    await expect(composer.getByLabel("Message")).toHaveValue(markdown);
    await composer.getByRole("button", { name: "Send reply" }).click();
    await expect(composer.getByRole("status")).toHaveText("Reply queued for delivery.");

    // The sent reply is in the thread at once, formatted.
    const sent = page.getByTestId("thread-message").filter({ has: page.locator(`iframe[title^="Formatted message from Rita Roundtrip"]`) });
    await expect(sent).toHaveCount(1);
    await expect(sent.frameLocator("iframe").locator("strong")).toHaveText("before 5 pm");

    // R-OUT-3: delivered through OUTBOUND_RELAY to the receiving MTA, over STARTTLS.
    const received = await waitForDelivered(project, (m) => m.recipients.includes(alice) && (m.parsed.text ?? "").includes(`Round Trip Support ${run}`));
    expect(received.secure).toBe(true);
    const headers = received.parsed.headers;
    // R-OUT-1: From the tenant's default, Reply-To the ticket's reply address, envelope sender the VERP address.
    expect(received.parsed.from?.value).toEqual([{ address: `support@${domain}`, name: "Round Trip Support" }]);
    expect(received.parsed.replyTo?.value.map((v) => v.address)).toEqual([replyAddress]);
    expect(received.parsed.subject).toBe(`Re: ${subject}`);
    const messageId = received.parsed.messageId!.replace(/^<|>$/g, "");
    const ref = parseOutboundMessageId(secret, messageId);
    expect(ref).toMatchObject({ slug, ticketId });
    expect(received.envelopeFrom).toBe(bounceAddress(secret, { slug, messageId: ref!.messageId }, INBOUND_DOMAIN));
    expect(messageId.endsWith(`@${domain}`)).toBe(true);
    // Threading: In-Reply-To Alice's message, References the thread.
    expect(received.parsed.inReplyTo).toBe(`<${rootId}>`);
    expect([received.parsed.references ?? []].flat()).toEqual([`<${rootId}>`]);
    expect(headers.get("dkim-signature")).toBeTruthy();
    // R-OUT-1 DKIM: d= the From domain, verified against the records on the instance's DNS.
    const dkim = await dkimVerify(received.raw, { resolver: resolver as DNSResolver });
    expect(dkim.results[0]).toMatchObject({ signingDomain: domain, status: { result: "pass" } });
    // R-TKT-2: the text part is the Markdown as written; the HTML part is its sanitised rendering.
    expect(received.parsed.text?.replace(/\r\n/g, "\n").trimEnd()).toBe(markdown);
    const html = received.parsed.html || "";
    expect(html).toContain("<strong>before 5 pm</strong>");
    expect(html).toContain('<a href="https://status.example/vpn" rel="noopener noreferrer nofollow" target="_blank">');
    expect(html).toContain("&lt;script&gt;");
    expect(html).not.toContain("<script");

    // R-OUT-4: the reply's state settles to Delivered in the page (the page watches a reply in flight), with
    // the receiver's answer.
    const state = sent.getByTestId("delivery-state");
    await expect(state).toHaveText("Delivered", { timeout: 20_000 });
    await expect(sent).toContainText("Ok: queued as test");

    // Alice answers the copy she received, to its Reply-To, through the gateway's SMTP port.
    const answerId = `answer-${run}@${clientDomain}`;
    const answered = await sendMail(
      { port: instance.smtpPort },
      {
        from: alice,
        to: [replyAddress],
        data: await clientMessage({
          from: `Alice Abbott <${alice}>`,
          to: replyAddress,
          subject: `Re: ${received.parsed.subject}`,
          text: `Reconnecting fixed it, thank you! (${run})\n\nAlice\n\nOn Tuesday, Round Trip Support wrote:\n> Hello Alice,\n> thanks for the report.`,
          messageId: answerId,
          inReplyTo: messageId,
          references: [rootId, messageId],
        }),
      },
    );
    expect(answered.final?.code, JSON.stringify(answered.final)).toBe(250);

    // The answer is in the same ticket's thread, after the reply; the ticket gained no sibling.
    await page.reload();
    const thread = page.getByRole("region", { name: "Thread" });
    const answer = thread.getByTestId("thread-message").filter({ hasText: `Reconnecting fixed it, thank you! (${run})` });
    await expect(answer).toHaveCount(1);
    await expect(answer).toContainText(alice);
    await expect(thread.getByTestId("thread-message").last()).toContainText(`Reconnecting fixed it, thank you! (${run})`);
    await expect(sent.getByTestId("delivery-state")).toHaveText("Delivered");
    await page.goto("/tickets");
    await expect(page.getByTestId("ticket-row").filter({ hasText: subject })).toHaveCount(1);

    // R-OUT-4: the activity log has the reply queued, then delivered with the receiver's reply.
    await page.goto("/settings/email-gateway/activity");
    const rows = page
      .getByTestId("activity-row")
      .filter({ hasText: `Re: ${subject}` })
      .filter({ has: page.getByLabel("Outbound", { exact: true }) });
    await expect(rows.filter({ hasText: "Delivered" })).toHaveCount(1);
    await expect(rows.filter({ hasText: "Queued" })).toHaveCount(1);

    await page.goto(`/tickets/${ticketId}`);
    await expect(page.getByTestId("thread-message").last()).toContainText(`Reconnecting fixed it, thank you! (${run})`);
    await expect(page.getByTestId("thread-message").filter({ has: page.getByTestId("delivery-state") }).first()).toBeVisible();
    await shootFullPage(page, `test-results/round-trip-thread-${project}.png`);
  } finally {
    await context.close();
  }
});
