/**
 * The signed-in user for server components and pages. Pages behind the app shell call `requireUser()`:
 * no (valid) session → the login page.
 */
import "server-only";
import { headers } from "next/headers";
import { redirect } from "next/navigation";
import { cache } from "react";
import { needsTwoFactorSetup } from "../accounts/two-factor-policy";
import type { SessionUser } from "../users/get-user";
import { getSessionInfo, getSessionUser } from "./session-user";
import { getDb } from "../web/runtime";
import { getAuth } from "./web";

/** Once per request, however many components ask. */
export const getCurrentUser = cache(async (): Promise<SessionUser | null> => {
  const session = await getSessionInfo(getAuth(), await headers());
  return getSessionUser(getDb(), session);
});

/** …and when the tenant requires two-factor sign-in, a user without it goes to set it up first. */
export async function requireUser(): Promise<SessionUser> {
  const user = await getCurrentUser();
  if (!user) redirect("/login");
  if (await needsTwoFactorSetup(getDb(), user)) redirect("/setup-two-factor");
  return user;
}
