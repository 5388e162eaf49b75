import type { Metadata } from "next";
import { redirect } from "next/navigation";
import { AuthPage } from "@/components/auth/auth-page";
import { LoginForm } from "@/components/auth/login-form";
import { getCurrentUser } from "@/server/auth/current-user";
import { safeNext } from "@/server/auth/safe-next";

export const metadata: Metadata = { title: "Sign in" };

export default async function LoginPage({ searchParams }: { searchParams: Promise<Record<string, string | string[] | undefined>> }) {
  const next = safeNext((await searchParams).next);
  if (await getCurrentUser()) redirect(next);
  return (
    <AuthPage title="Sign in to OpsMerge" subtitle="Email gateway for your support mailbox" footer="Accounts are created by your administrator.">
      <LoginForm next={next} />
    </AuthPage>
  );
}
