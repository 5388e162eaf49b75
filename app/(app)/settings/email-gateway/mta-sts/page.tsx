import type { Metadata } from "next";
import { MtaStsScreen } from "@/components/mta-sts/mta-sts-screen";
import { AccessDenied } from "@/components/shell/access-denied";
import { isAdmin } from "@/components/shell/admin-page";
import { requireUser } from "@/server/auth/current-user";

export const metadata: Metadata = { title: "MTA-STS" };

export default async function MtaStsPage() {
  const user = await requireUser();
  if (!isAdmin(user)) return <AccessDenied what="MTA-STS settings" />;
  return <MtaStsScreen />;
}
