import type { Metadata } from "next";
import Link from "next/link";
import { AuthPage } from "@/components/auth/auth-page";
import { SetPasswordForm } from "@/components/auth/password-link-forms";
import { Alert } from "@/components/ui/alert";

export const metadata: Metadata = { title: "Choose a password" };

/** Where better-auth's invitation and reset links land: `?token=…`, or `?error=INVALID_TOKEN` for a dead link. */
export default async function SetPasswordPage({ searchParams }: { searchParams: Promise<Record<string, string | string[] | undefined>> }) {
  const params = await searchParams;
  const token = typeof params.token === "string" && params.token ? params.token : null;
  return (
    <AuthPage title="Choose your password" subtitle="For your OpsMerge account.">
      {token ? (
        <SetPasswordForm token={token} />
      ) : (
        <div className="space-y-4">
          <Alert>This link has expired or was already used. Links work once, for 72 hours.</Alert>
          <p className="text-sm text-slate-600">
            <Link href="/forgot-password" className="font-medium text-indigo-600 hover:text-indigo-500">
              Ask for a new link
            </Link>{" "}
            — or, if you were invited, ask your administrator to send the invitation again.
          </p>
        </div>
      )}
    </AuthPage>
  );
}
