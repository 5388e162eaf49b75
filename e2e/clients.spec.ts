import { expect, test } from "@playwright/test";
import { addContact } from "../server/clients/add-contact";
import { createClient } from "../server/clients/create-client";
import { demoTenantId, instanceDb } from "./support/helpers";

test.describe.configure({ mode: "serial" });

test("R-IN-5 create a client with a primary and an alias domain, add a contact, see them listed", async ({ page }) => {
  // Two pages and two dialogs, the client page now also loading its tickets: a minute when the machine is busy.
  test.setTimeout(60_000);
  await page.goto("/clients");
  await expect(page.getByRole("heading", { name: "No clients yet" })).toBeVisible();

  await page.getByRole("button", { name: "New client" }).first().click();
  const dialog = page.getByRole("dialog", { name: "New client" });
  await dialog.getByLabel("Name").fill("Northwind Traders");
  await dialog.getByLabel("Primary domain").fill("Northwind.example");
  await dialog.getByRole("button", { name: "Add alias domain" }).click();
  await dialog.getByRole("textbox", { name: "Alias domain 1", exact: true }).fill("nordwind-bücher.example");
  await dialog.getByRole("button", { name: "Create client" }).click();
  await expect(dialog).toBeHidden();

  const row = page.getByRole("row", { name: /Northwind Traders/ });
  await expect(row).toContainText("northwind.example");
  await expect(row).toContainText("nordwind-bücher.example");

  await row.getByRole("link", { name: "Northwind Traders" }).click();
  await expect(page.getByRole("heading", { name: "Northwind Traders" })).toBeVisible();
  await page.getByRole("button", { name: "Add contact" }).click();
  const contact = page.getByRole("dialog", { name: "Add contact" });
  await contact.getByLabel("Name").fill("Jane Doe");
  await contact.getByLabel("Email").fill("Jane.Doe@Northwind.example");
  await contact.getByRole("button", { name: "Add contact" }).click();
  await expect(contact).toBeHidden();
  const contacts = page.getByRole("table", { name: "Contacts" });
  await expect(contacts.getByRole("row", { name: /Jane Doe/ })).toContainText("jane.doe@northwind.example");

  await page.getByRole("link", { name: "← Clients" }).click();
  await expect(page.getByRole("row", { name: /Northwind Traders/ }).getByRole("cell").nth(2)).toHaveText("1");
});

test("R-IN-5 an invalid, a free-mail or a taken domain gets an error next to its field", async ({ page }) => {
  await page.goto("/clients");
  await page.getByRole("button", { name: "New client" }).click();
  const dialog = page.getByRole("dialog", { name: "New client" });
  await dialog.getByLabel("Name").fill("Broken Ltd");
  const primary = dialog.getByLabel("Primary domain");

  await primary.fill("not a domain");
  await dialog.getByRole("button", { name: "Create client" }).click();
  await expect(primary).toHaveAttribute("aria-invalid", "true");
  await expect(primary).toHaveAccessibleDescription(/“not a domain” is not a valid domain name/);

  await primary.fill("gmail.com");
  await dialog.getByRole("button", { name: "Create client" }).click();
  await expect(primary).toHaveAccessibleDescription(/gmail\.com is a free-mail provider/);

  await primary.fill("brokenltd.example");
  await dialog.getByRole("button", { name: "Add alias domain" }).click();
  await dialog.getByRole("textbox", { name: "Alias domain 1", exact: true }).fill("NORTHWIND.example");
  await dialog.getByRole("button", { name: "Create client" }).click();
  await expect(dialog.getByRole("alert")).toHaveText("northwind.example already belongs to the client “Northwind Traders”.");

  await dialog.getByRole("button", { name: "Cancel" }).click();
  await expect(page.getByRole("row", { name: /Broken Ltd/ })).toHaveCount(0);
});

test("the clients page looks finished (screenshot)", async ({ page }, testInfo) => {
  // More clients, seeded through the domain code the product itself uses.
  const db = instanceDb(testInfo.project.name);
  try {
    const tenantId = await demoTenantId(db);
    const contoso = await createClient(db, tenantId, { name: "Contoso Pharmaceuticals", primaryDomain: "contoso.example", aliasDomains: ["contoso-labs.example", "contoso.eu.example"] });
    await addContact(db, tenantId, { clientId: contoso.id, name: "Ravi Patel", email: "ravi@contoso.example" });
    await addContact(db, tenantId, { clientId: contoso.id, name: "Mia Chen", email: "mia.chen@contoso-labs.example" });
    await createClient(db, tenantId, { name: "Fabrikam Legal LLP", primaryDomain: "fabrikam.example" });
    const tailspin = await createClient(db, tenantId, { name: "Tailspin Toys", primaryDomain: "tailspin.example", aliasDomains: ["tailspintoys.example"] });
    await addContact(db, tenantId, { clientId: tailspin.id, name: "Owner (personal address)", email: "tailspin.owner@gmail.com" });
  } finally {
    await db.$disconnect();
  }
  await page.setViewportSize({ width: 1366, height: 800 });
  await page.goto("/clients");
  await expect(page.getByRole("row", { name: /Tailspin Toys/ })).toBeVisible();
  await page.screenshot({ path: `e2e/screenshots/clients-${testInfo.project.name}.png`, fullPage: true });

  await page.getByRole("searchbox", { name: "Search clients" }).fill("contoso");
  await expect(page.getByRole("row", { name: /Tailspin Toys/ })).toHaveCount(0);
  await expect(page.getByRole("row", { name: /Contoso Pharmaceuticals/ })).toBeVisible();

  await page.getByRole("searchbox", { name: "Search clients" }).fill("");
  await page.getByRole("link", { name: "Contoso Pharmaceuticals" }).click();
  await expect(page.getByRole("table", { name: "Contacts" }).getByRole("row")).toHaveCount(3);
  await page.screenshot({ path: `e2e/screenshots/client-detail-${testInfo.project.name}.png`, fullPage: true });
});
