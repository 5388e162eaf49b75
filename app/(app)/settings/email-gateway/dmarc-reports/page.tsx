import type { Metadata } from "next";
import { DmarcReportsScreen } from "@/components/dmarc/dmarc-reports-screen";
import { AccessDenied } from "@/components/shell/access-denied";
import { isAdmin } from "@/components/shell/admin-page";
import { requireUser } from "@/server/auth/current-user";

export const metadata: Metadata = { title: "DMARC reports" };

export default async function DmarcReportsPage() {
  const user = await requireUser();
  if (!isAdmin(user)) return <AccessDenied what="DMARC reports" />;
  return <DmarcReportsScreen />;
}
