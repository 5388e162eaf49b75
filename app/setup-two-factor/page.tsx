import type { Metadata } from "next";
import { redirect } from "next/navigation";
import { AuthPage } from "@/components/auth/auth-page";
import { RequiredTwoFactorSetup } from "@/components/auth/two-factor-setup";
import { needsTwoFactorSetup } from "@/server/accounts/two-factor-policy";
import { getCurrentUser } from "@/server/auth/current-user";
import { getDb } from "@/server/web/runtime";

export const metadata: Metadata = { title: "Set up two-factor sign-in" };

/** Where requireUser() sends a signed-in user whose tenant requires two-factor sign-in they have not set up. */
export default async function SetupTwoFactorPage() {
  const user = await getCurrentUser();
  if (!user) redirect("/login");
  if (!(await needsTwoFactorSetup(getDb(), user))) redirect("/tickets");
  return (
    <AuthPage
      wide
      title="Set up two-factor sign-in"
      subtitle="Your organisation requires a code from an authenticator app at every sign-in. It takes a minute."
    >
      <RequiredTwoFactorSetup />
    </AuthPage>
  );
}
