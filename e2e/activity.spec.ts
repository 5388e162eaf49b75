import { randomBytes } from "node:crypto";
import { expect, test, type Browser, type Page } from "@playwright/test";
import { addBlocklistEntry } from "../server/blocklist/manage-blocklist";
import { createTenant } from "../server/tenants/create-tenant";
import { createUser } from "../server/users/create-user";
import { sendMail } from "../test/support/mta";
import { publishDns } from "./support/dns-control";
import { instanceDb, reloadUntil, signIn } from "./support/helpers";
import { instanceNamed } from "./support/instances";

test.describe.configure({ mode: "serial" });

function rawMessage(from: string, to: string, subject: string): string {
  return [
    `From: ${from}`,
    `To: ${to}`,
    `Subject: ${subject}`,
    `Date: ${new Date().toUTCString()}`,
    `Message-ID: <${Date.now()}.${randomBytes(6).toString("hex")}@e2e.example>`,
    "MIME-Version: 1.0",
    "Content-Type: text/plain; charset=utf-8",
    "",
    "Hello, this is an activity log test.",
    "",
  ].join("\r\n");
}

/** A tenant of its own (so the demo tenant's blocklist and activity stay as other specs expect), and its admin signed in. */
async function ownTenantAdmin(browser: Browser, baseURL: string, projectName: string): Promise<{ page: Page; slug: string }> {
  const db = instanceDb(projectName);
  const slug = `act-${projectName}-${randomBytes(3).toString("hex")}`;
  const email = `admin@${slug}.example`;
  const password = "activity-admin-0001";
  try {
    const tenant = await createTenant(db, { slug, name: "Activity MSP" });
    await createUser(db, tenant.id, { name: "Ada Admin", email, role: "ADMIN", password });
    await addBlocklistEntry(db, { tenantId: tenant.id, userId: null, value: "blocked@spam-act.co", note: "e2e" });
  } finally {
    await db.$disconnect();
  }
  const context = await browser.newContext({ baseURL, storageState: { cookies: [], origins: [] } });
  const page = await context.newPage();
  await signIn(page, email, password);
  return { page, slug };
}

test("R-ACT-1 R-ACT-2 real mail appears with its outcome and reason; filters narrow; the detail shows verdicts and headers", async ({ browser, baseURL }, testInfo) => {
  test.setTimeout(120_000);
  const { page, slug } = await ownTenantAdmin(browser, baseURL!, testInfo.project.name);
  const shots = `e2e/screenshots/activity-${testInfo.project.name}`;

  // Loading state: hold the list's first response a moment.
  let hold = true;
  await page.route("**/api/trpc/**activity.list**", async (route) => {
    if (hold) {
      hold = false;
      await new Promise((r) => setTimeout(r, 1_500));
    }
    await route.continue();
  });
  await page.goto("/settings/email-gateway/activity");
  await expect(page.getByRole("heading", { name: "Activity", level: 1 })).toBeVisible();
  await expect(page.getByText("Loading the activity…")).toBeAttached();
  await page.screenshot({ path: `${shots}-loading.png`, fullPage: true });
  await expect(page.getByRole("heading", { name: "No mail yet" })).toBeVisible();
  await expect(page.getByText("No mail in the last 14 days.")).toBeVisible();
  await page.screenshot({ path: `${shots}-empty.png`, fullPage: true });

  // Real mail over SMTP: one from a client, one from a blocklisted sender. The client's domain authenticates (SPF
  // pass from this machine, no DMARC record), so its new ticket is acknowledged (R-IN-9).
  await publishDns(testInfo.project.name, "client-act.co", [{ type: "TXT", data: "v=spf1 ip4:127.0.0.1 -all" }]);
  const instance = instanceNamed(testInfo.project.name);
  const to = `support@${slug}.in.localhost`;
  for (const [from, subject] of [
    ["alice@client-act.co", "Printer jammed on floor 3"],
    ["blocked@spam-act.co", "Cheap watches"],
  ] as const) {
    const sent = await sendMail({ port: instance.smtpPort }, { from, to: [to], data: rawMessage(from, to, subject) });
    expect(sent.final?.code).toBe(250);
  }

  const rows = page.getByTestId("activity-row");
  // Inbound delivered, inbound dropped, and the outbound auto-acknowledgement to alice: queued, then delivered to
  // the instance's receiving MTA (OUTBOUND_RELAY).
  await reloadUntil(page, rows.or(page.getByRole("heading", { name: "No mail yet" })), () => expect(rows).toHaveCount(4, { timeout: 2_000 }));
  // The acknowledgement quotes the subject too: the inbound row is the one with the inbound arrow.
  const delivered = rows.filter({ hasText: "Printer jammed on floor 3" }).filter({ has: page.getByLabel("Inbound", { exact: true }) });
  await expect(delivered).toContainText("Delivered");
  await expect(delivered).toContainText("alice@client-act.co");
  const dropped = rows.filter({ hasText: "Cheap watches" });
  await expect(dropped).toContainText("Dropped");
  await expect(dropped.getByTestId("activity-reason")).toHaveText("blocklist: email blocked@spam-act.co");
  await expect(page.getByRole("img", { name: /Log entries per day by outcome/ })).toBeVisible();
  await page.screenshot({ path: `${shots}-list.png`, fullPage: true });

  // Filters narrow.
  const filters = page.getByRole("region", { name: "Filters" });
  const outcome = filters.getByLabel("Outcome", { exact: true });
  await outcome.selectOption("DROPPED");
  await filters.getByRole("button", { name: "Apply filters" }).click();
  await expect(rows).toHaveCount(1);
  await expect(rows.first()).toContainText("Cheap watches");
  await outcome.selectOption("");
  await filters.getByLabel("Direction", { exact: true }).selectOption("OUTBOUND");
  await filters.getByRole("button", { name: "Apply filters" }).click();
  await expect(rows).toHaveCount(2);
  await expect(rows.filter({ hasText: "Queued" })).toContainText("alice@client-act.co");
  await expect(rows.filter({ hasText: "Delivered" })).toContainText("alice@client-act.co");
  await filters.getByLabel("Direction", { exact: true }).selectOption("INBOUND");
  await filters.getByLabel("Address", { exact: true }).fill("Alice@Client-Act.co");
  await filters.getByRole("button", { name: "Apply filters" }).click();
  await expect(rows).toHaveCount(1);
  await expect(rows.first()).toContainText("Printer jammed on floor 3");
  await filters.getByRole("button", { name: "Clear" }).click();
  await filters.getByLabel("Address match", { exact: true }).selectOption("prefix");
  await filters.getByLabel("Address", { exact: true }).fill("blocked@");
  await filters.getByRole("button", { name: "Apply filters" }).click();
  await expect(rows).toHaveCount(1);
  await expect(rows.first()).toContainText("Cheap watches");
  await filters.getByRole("button", { name: "Clear" }).click();
  await filters.getByLabel("Subject contains", { exact: true }).fill("PRINTER");
  await filters.getByRole("button", { name: "Apply filters" }).click();
  await expect(rows).toHaveCount(3); // the message and its acknowledgement (queued, delivered)
  await filters.getByLabel("Subject contains", { exact: true }).fill("nothing like this");
  await filters.getByRole("button", { name: "Apply filters" }).click();
  await expect(page.getByText("No messages match these filters.")).toBeVisible();
  // A backwards date range is refused next to the field.
  await filters.getByRole("button", { name: "Clear" }).click();
  await filters.getByLabel("From date", { exact: true }).fill("2026-05-10");
  await filters.getByLabel("To date (included)", { exact: true }).fill("2026-05-01");
  await filters.getByRole("button", { name: "Apply filters" }).click();
  await expect(filters.getByLabel("To date (included)", { exact: true })).toHaveAccessibleDescription("The end of the range must be after its start.");
  await filters.getByRole("button", { name: "Clear" }).click();
  await expect(rows).toHaveCount(4);

  // The detail of the delivered message: verdicts, headers, ticket link.
  await delivered.getByRole("button", { name: "Printer jammed on floor 3" }).click();
  const detail = page.getByRole("dialog", { name: "Message detail" });
  await expect(detail.getByTestId("activity-detail")).toBeVisible();
  const verdicts = detail.getByRole("definition");
  await expect(detail.getByLabel("Verdicts")).toContainText("spf");
  await expect(detail.getByLabel("Verdicts")).toContainText("dmarc");
  expect(await verdicts.count()).toBeGreaterThan(4);
  await expect(detail.getByTestId("activity-detail-headers")).toContainText("Subject: Printer jammed on floor 3");
  await expect(detail.getByTestId("activity-detail-headers")).toContainText("From: alice@client-act.co");
  await expect(detail.getByTestId("activity-detail-ticket")).toHaveText("#1 Printer jammed on floor 3");
  await expect(detail.getByTestId("activity-detail-ticket")).toHaveAttribute("href", /^\/tickets\/[a-z0-9]+$/);
  await page.screenshot({ path: `${shots}-detail.png` });
  await page.keyboard.press("Escape");
  await expect(detail).toBeHidden();

  // The detail of the dropped one: the reason and the blocklist entry it matched.
  await dropped.getByRole("button", { name: "Cheap watches" }).click();
  await expect(detail.getByTestId("activity-detail-reason")).toHaveText("blocklist: email blocked@spam-act.co");
  await expect(detail.getByTestId("activity-detail-blocklist")).toContainText("blocked@spam-act.co");
  await expect(detail.getByTestId("activity-detail-blocklist")).toContainText("still active");
  await expect(detail).toContainText("No ticket.");
  await detail.getByRole("button", { name: "Close" }).click();

  // Retention.
  const retention = page.getByRole("region", { name: "Retention" });
  const days = retention.getByLabel("Keep activity for");
  await expect(days).toHaveValue("90");
  await days.fill("3");
  await retention.getByRole("button", { name: "Save" }).click();
  await expect(days).toHaveAccessibleDescription("Keep the log at least 7 days.");
  await days.fill("30");
  await retention.getByRole("button", { name: "Save" }).click();
  await expect(retention.getByRole("status")).toHaveText("Activity is kept for 30 days.");
  await page.reload();
  await expect(page.getByRole("region", { name: "Retention" }).getByLabel("Keep activity for")).toHaveValue("30");
  await page.context().close();
});
