import type { Metadata } from "next";
import { TwoFactorCard } from "@/components/auth/two-factor-setup";
import { ChangePasswordForm, ProfileNameForm, SendAsForm } from "@/components/profile/profile-forms";
import { Badge } from "@/components/ui/badge";
import { PageHeader } from "@/components/ui/page-header";
import { getTwoFactorPolicy } from "@/server/accounts/two-factor-policy";
import { requireUser } from "@/server/auth/current-user";
import { getDb } from "@/server/web/runtime";
import { roleLabels } from "@/server/users/roles";

export const metadata: Metadata = { title: "Profile" };

export default async function ProfilePage() {
  const user = await requireUser();
  const policy = await getTwoFactorPolicy(getDb(), user.tenantId);
  return (
    <>
      <PageHeader title="Profile" description={<>Signed in as {user.email} · <Badge tone="indigo">{roleLabels[user.role]}</Badge></>} />
      <div className="grid max-w-3xl gap-6">
        <ProfileNameForm name={user.name} email={user.email} />
        <ChangePasswordForm />
        <TwoFactorCard enabled={user.twoFactorEnabled} required={policy.required} />
        <SendAsForm />
      </div>
    </>
  );
}
