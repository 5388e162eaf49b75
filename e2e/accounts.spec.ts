/**
 * R-UX-4 accounts end to end, on each database: an invitation mailed through the product's outbound queue and
 * picked up by the receiving MTA, accepted by setting a password, two-factor turned on from the profile and used to
 * sign in with a TOTP code; and a self-service password reset from the mail, which signs out the other sessions.
 */
import { expect, test, type Browser, type Page } from "@playwright/test";
import { totpCode } from "../test/support/totp";
import { createUser } from "../server/users/create-user";
import { demoTenantId, instanceDb, shootFullPage, signIn } from "./support/helpers";
import { waitForDelivered, type DeliveredMail } from "./support/receiving-mta";

let ipCounter = 0;

/** A signed-out browser with its own client address (better-auth rate-limits per address). */
async function freshPage(browser: Browser, baseURL: string | undefined): Promise<Page> {
  const context = await browser.newContext({ baseURL, storageState: { cookies: [], origins: [] } });
  const page = await context.newPage();
  ipCounter += 1;
  await page.setExtraHTTPHeaders({ "x-forwarded-for": `203.0.${113 + (ipCounter % 2)}.${Math.floor(Math.random() * 200) + ipCounter}` });
  return page;
}

/** The better-auth link in an account mail. */
function linkIn(mail: DeliveredMail): string {
  const match = /https?:\/\/\S+\/api\/auth\/reset-password\/\S+/.exec(mail.parsed.text ?? "");
  if (!match) throw new Error(`no link in the mail: ${mail.parsed.text}`);
  return match[0];
}

async function choosePassword(page: Page, link: string, password: string) {
  await page.goto(link);
  await expect(page).toHaveURL(/\/set-password\?token=/);
  await expect(page.getByRole("heading", { name: "Choose your password" })).toBeVisible();
  await page.getByLabel("New password").fill("too short");
  await page.getByLabel("Repeat the password").fill("too short");
  await page.getByRole("button", { name: "Set password" }).click();
  await expect(page.getByLabel("New password")).toHaveAccessibleDescription("Use at least 10 characters.");
  await page.getByLabel("New password").fill(password);
  await page.getByLabel("Repeat the password").fill(password);
  await page.getByRole("button", { name: "Set password" }).click();
  await expect(page.getByRole("main").getByRole("status")).toHaveText("Your password is set. Sign in with it now.");
}

test("R-UX-4 invite a user, accept the invitation from the mail, turn on two-factor and sign in with a TOTP code", async ({ page, browser, baseURL }, testInfo) => {
  // Three sign-ins, two password hashes and real mail delivery on a shared two-core machine.
  test.setTimeout(120_000);
  const project = testInfo.project.name;
  const email = `invitee-${project}-${Date.now()}@client-mail.test`;
  const password = "invitee password 0001";

  await page.goto("/users");
  await expect(page.getByText("Works tickets and triages the Unattributed queue.").first()).toBeVisible();
  await page.getByRole("button", { name: "Invite user" }).click();
  const dialog = page.getByRole("dialog", { name: "Invite user" });
  await dialog.getByLabel("Name").fill("Ines Invitee");
  await dialog.getByLabel("Email").fill("not an address");
  await dialog.getByRole("button", { name: "Send invitation" }).click();
  await expect(dialog.getByLabel("Email")).toHaveAccessibleDescription("Enter a valid email address.");
  await dialog.getByLabel("Email").fill(email);
  await dialog.getByLabel("Role").selectOption("SUPPORT");
  await dialog.getByRole("button", { name: "Send invitation" }).click();
  await expect(dialog).toBeHidden();
  await expect(page.getByRole("main").getByRole("status")).toHaveText(`Invitation sent to ${email}.`);
  await expect(page.getByRole("row", { name: /Ines Invitee/ })).toContainText("Invited");
  await shootFullPage(page, `e2e/screenshots/accounts-users-${project}.png`);

  const mail = await waitForDelivered(project, (m) => m.recipients.includes(email));
  expect(mail.parsed.subject).toBe("You are invited to Demo MSP on OpsMerge");
  expect(mail.parsed.from?.value[0]?.address).toBe("support@demo.in.localhost");
  const link = linkIn(mail);

  const invitee = await freshPage(browser, baseURL);
  await choosePassword(invitee, link, password);
  await shootFullPage(invitee, `e2e/screenshots/accounts-set-password-${project}.png`);
  // The link works once.
  await invitee.goto(link);
  await expect(invitee.getByRole("main").getByRole("alert")).toHaveText(/This link has expired or was already used/);

  await signIn(invitee, email, password);
  await invitee.goto("/profile");
  const card = invitee.getByRole("main");
  await card.getByLabel("Your password").fill(password);
  await card.getByRole("button", { name: "Set up two-factor sign-in" }).click();
  const uri = await card.getByTestId("totp-uri").getAttribute("href");
  expect(uri).toMatch(/^otpauth:\/\/totp\//);
  await expect(card.getByRole("list", { name: "Recovery codes" }).getByRole("listitem")).toHaveCount(10);
  await shootFullPage(invitee, `e2e/screenshots/accounts-two-factor-setup-${project}.png`);
  await card.getByLabel("Code", { exact: true }).fill(totpCode(uri!));
  await card.getByRole("button", { name: "Turn on" }).click();
  await expect(card.getByText("On", { exact: true })).toBeVisible();
  await invitee.context().close();

  // Signing in now takes the password and a code from the app.
  const again = await freshPage(browser, baseURL);
  await again.goto("/login");
  await again.getByLabel("Email").fill(email);
  await again.getByLabel("Password").fill(password);
  await again.getByRole("button", { name: "Sign in" }).click();
  await expect(again.getByRole("heading", { name: "Two-factor sign-in" })).toBeVisible();
  const wrong = totpCode(uri!) === "000000" ? "111111" : "000000";
  await again.getByLabel("Authentication code").fill(wrong);
  await again.keyboard.press("Enter");
  await expect(again.getByLabel("Authentication code")).toHaveAccessibleDescription(/That code is not right/);
  await shootFullPage(again, `e2e/screenshots/accounts-two-factor-step-${project}.png`);
  await again.getByLabel("Authentication code").fill(totpCode(uri!));
  await again.keyboard.press("Enter");
  await expect(again.getByRole("navigation", { name: "Main" })).toBeVisible();
  await again.context().close();
});

test("R-UX-4 reset a forgotten password from the mail; the other sessions end", async ({ browser, baseURL }, testInfo) => {
  test.setTimeout(120_000);
  const project = testInfo.project.name;
  const email = `forgetful-${project}-${Date.now()}@client-mail.test`;
  const db = instanceDb(project);
  try {
    await createUser(db, await demoTenantId(db), { name: "Fred Forgetful", email, role: "TECHNICIAN", password: "the old password 1" });
  } finally {
    await db.$disconnect();
  }
  const elsewhere = await freshPage(browser, baseURL);
  await signIn(elsewhere, email, "the old password 1");

  const page = await freshPage(browser, baseURL);
  await page.goto("/login");
  await page.getByRole("link", { name: "Forgot password?" }).click();
  await expect(page.getByRole("heading", { name: "Reset your password" })).toBeVisible();
  await page.getByLabel("Email").fill(email);
  await page.getByRole("button", { name: "Send me a link" }).click();
  await expect(page.getByRole("main").getByRole("status")).toContainText("a link to choose a new password is on its way");
  await shootFullPage(page, `e2e/screenshots/accounts-forgot-${project}.png`);

  const mail = await waitForDelivered(project, (m) => m.recipients.includes(email));
  expect(mail.parsed.subject).toBe("Reset your OpsMerge password");
  await choosePassword(page, linkIn(mail), "the new password 2");
  await page.getByRole("link", { name: "Sign in" }).click();
  await signIn(page, email, "the new password 2");

  // The session opened before the reset is gone.
  await elsewhere.goto("/tickets");
  await expect(elsewhere).toHaveURL(/\/login/);
  await elsewhere.context().close();
  await page.context().close();
});
