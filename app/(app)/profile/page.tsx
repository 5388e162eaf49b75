import type { Metadata } from "next";
import { Mail } from "lucide-react";
import { ChangePasswordForm, ProfileNameForm } from "@/components/profile/profile-forms";
import { Badge } from "@/components/ui/badge";
import { Card, CardHeader } from "@/components/ui/card";
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
        <Card>
          <CardHeader title="Email → Default sending address" description="The From address of the replies you write." actions={<Badge tone="amber">Not built yet</Badge>} />
          <div className="flex items-start gap-3 px-5 py-5 text-sm text-slate-600">
            <Mail className="mt-0.5 size-4 shrink-0 text-slate-400" aria-hidden />
            <p>
              Choosing your own sending address arrives with <strong className="font-medium text-slate-800">Sending domains</strong>: once an
              admin has verified a domain, you will pick an address on it here. Until then, replies go out from your team’s default support
              address.
            </p>
          </div>
        </Card>
      </div>
    </>
  );
}
