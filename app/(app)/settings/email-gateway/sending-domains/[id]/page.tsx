import type { Metadata } from "next";
import { AccessDenied } from "@/components/shell/access-denied";
import { isAdmin } from "@/components/shell/admin-page";
import { SendingDomainDetail } from "@/components/sending-domains/sending-domain-detail";
import { requireUser } from "@/server/auth/current-user";

export const metadata: Metadata = { title: "Sending domain" };

export default async function SendingDomainPage({ params }: { params: Promise<{ id: string }> }) {
  const user = await requireUser();
  if (!isAdmin(user)) return <AccessDenied what="sending domains" />;
  const { id } = await params;
  return <SendingDomainDetail id={id} />;
}
