import type { Metadata } from "next";
import { redirect } from "next/navigation";
import { Mail } from "lucide-react";
import { LoginForm } from "@/components/auth/login-form";
import { getCurrentUser } from "@/server/auth/current-user";
import { safeNext } from "@/server/auth/safe-next";

export const metadata: Metadata = { title: "Sign in" };

export default async function LoginPage({ searchParams }: { searchParams: Promise<Record<string, string | string[] | undefined>> }) {
  const next = safeNext((await searchParams).next);
  if (await getCurrentUser()) redirect(next);
  return (
    <main className="flex min-h-screen items-center justify-center px-4 py-12">
      <div className="w-full max-w-sm">
        <div className="mb-8 flex flex-col items-center text-center">
          <span className="flex size-11 items-center justify-center rounded-xl bg-indigo-600 text-white shadow-sm">
            <Mail className="size-6" aria-hidden />
          </span>
          <h1 className="mt-4 text-xl font-semibold text-slate-900">Sign in to OpsMerge</h1>
          <p className="mt-1 text-sm text-slate-500">Email gateway for your support mailbox</p>
        </div>
        <div className="rounded-xl bg-white p-6 shadow-sm ring-1 ring-slate-200">
          <LoginForm next={next} />
        </div>
        <p className="mt-6 text-center text-xs text-slate-500">Accounts are created by your administrator.</p>
      </div>
    </main>
  );
}
