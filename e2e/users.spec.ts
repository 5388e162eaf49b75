import { expect, test } from "@playwright/test";
import { signIn } from "./support/helpers";

test("R-TEN-4 an admin creates a technician, who signs in and is refused the admin-only pages", async ({ page, browser, baseURL }, testInfo) => {
  const email = `tech-${testInfo.project.name}@demo.local`;
  const password = "technician-pass-0001";

  await page.goto("/users");
  await page.getByRole("button", { name: "New user" }).click();
  const dialog = page.getByRole("dialog", { name: "New user" });
  await dialog.getByLabel("Name").fill("Terry Technician");
  await dialog.getByLabel("Email").fill(email);
  await dialog.getByLabel("Role").selectOption("TECHNICIAN");
  await dialog.getByLabel("Initial password").fill("short");
  await dialog.getByRole("button", { name: "Create user" }).click();
  await expect(dialog.getByLabel("Initial password")).toHaveAccessibleDescription("Use at least 10 characters.");
  await dialog.getByLabel("Initial password").fill(password);
  await dialog.getByRole("button", { name: "Create user" }).click();
  await expect(dialog).toBeHidden();
  const row = page.getByRole("row", { name: /Terry Technician/ });
  await expect(row).toContainText(email);
  await expect(row.getByRole("combobox")).toHaveValue("TECHNICIAN");
  await expect(row).toContainText("Active");
  await page.screenshot({ path: `e2e/screenshots/users-${testInfo.project.name}.png`, fullPage: true });

  const context = await browser.newContext({ baseURL, storageState: { cookies: [], origins: [] } });
  const tech = await context.newPage();
  await signIn(tech, email, password);
  const nav = tech.getByRole("navigation", { name: "Main" });
  await expect(nav.getByRole("link", { name: "Clients" })).toBeVisible();
  await expect(nav.getByRole("link", { name: "Users" })).toHaveCount(0);
  await expect(nav.getByRole("link", { name: "Inbound" })).toHaveCount(0);

  await tech.goto("/users");
  await expect(tech.getByRole("heading", { name: "You don’t have access to user administration" })).toBeVisible();
  await tech.goto("/settings/email-gateway/inbound");
  await expect(tech.getByRole("heading", { name: "You don’t have access to inbound settings" })).toBeVisible();
  // The API refuses too, not just the page.
  const api = await tech.request.get("/api/trpc/users.list");
  expect(api.status()).toBe(403);
  // Clients are readable, but not editable, by a technician.
  await tech.goto("/clients");
  await expect(tech.getByRole("heading", { name: "Clients" })).toBeVisible();
  await expect(tech.getByRole("button", { name: "New client" })).toHaveCount(0);

  // Disabling the technician ends their session at once.
  await page.reload();
  await page.getByRole("row", { name: /Terry Technician/ }).getByRole("button", { name: "Disable" }).click();
  await expect(page.getByRole("row", { name: /Terry Technician/ })).toContainText("Disabled");
  await tech.goto("/clients");
  await expect(tech).toHaveURL(/\/login$/);
  await context.close();
});
