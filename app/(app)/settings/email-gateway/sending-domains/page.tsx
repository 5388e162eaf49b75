import type { Metadata } from "next";
import { AccessDenied } from "@/components/shell/access-denied";
import { isAdmin } from "@/components/shell/admin-page";
import { SendingDomainsScreen } from "@/components/sending-domains/sending-domains-screen";
import { requireUser } from "@/server/auth/current-user";

export const metadata: Metadata = { title: "Sending domains" };

export default async function SendingDomainsPage() {
  const user = await requireUser();
  if (!isAdmin(user)) return <AccessDenied what="sending domains" />;
  return <SendingDomainsScreen />;
}
