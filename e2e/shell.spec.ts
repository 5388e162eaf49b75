import { expect, test } from "@playwright/test";

test("R-TEN-2 the Inbound page shows the tenant's mailbox with a copy button, and says it is not built yet", async ({ page }, testInfo) => {
  await page.goto("/settings/email-gateway/inbound");
  await expect(page.getByRole("heading", { name: "Inbound" })).toBeVisible();
  await expect(page.getByTestId("inbound-mailbox")).toHaveText("support@demo.in.localhost");
  await expect(page.getByRole("button", { name: "Copy address" })).toBeVisible();
  await expect(page.getByText("Not built yet")).toBeVisible();
  await page.screenshot({ path: `e2e/screenshots/inbound-${testInfo.project.name}.png`, fullPage: true });
});

test("every page of the navigation opens; pages not built yet say so", async ({ page }) => {
  await page.goto("/tickets");
  const nav = page.getByRole("navigation", { name: "Main" });
  for (const [link, heading] of [
    ["Tickets", "Tickets"],
    ["Unattributed", "Unattributed"],
    ["Sending domains", "Sending domains"],
    ["MTA-STS", "MTA-STS"],
    ["Activity", "Activity"],
  ] as const) {
    await nav.getByRole("link", { name: link, exact: true }).click();
    await expect(page.getByRole("heading", { level: 1, name: heading })).toBeVisible();
    await expect(page.getByText("This page does not work yet.")).toBeVisible();
  }
  // Built pages open and do not carry the notice.
  await nav.getByRole("link", { name: "Blocklist", exact: true }).click();
  await expect(page.getByRole("heading", { level: 1, name: "Blocklist" })).toBeVisible();
  await expect(page.getByText("This page does not work yet.")).toHaveCount(0);
  await nav.getByRole("link", { name: "DMARC reports", exact: true }).click();
  await expect(page.getByRole("heading", { level: 1, name: "DMARC reports" })).toBeVisible();
  await expect(page.getByText("This page does not work yet.")).toHaveCount(0);
  await nav.getByRole("link", { name: "Profile" }).click();
  await expect(page.getByRole("heading", { name: "Email → Default sending address" })).toBeVisible();
  await expect(page.getByText(/arrives with Sending domains/)).toBeVisible();
});

test("R-TEN-4 a user edits their own name from the profile", async ({ page }, testInfo) => {
  await page.goto("/profile");
  await page.getByLabel("Name").fill("Demo Admin");
  await page.getByLabel("Current password").fill("wrong-password-here");
  await page.getByLabel("New password").fill("another-password-1");
  await page.getByRole("button", { name: "Change password" }).click();
  await expect(page.getByLabel("Current password")).toHaveAccessibleDescription("That is not your current password.");
  await page.getByLabel("Name").fill("Dana Admin");
  await page.getByRole("button", { name: "Save" }).click();
  await expect(page.getByText("Saved.")).toBeVisible();
  await page.reload();
  await expect(page.getByRole("navigation", { name: "Main" }).locator("..").getByText("Dana Admin")).toBeVisible();
  // Tall enough for the whole page: a full-page capture stitches the sticky sidebar mid-page.
  await page.setViewportSize({ width: 1280, height: 1100 });
  await page.screenshot({ path: `e2e/screenshots/profile-${testInfo.project.name}.png` });
  await page.getByLabel("Name").fill("Demo Admin");
  await page.getByRole("button", { name: "Save" }).click();
  await expect(page.getByText("Saved.")).toBeVisible();
});
