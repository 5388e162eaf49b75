import { type Browser, type Page } from "@playwright/test";
import { expect, test } from "./support/csp-guard";
import { createClient } from "../server/clients/create-client";
import type { Db } from "../server/db/client";
import { resolveFromAddress } from "../server/sending-domains";
import { createTenant } from "../server/tenants/create-tenant";
import { createUser } from "../server/users/create-user";
import { publishDns } from "./support/dns-control";
import { instanceDb, signIn } from "./support/helpers";

// Each test walks a whole flow through several screens (and two sign-ins).
test.describe.configure({ mode: "serial", timeout: 90_000 });

/**
 * This spec runs in a tenant of its own (its clients and users would otherwise show up in the other specs' lists),
 * with its own admin and technician. Their browsers carry their own client address, so their sign-ins count in a
 * bucket of their own under the sign-in rate limit (5 a minute per IP) that the other specs share.
 */
const SLUG = "sdom";
const ADMIN = { email: "admin@sdom.e2e.test", password: "sdom-admin-password-1" };
const TECH = { email: "tess@sdom.e2e.test", password: "sdom-tech-password-01" };
const DOMAIN = "your-msp.example";
const IDN = "bücher.example";
const IDN_ASCII = "xn--bcher-kva.example";

type Seed = { db: Db; tenantId: string; techId: string; clientId: string };
const seeds = new Map<string, Seed>();

async function seed(projectName: string): Promise<Seed> {
  const existing = seeds.get(projectName);
  if (existing) return existing;
  const db = instanceDb(projectName);
  const tenant = await createTenant(db, { slug: SLUG, name: "Your MSP" });
  await createUser(db, tenant.id, { name: "Ada Admin", email: ADMIN.email, role: "ADMIN", password: ADMIN.password });
  const tech = await createUser(db, tenant.id, { name: "Tess Technician", email: TECH.email, role: "TECHNICIAN", password: TECH.password });
  const client = await createClient(db, tenant.id, { name: "Northwind Traders", primaryDomain: "northwind.example", aliasDomains: [] });
  const s = { db, tenantId: tenant.id, techId: tech.id, clientId: client.id };
  seeds.set(projectName, s);
  return s;
}

async function signedIn(browser: Browser, baseURL: string | undefined, user: { email: string; password: string }, ip: string): Promise<Page> {
  const context = await browser.newContext({
    baseURL,
    storageState: { cookies: [], origins: [] },
    extraHTTPHeaders: { "x-forwarded-for": ip },
    permissions: ["clipboard-read", "clipboard-write"],
  });
  const page = await context.newPage();
  await signIn(page, user.email, user.password);
  return page;
}

const clipboard = (page: Page) => page.evaluate(() => navigator.clipboard.readText());

let admin: Page;

test.beforeAll(async ({ browser, baseURL }, testInfo) => {
  await seed(testInfo.project.name);
  admin = await signedIn(browser, baseURL, ADMIN, "10.250.0.1");
});
test.afterAll(async () => {
  await admin?.context().close();
  for (const s of seeds.values()) await s.db.$disconnect();
});

test("R-DOM-1 R-DOM-2 R-DOM-3 add a domain, copy its records, publish them in DNS, verify", async () => {
  const project = test.info().project.name;
  const page = admin;
  // The domain already sends through another provider: its SPF record must be merged, not duplicated.
  await publishDns(project, DOMAIN, [{ type: "TXT", data: "v=spf1 include:_spf.mailhost.example -all" }]);
  await publishDns(project, "_spf.mailhost.example", [{ type: "TXT", data: "v=spf1 ip4:192.0.2.0/24 -all" }]);
  await publishDns(project, "_spf.opsmerge.localhost", [{ type: "TXT", data: "v=spf1 ip4:127.0.0.1 -all" }]);

  await page.goto("/settings/email-gateway/sending-domains");
  await expect(page.getByRole("heading", { name: "Sending domains", level: 1 })).toBeVisible();
  await expect(page.getByRole("heading", { name: "No sending domains yet" })).toBeVisible();

  // Validated, with the error next to the field.
  await page.getByRole("button", { name: "Add domain" }).first().click();
  const dialog = page.getByRole("dialog", { name: "Add a sending domain" });
  const field = dialog.getByLabel("Domain");
  await field.fill("support@your-msp");
  await dialog.getByRole("button", { name: "Add domain" }).click();
  await expect(field).toHaveAccessibleDescription(/is not a valid domain name/);
  await expect(field).toHaveAttribute("aria-invalid", "true");
  await field.fill("Your-MSP.example.");
  await dialog.getByRole("button", { name: "Add domain" }).click();

  // The domain page: the exact records.
  await expect(page.getByRole("heading", { name: DOMAIN, level: 1 })).toBeVisible();
  await expect(page.getByText("Not checked yet")).toBeVisible();
  const spf = page.getByTestId("record-spf");
  const dkim = page.getByTestId("record-dkim");
  const dmarc = page.getByTestId("record-dmarc");
  await expect(spf.getByTestId("record-host")).toHaveText("@");
  await expect(spf.getByTestId("record-value")).toHaveText("v=spf1 include:_spf.mailhost.example include:_spf.opsmerge.localhost -all");
  await expect(spf).toContainText("replace it with this one merged record");
  await expect(spf).toContainText("2 of 10 DNS lookups used");
  await expect(dkim.getByTestId("record-host")).toHaveText(/^om\d{6}\._domainkey$/);
  await expect(dkim).toContainText(`._domainkey.${DOMAIN}`);
  await expect(dmarc.getByTestId("record-host")).toHaveText("_dmarc");
  await expect(dmarc.getByTestId("record-value")).toHaveText(`v=DMARC1; p=none; rua=mailto:dmarc-reports@${SLUG}.in.localhost`);
  await expect(dmarc.getByText("Recommended", { exact: true })).toBeVisible();
  await expect(spf.getByText("Required", { exact: true })).toBeVisible();

  // Copy buttons put the exact values on the clipboard; the DKIM value also comes as ≤255-character strings.
  await spf.getByRole("button", { name: "Copy SPF value", exact: true }).click();
  const spfValue = await clipboard(page);
  expect(spfValue).toBe("v=spf1 include:_spf.mailhost.example include:_spf.opsmerge.localhost -all");
  await dkim.getByRole("button", { name: "Copy DKIM host", exact: true }).click();
  const dkimHost = `${await clipboard(page)}.${DOMAIN}`;
  await dkim.getByRole("button", { name: "Copy DKIM value", exact: true }).click();
  const dkimValue = await clipboard(page);
  expect(dkimValue).toMatch(/^v=DKIM1; k=rsa; p=MIIBIjAN[A-Za-z0-9+/=]+$/);
  await expect(dkim.getByTestId("record-value")).toHaveText(dkimValue);
  const strings = dkim.getByRole("list", { name: "DKIM value in 255-character strings" }).getByRole("listitem");
  const chunkCount = await strings.count();
  expect(chunkCount).toBeGreaterThan(1);
  const chunks: string[] = [];
  for (let i = 1; i <= chunkCount; i++) {
    await dkim.getByRole("button", { name: `Copy DKIM string ${i}`, exact: true }).click();
    chunks.push(await clipboard(page));
  }
  expect(chunks.every((c) => c.length > 0 && c.length <= 255)).toBe(true);
  expect(chunks.join("")).toBe(dkimValue);
  await dkim.getByRole("button", { name: "Copy DKIM value as quoted strings" }).click();
  expect(await clipboard(page)).toBe(chunks.map((c) => `"${c}"`).join(" "));
  await dmarc.getByRole("button", { name: "Copy DMARC value", exact: true }).click();
  const dmarcValue = await clipboard(page);

  // Verify before publishing: each record named, with what was found.
  await page.getByRole("button", { name: "Verify" }).click();
  await expect(spf.getByTestId("record-status")).toHaveText("Wrong");
  await expect(spf.getByTestId("record-check")).toContainText("does not contain include:_spf.opsmerge.localhost");
  await expect(spf.getByTestId("record-check")).toContainText("v=spf1 include:_spf.mailhost.example -all");
  await expect(dkim.getByTestId("record-status")).toHaveText("Missing");
  await expect(dkim.getByTestId("record-check")).toContainText(`DKIM record at ${dkimHost} is missing`);
  await expect(dmarc.getByTestId("record-status")).toHaveText("Missing");
  await expect(page.getByTestId("last-checked")).toContainText("Last checked");

  // Publish what was copied, the DKIM value as the split strings a DNS provider stores, then Verify again.
  await publishDns(project, DOMAIN, [{ type: "TXT", data: spfValue }]);
  await publishDns(project, dkimHost, [{ type: "TXT", data: chunks }]);
  await publishDns(project, `_dmarc.${DOMAIN}`, [{ type: "TXT", data: dmarcValue }]);
  // Hold the request a moment so the in-progress state can be seen (a real DNS provider is rarely this fast).
  let release: () => void = () => undefined;
  const held = new Promise<void>((r) => (release = r));
  await page.route("**/api/trpc/sendingDomains.verify**", async (route) => {
    await held;
    await route.continue();
  });
  await page.getByRole("button", { name: "Verify" }).click();
  const checking = page.getByRole("button", { name: "Checking DNS…" });
  await expect(checking).toBeDisabled();
  await expect(page.getByTestId("last-checked")).toHaveText("Checking DNS now…");
  await expect(dkim.getByText("Checking…")).toBeVisible();
  release();
  await expect(checking).toBeHidden();
  await page.unroute("**/api/trpc/sendingDomains.verify**");
  await expect(spf.getByTestId("record-status")).toHaveText("Verified");
  await expect(dkim.getByTestId("record-status")).toHaveText("Verified");
  await expect(dmarc.getByTestId("record-status")).toHaveText("Verified");
  await expect(dkim.getByTestId("record-check")).toContainText(`DKIM record at ${dkimHost} is verified`);
  await expect(page.getByRole("region", { name: "Verification" }).getByText("Verified", { exact: true })).toBeVisible();
  // Tall enough for the whole page: a full-page capture stitches the sticky sidebar mid-page.
  await page.setViewportSize({ width: 1280, height: 1600 });
  await page.screenshot({ path: `e2e/screenshots/sending-domain-page-${project}.png` });
  await page.setViewportSize({ width: 1280, height: 720 });

  // The list: per-record badges, last checked time.
  await page.getByRole("link", { name: "← Sending domains" }).click();
  const row = page.getByTestId("sending-domain-row").filter({ hasText: DOMAIN });
  await expect(row).toContainText("SPFVerified");
  await expect(row).toContainText("DKIMVerified");
  await expect(row).toContainText("DMARCVerified");
  await expect(row.getByText("Verified", { exact: true })).toBeVisible();
  await expect(row).not.toContainText("Never");
});

test("R-DOM-4 R-OUT-2 default address, a technician's send-as and a client's override: verified domains only", async ({
  browser,
  baseURL,
}, testInfo) => {
  const project = testInfo.project.name;
  const s = await seed(project);
  const page = admin;

  // A second, IDN domain that is never verified.
  await page.goto("/settings/email-gateway/sending-domains");
  await page.getByRole("button", { name: "Add domain" }).first().click();
  await page.getByRole("dialog", { name: "Add a sending domain" }).getByLabel("Domain").fill(IDN);
  await page.getByRole("dialog", { name: "Add a sending domain" }).getByRole("button", { name: "Add domain" }).click();
  await expect(page.getByRole("heading", { name: IDN, level: 1 })).toBeVisible();
  await expect(page.getByText(`In DNS the domain is written ${IDN_ASCII}.`)).toBeVisible();
  await expect(page.getByTestId("record-dkim").getByTestId("record-host")).toHaveText(/_domainkey$/);
  await expect(page.getByTestId("record-dkim")).toContainText(`._domainkey.${IDN_ASCII}`);
  await page.getByRole("link", { name: "← Sending domains" }).click();
  const idnRow = page.getByTestId("sending-domain-row").filter({ hasText: IDN });
  await expect(idnRow).toContainText("Waiting for records");
  await expect(idnRow).toContainText("DKIMNot checked");
  await page.screenshot({ path: `e2e/screenshots/sending-domains-list-${project}.png`, fullPage: true });

  // Tenant default: refused on the unverified domain, saved on the verified one.
  const defaults = page.getByRole("region", { name: "Default support address" });
  const address = defaults.getByLabel("Support address");
  await address.fill(`support@${IDN}`);
  await defaults.getByRole("button", { name: "Save support address" }).click();
  await expect(address).toHaveAccessibleDescription(
    new RegExp(`${IDN_ASCII.replace(/\./g, "\\.")} is not a verified sending domain: SPF record at .* have not been verified yet`),
  );
  await address.fill(`support@${DOMAIN}`);
  await defaults.getByLabel("Sender name (optional)").fill("Your MSP Support");
  await defaults.getByRole("button", { name: "Save support address" }).click();
  await expect(defaults.getByRole("status")).toHaveText("The default support address is saved.");

  // The technician's own send-as address (their profile, their session).
  const tech = await signedIn(browser, baseURL, TECH, "10.250.0.2");
  try {
    await tech.goto("/profile");
    const sendAs = tech.getByRole("region", { name: "Default sending address" });
    const sendAsField = sendAs.getByLabel("Sending address");
    await expect(sendAsField).toHaveAccessibleDescription(new RegExp(`On a verified sending domain: ${DOMAIN}\\.`));
    await sendAsField.fill(`tess@${IDN}`);
    await sendAs.getByRole("button", { name: "Set sending address" }).click();
    await expect(sendAsField).toHaveAccessibleDescription(new RegExp(`${IDN_ASCII.replace(/\./g, "\\.")} is not a verified sending domain`));
    await sendAsField.fill("tess@elsewhere.example");
    await sendAs.getByRole("button", { name: "Set sending address" }).click();
    await expect(sendAsField).toHaveAccessibleDescription(/elsewhere\.example is not one of your sending domains/);
    await sendAsField.fill(`Tess@${DOMAIN}`);
    await sendAs.getByRole("button", { name: "Set sending address" }).click();
    await expect(sendAs.getByRole("status")).toHaveText("Your sending address is saved.");
    await tech.reload();
    await expect(tech.getByRole("region", { name: "Default sending address" }).getByLabel("Sending address")).toHaveValue(`Tess@${DOMAIN}`);
    await tech.setViewportSize({ width: 1280, height: 1300 });
    await tech.screenshot({ path: `e2e/screenshots/profile-send-as-${project}.png` });
    // Technicians cannot administer sending domains.
    const api = await tech.request.get("/api/trpc/sendingDomains.list");
    expect(api.status()).toBe(403);
  } finally {
    await tech.context().close();
  }

  // The client's override (Client → Settings → Email).
  await page.goto(`/clients/${s.clientId}`);
  const email = page.getByRole("region", { name: "Email settings" });
  await expect(email.getByTestId("client-sending-address")).toHaveText(`the default support address, support@${DOMAIN}.`); // B8: no capital mid-sentence
  const domainSelect = email.getByLabel("Sending domain");
  await domainSelect.selectOption({ label: `${IDN} (not verified)` });
  await email.getByRole("button", { name: "Save email settings" }).click();
  await expect(domainSelect).toHaveAccessibleDescription(new RegExp(`${IDN_ASCII.replace(/\./g, "\\.")} is not a verified sending domain`));
  await domainSelect.selectOption({ label: DOMAIN });
  await email.getByLabel("Address (optional)").fill("help@northwind.example");
  await email.getByRole("button", { name: "Save email settings" }).click();
  await expect(email.getByLabel("Address (optional)")).toHaveAccessibleDescription(`The sending address must be on ${DOMAIN}.`);
  await email.getByLabel("Address (optional)").fill(`northwind-help@${DOMAIN}`);
  await email.getByLabel("Sender name (optional)").fill("Northwind IT desk");
  await email.getByRole("button", { name: "Save email settings" }).click();
  await expect(email.getByRole("status")).toHaveText("The client’s email settings are saved.");
  await expect(email.getByTestId("client-sending-address")).toHaveText(`northwind-help@${DOMAIN}`);
  await page.screenshot({ path: `e2e/screenshots/client-email-settings-${project}.png`, fullPage: true });

  // The one From resolution the outbound path uses honours all three: send-as → client override → tenant default.
  const db = s.db;
  expect(await resolveFromAddress(db, { tenantId: s.tenantId, userId: s.techId, clientId: s.clientId })).toMatchObject({
    address: `Tess@${DOMAIN}`,
    source: "user",
  });
  expect(await resolveFromAddress(db, { tenantId: s.tenantId, clientId: s.clientId })).toMatchObject({
    address: `northwind-help@${DOMAIN}`,
    name: "Northwind IT desk",
    source: "client",
  });
  expect(await resolveFromAddress(db, { tenantId: s.tenantId })).toMatchObject({
    address: `support@${DOMAIN}`,
    name: "Your MSP Support",
    source: "tenant",
  });

  // Remove the unverified domain, with a confirmation.
  await page.goto("/settings/email-gateway/sending-domains");
  await page.getByRole("link", { name: IDN, exact: true }).click();
  await page.getByRole("button", { name: "Remove" }).click();
  const confirm = page.getByRole("dialog", { name: `Remove ${IDN}?` });
  await expect(confirm).toContainText("replies can no longer be sent from it");
  await confirm.getByRole("button", { name: "Remove domain" }).click();
  await expect(page.getByRole("heading", { name: "Sending domains", level: 1 })).toBeVisible();
  await expect(page.getByTestId("sending-domain-row")).toHaveCount(1);
  await expect(page.getByTestId("sending-domain-row")).toContainText(DOMAIN);
});
