import { expect, type Browser, type Locator, type Page } from "@playwright/test";
import { createDb, type Db } from "../../server/db/client";
import { instanceNamed } from "./instances";

let signIns = 0;

/** Signs in through the login page, as a person would. */
export async function signIn(page: Page, email: string, password: string): Promise<void> {
  // Sign-in is rate-limited per client address (5 a minute) and the whole suite signs in from one machine: each
  // sign-in here comes from its own documentation-range address (a header only; the limiter trusts it, as it does
  // behind the load balancer). test/security/web.test.ts tests the limit itself.
  signIns += 1;
  await page.setExtraHTTPHeaders({ "x-forwarded-for": `198.51.${Math.floor(Math.random() * 256)}.${signIns % 256}` });
  await page.goto("/login");
  await page.getByLabel("Email").fill(email);
  await page.getByLabel("Password").fill(password);
  await page.getByRole("button", { name: "Sign in" }).click();
  await expect(page.getByRole("navigation", { name: "Main" })).toBeVisible();
}

/** A browser context of its own (no shared sign-in), signed in as `user` through the login page. */
export async function signedInPage(browser: Browser, baseURL: string | undefined, user: { email: string; password: string }): Promise<Page> {
  const context = await browser.newContext({ baseURL, storageState: { cookies: [], origins: [] } });
  const page = await context.newPage();
  await signIn(page, user.email, user.password);
  return page;
}

/** The database of the instance a project runs against, for seeding through domain code. */
export function instanceDb(projectName: string): Db {
  const instance = instanceNamed(projectName);
  return createDb({ provider: instance.provider, url: instance.databaseUrl }, { poolSize: 2, beginImmediate: true });
}

export async function demoTenantId(db: Db): Promise<string> {
  return (await db.tenant.findUniqueOrThrow({ where: { slug: "demo" }, select: { id: true } })).id;
}

/** A whole-page capture with the viewport as tall as the page (a full-page capture stitches the sticky sidebar). */
export async function shootFullPage(page: Page, path: string): Promise<void> {
  const height = await page.evaluate(() => document.documentElement.scrollHeight);
  await page.setViewportSize({ width: 1280, height: Math.max(800, Math.min(height, 4000)) });
  await page.screenshot({ path });
  await page.setViewportSize({ width: 1280, height: 720 });
}

/**
 * Reloads the page until `check` passes: for what another process (the MTA, its outbound worker) writes while the
 * page is open. Each try first waits for `loaded` (the page's data has arrived, whatever it says) and only then
 * gives `check` a short while: on a loaded CI machine a reload can take longer than that short while, and a try
 * that reloads again before the data arrives would never see it.
 */
export async function reloadUntil(page: Page, loaded: Locator, check: () => Promise<void>, timeout = 60_000): Promise<void> {
  await expect(async () => {
    await page.reload();
    await expect(loaded.first()).toBeVisible({ timeout: 15_000 });
    await check();
  }).toPass({ timeout });
}
