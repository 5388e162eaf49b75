import { test as setup } from "@playwright/test";
import { ADMIN_EMAIL, ADMIN_PASSWORD } from "./support/instances";
import { signIn } from "./support/helpers";

// One admin sign-in per instance, reused by the specs: sign-in is rate-limited to 5 a minute per IP.
setup("sign in as the seeded admin", async ({ page }) => {
  await signIn(page, ADMIN_EMAIL, ADMIN_PASSWORD);
  await page.context().storageState({ path: `e2e/.auth/${setup.info().project.name}.json` });
});
