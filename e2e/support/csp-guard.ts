/**
 * Issue 19 item 7: pages run under a nonce Content-Security-Policy (proxy.ts). A script or style the policy
 * refuses shows up only as a browser console message, and the page may still look fine, so specs import `test`
 * from here: every console message about the CSP, and every `securitypolicyviolation` event, in any browser
 * context the test opens (its own `page` and the contexts it makes with `browser.newContext`), fails the test.
 */
import { test as base, expect, type BrowserContext } from "@playwright/test";

const CSP_MESSAGE = /content security policy|content-security-policy/i;

/** Collects CSP violations in `context` into `violations`. */
export async function watchCsp(context: BrowserContext, violations: string[]): Promise<void> {
  context.on("console", (message) => {
    if (CSP_MESSAGE.test(message.text())) violations.push(`${message.type()}: ${message.text()}`);
  });
  // Chromium logs most refusals itself; the event also catches the ones it reports only to the page.
  await context.addInitScript(() => {
    document.addEventListener("securitypolicyviolation", (e) => {
      console.error(`Content Security Policy violation: ${e.violatedDirective} refused ${e.blockedURI || "inline code"}`);
    });
  });
}

/** `cspViolations` (automatic in every test): what the guard saw; it must be empty when the test ends. */
export const test = base.extend<{ cspViolations: string[] }>({
  cspViolations: [
    async ({ context, browser }, use) => {
      const violations: string[] = [];
      await watchCsp(context, violations);
      const newContext = browser.newContext.bind(browser);
      browser.newContext = async (...args) => {
        const created = await newContext(...args);
        await watchCsp(created, violations);
        return created;
      };
      try {
        await use(violations);
      } finally {
        browser.newContext = newContext;
      }
      expect(violations, "Content-Security-Policy violations in the browser console").toEqual([]);
    },
    { auto: true },
  ],
});

export { expect };
