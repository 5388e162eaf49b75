import { expect, test } from "@playwright/test";
import { getAutoAckSettings } from "../server/tenants/auto-ack-settings";
import { demoTenantId, instanceDb } from "./support/helpers";

test.describe.configure({ mode: "serial" });

test("R-IN-9 edit the auto-acknowledgement template with a live preview, save, reload and see it", async ({
  page,
}, testInfo) => {
  await page.goto("/settings/email-gateway/inbound");
  const card = page.getByTestId("auto-ack-card");
  await expect(card.getByRole("heading", { name: "Auto-acknowledgement" })).toBeVisible();
  // The placeholders are listed, and the default wording is previewed with sample values.
  await expect(card.getByRole("definition").first()).toBeVisible();
  await expect(card.getByText("{{requesterNameComma}}", { exact: true })).toBeVisible();
  await expect(card.getByTestId("auto-ack-preview-subject")).toHaveText("[Ticket #1042] Printer on floor 2 is offline");
  await expect(card.getByTestId("auto-ack-preview-body")).toContainText("Hello Alice Example,");

  const template =
    "Hi {{requesterName}},\n\nwe opened ticket #{{ticketNumber}} for “{{subject}}”.\n\n{{tenantName}} service desk";
  await card.getByLabel("Subject").fill("Received: {{subject}} (#{{ticketNumber}})");
  await card.getByLabel("Message").fill(template);
  await card.getByLabel("Per sender, at most").fill("5");
  await expect(card.getByTestId("auto-ack-preview-subject")).toHaveText(
    "Received: Printer on floor 2 is offline (#1042)",
  );
  await expect(card.getByTestId("auto-ack-preview-body")).toContainText(
    "we opened ticket #1042 for “Printer on floor 2 is offline”.",
  );
  await card.getByRole("button", { name: "Save" }).click();
  await expect(card.getByRole("status")).toHaveText("Auto-acknowledgement settings saved.");

  await page.reload();
  await expect(card.getByLabel("Message")).toHaveValue(template);
  await expect(card.getByLabel("Subject")).toHaveValue("Received: {{subject}} (#{{ticketNumber}})");
  await expect(card.getByLabel("Per sender, at most")).toHaveValue("5");
  await expect(card.getByTestId("auto-ack-preview-body")).toContainText("service desk");
  await page.screenshot({ path: `e2e/screenshots/inbound-auto-ack-${testInfo.project.name}.png`, fullPage: true });

  // Stored where the inbound pipeline reads it.
  const db = instanceDb(testInfo.project.name);
  try {
    expect(await getAutoAckSettings(db, await demoTenantId(db))).toMatchObject({
      template,
      perSenderHour: 5,
      enabled: true,
    });
  } finally {
    await db.$disconnect();
  }
});

test("R-IN-9 errors appear next to their fields and nothing is saved; switching off is saved", async ({
  page,
}, testInfo) => {
  await page.goto("/settings/email-gateway/inbound");
  const card = page.getByTestId("auto-ack-card");
  const message = card.getByLabel("Message");
  await expect(message).toBeVisible();
  const before = await message.inputValue();

  await message.fill("Dear {{firstName}}, your ticket is #{{ticketNumber}}.");
  await card.getByLabel("Per sender, at most").fill("25");
  await card.getByRole("button", { name: "Save" }).click();
  // The field checks run first: the number is refused next to its field…
  await expect(card.getByLabel("Per sender, at most")).toHaveAccessibleDescription("Use a number from 1 to 20.");
  await card.getByLabel("Per sender, at most").fill("4");
  await card.getByRole("button", { name: "Save" }).click();
  // …then the unknown placeholder, next to the message.
  await expect(message).toHaveAccessibleDescription(/Unknown placeholder \{\{firstName\}\}/);
  await expect(card.getByRole("status")).toHaveCount(0);

  await page.reload();
  await expect(message).toHaveValue(before);

  await card.getByRole("switch", { name: /Acknowledge new tickets automatically/ }).uncheck();
  await card.getByRole("button", { name: "Save" }).click();
  await expect(card.getByRole("status")).toHaveText("Auto-acknowledgement settings saved.");
  await page.reload();
  await expect(card.getByRole("switch", { name: /Acknowledge new tickets automatically/ })).not.toBeChecked();
  await expect(card.getByText("Off", { exact: true })).toBeVisible();

  // Switched back on, so the rest of the suite sees the default behaviour.
  await card.getByRole("switch", { name: /Acknowledge new tickets automatically/ }).check();
  await card.getByRole("button", { name: "Save" }).click();
  await expect(card.getByRole("status")).toHaveText("Auto-acknowledgement settings saved.");
  const db = instanceDb(testInfo.project.name);
  try {
    expect((await getAutoAckSettings(db, await demoTenantId(db))).enabled).toBe(true);
  } finally {
    await db.$disconnect();
  }
});
