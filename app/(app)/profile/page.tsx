import type { Metadata } from "next";
import { ChangePasswordForm, ProfileNameForm, SendAsForm } from "@/components/profile/profile-forms";
import { Badge } from "@/components/ui/badge";
import { PageHeader } from "@/components/ui/page-header";
import { requireUser } from "@/server/auth/current-user";
import { roleLabels } from "@/server/users/roles";

export const metadata: Metadata = { title: "Profile" };

export default async function ProfilePage() {
  const user = await requireUser();
  return (
    <>
      <PageHeader title="Profile" description={<>Signed in as {user.email} · <Badge tone="indigo">{roleLabels[user.role]}</Badge></>} />
      <div className="grid max-w-3xl gap-6">
        <ProfileNameForm name={user.name} email={user.email} />
        <ChangePasswordForm />
        <SendAsForm />
      </div>
    </>
  );
}
