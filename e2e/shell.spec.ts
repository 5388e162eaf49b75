import { expect, test } from "@playwright/test";

test("R-TEN-2 the Inbound page shows the tenant's mailbox with a copy button", async ({ page }, testInfo) => {
  await page.goto("/settings/email-gateway/inbound");
  await expect(page.getByRole("heading", { name: "Inbound" })).toBeVisible();
  await expect(page.getByTestId("inbound-mailbox")).toHaveText("support@demo.in.localhost");
  await expect(page.getByRole("button", { name: "Copy address" })).toBeVisible();
  await expect(page.getByText("Not built yet")).toHaveCount(0);
  await page.screenshot({ path: `e2e/screenshots/inbound-${testInfo.project.name}.png`, fullPage: true });
});

test("every page of the navigation opens, and none says it is not built yet", async ({ page }) => {
  test.setTimeout(60_000);
  await page.goto("/tickets");
  const nav = page.getByRole("navigation", { name: "Main" });
  for (const name of [
    "Tickets",
    "Unattributed",
    "Clients",
    "Inbound",
    "Sending domains",
    "Blocklist",
    "MTA-STS",
    "DMARC reports",
    "Activity",
    "Canned responses",
    "Users",
  ]) {
    await nav.getByRole("link", { name, exact: true }).click();
    await expect(page.getByRole("heading", { level: 1, name })).toBeVisible();
    await expect(page.getByText("This page does not work yet.")).toHaveCount(0);
  }
  await nav.getByRole("link", { name: "Profile" }).click();
  await expect(page.getByRole("heading", { name: "Email → Default sending address" })).toBeVisible();
  await expect(page.getByRole("textbox", { name: "Sending address" })).toBeVisible();
});

test("R-TEN-4 a user edits their own name from the profile", async ({ page }, testInfo) => {
  await page.goto("/profile");
  await page.getByLabel("Name", { exact: true }).fill("Demo Admin");
  await page.getByLabel("Current password").fill("wrong-password-here");
  await page.getByLabel("New password").fill("another-password-1");
  await page.getByRole("button", { name: "Change password" }).click();
  await expect(page.getByLabel("Current password")).toHaveAccessibleDescription("That is not your current password.");
  await page.getByLabel("Name", { exact: true }).fill("Dana Admin");
  await page.getByRole("button", { name: "Save" }).click();
  await expect(page.getByText("Saved.")).toBeVisible();
  await page.reload();
  await expect(page.getByRole("navigation", { name: "Main" }).locator("..").getByText("Dana Admin")).toBeVisible();
  // Tall enough for the whole page: a full-page capture stitches the sticky sidebar mid-page.
  await page.setViewportSize({ width: 1280, height: 1100 });
  await page.screenshot({ path: `e2e/screenshots/profile-${testInfo.project.name}.png` });
  await page.getByLabel("Name", { exact: true }).fill("Demo Admin");
  await page.getByRole("button", { name: "Save" }).click();
  await expect(page.getByText("Saved.")).toBeVisible();
});
