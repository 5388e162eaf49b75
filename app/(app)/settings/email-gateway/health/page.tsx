import type { Metadata } from "next";
import { HealthScreen } from "@/components/health/health-screen";
import { AccessDenied } from "@/components/shell/access-denied";
import { isAdmin } from "@/components/shell/admin-page";
import { PageHeader } from "@/components/ui/page-header";
import { requireUser } from "@/server/auth/current-user";

export const metadata: Metadata = { title: "Health" };

export default async function HealthPage() {
  const user = await requireUser();
  if (!isAdmin(user)) return <AccessDenied what="gateway health" />;
  return (
    <>
      <PageHeader title="Health" description="Is client mail reaching the helpdesk, and are replies getting out?" />
      <HealthScreen />
    </>
  );
}
